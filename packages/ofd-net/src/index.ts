import { connect } from 'node:net';
import { concatBytes, frameLength } from '@openkassa/fiscal';

export class ExchangeError extends Error {
  constructor(
    message: string,
    /** The message reached the upstream (it may have processed it). */
    readonly sent: boolean,
  ) {
    super(message);
    this.name = 'ExchangeError';
  }
}

/**
 * One OFD-protocol exchange, as ККТ and relays make them: connect, send one message, read one
 * answer frame, close. Rejects with an ExchangeError saying whether the message got out.
 */
export function exchangeOnce(
  upstream: { host: string; port: number },
  message: Uint8Array,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: upstream.host, port: upstream.port });
    let buf: Uint8Array = new Uint8Array(0);
    let sent = false;
    let settled = false;
    const finish = (err: Error | undefined, frame?: Uint8Array) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // The stop signal lives as long as its sender: take this exchange's listener off it.
      signal?.removeEventListener('abort', onAbort);
      s.destroy();
      if (err) reject(err);
      else resolve(frame!);
    };
    const onAbort = () => finish(new ExchangeError('stopped', sent));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => finish(new ExchangeError(`no answer within ${timeoutMs} ms`, sent)),
      timeoutMs,
    );
    s.on('connect', () => {
      s.write(message, () => (sent = true));
    });
    s.on('data', (chunk: Buffer) => {
      buf = concatBytes([buf, chunk]);
      const len = frameLength(buf);
      if (!len.ok) finish(new ExchangeError(`upstream answered something else: ${len.error.message}`, true));
      else if (len.value !== undefined && buf.length >= len.value) finish(undefined, buf.slice(0, len.value));
    });
    s.on('error', (e) => finish(new ExchangeError(e.message, sent)));
    s.on('close', () => finish(new ExchangeError('upstream closed the connection without an answer', sent)));
  });
}
