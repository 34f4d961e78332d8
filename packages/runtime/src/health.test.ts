import { describe, expect, it } from 'vitest';
import { healthReport, withoutDetails } from './health.js';

describe('health report', () => {
  const workers = [
    {
      name: 'relay-forwarder',
      state: 'restarting' as const,
      restarts: 2,
      lastError: 'connect ECONNREFUSED 10.0.0.5:5432',
      lastErrorAt: '2026-12-06T10:00:00.000Z',
    },
    { name: 'sales-uplink', state: 'running' as const, restarts: 0, lastError: null, lastErrorAt: null },
  ];
  const db = {
    ok: false as const,
    error: 'disk full (SQLITE_FULL: /srv/store/server.sqlite)',
    since: '2026-12-06T10:00:00.000Z',
  };

  it('is ok when the database answers and no worker waits to restart, degraded naming each otherwise', () => {
    expect(healthReport({ ok: true }, [workers[1]!])).toEqual({
      status: 'ok',
      database: { ok: true },
      workers: [workers[1]],
    });
    expect(healthReport(db, workers).problems).toEqual([
      'database: disk full (SQLITE_FULL: /srv/store/server.sqlite)',
      'worker relay-forwarder is restarting after: connect ECONNREFUSED 10.0.0.5:5432',
    ]);
  });

  it('tells a caller without credentials what is wrong, not the errors’ own words', () => {
    const open = JSON.stringify(withoutDetails(healthReport(db, workers)));
    expect(JSON.parse(open)).toMatchObject({
      status: 'degraded',
      problems: ['database: unavailable', 'worker relay-forwarder is restarting'],
    });
    expect(open).not.toMatch(/10\.0\.0\.5|\/srv\/store|SQLITE_FULL/);
  });
});
