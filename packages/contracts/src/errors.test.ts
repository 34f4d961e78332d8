import { describe, expect, it } from 'vitest';
import { ERRORS, errorBody, isErrorCode } from './errors.js';

describe('the error catalogue', () => {
  it('gives every code a 4xx or 5xx status and says what it means in Russian and in English', () => {
    const entries = Object.entries(ERRORS);
    expect(entries.length).toBeGreaterThan(15);
    for (const [code, e] of entries) {
      expect([code, e.status >= 400 && e.status < 600]).toEqual([code, true]);
      expect([code, /[а-яё]/i.test(e.ru), /^[\x20-\x7e]+$/.test(e.en)]).toEqual([code, true, true]);
      // only the server's own failures are 5xx
      expect([code, e.status >= 500]).toEqual([code, code === 'internal' || code === 'database-unavailable']);
    }
  });

  it('sends a refusal as its code, the message naming what is wrong, and the Russian words', () => {
    expect(errorBody('no-device', 'device T9 has never reported')).toEqual({
      error: { code: 'no-device', message: 'device T9 has never reported', ru: ERRORS['no-device'].ru },
    });
    expect([isErrorCode('forbidden'), isErrorCode('toString'), isErrorCode('FST_ERR_X')]).toEqual([
      true,
      false,
      false,
    ]);
  });
});
