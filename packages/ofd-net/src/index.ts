import { connect, type Socket } from 'node:net';
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
 * A connection opened for a message that is not ready to go yet (a relay opens it while it
 * stores the message, so the handshake overlaps the commit). Still one message per connection.
 */
export class EarlyConnection {
  readonly #socket: Socket;
  readonly #opened = Date.now();
  #usable = true;
  #done: (() => void) | undefined;

  constructor(
    upstream: { host: string; port: number },
    /** Called once, when the connection is taken for an exchange or closed unused. */
    done?: () => void,
  ) {
    this.#done = done;
    this.#socket = connect({ host: upstream.host, port: upstream.port });
    this.#socket.setNoDelay(true);
    const spoil = () => {
      this.#usable = false;
    };
    this.#socket.on('error', spoil);
    this.#socket.on('close', spoil);
    this.#socket.on('end', spoil);
  }

  /** The socket, if it is still fit to carry a message (open, untouched, under `maxAgeMs` old). */
  take(maxAgeMs: number): Socket | undefined {
    if (!this.#usable || Date.now() - this.#opened > maxAgeMs) {
      this.close();
      return undefined;
    }
    this.#usable = false;
    this.#socket.removeAllListeners();
    this.#settle();
    return this.#socket;
  }

  close(): void {
    this.#usable = false;
    this.#socket.destroy();
    this.#settle();
  }

  #settle(): void {
    const done = this.#done;
    this.#done = undefined;
    done?.();
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
  early?: EarlyConnection,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const opened = early?.take(1000);
    const s = opened ?? connect({ host: upstream.host, port: upstream.port });
    let buf: Uint8Array = new Uint8Array(0);
    let sent = false;
    let settled = false;
    const finish = (err: Error | undefined, frame?: Uint8Array) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // The stop signal lives as long as its sender: take this exchange's listener off it.
      signal?.removeEventListener('abort', onAbort);
      if (err) {
        s.destroy();
        reject(err);
      } else {
        resolve(frame!);
        // closed once the answer has been passed on: a close wakes the upstream, which would
        // otherwise run before the caller does
        setImmediate(() => s.destroy());
      }
    };
    const onAbort = () => finish(new ExchangeError('stopped', sent));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => finish(new ExchangeError(`no answer within ${timeoutMs} ms`, sent)),
      timeoutMs,
    );
    const send = () => s.write(message, () => (sent = true));
    if (opened && !opened.connecting) send();
    else s.once('connect', send);
    s.on('data', (chunk: Buffer) => {
      buf = concatBytes([buf, chunk]);
      const len = frameLength(buf);
      if (!len.ok) finish(new ExchangeError(`upstream answered something else: ${len.error.message}`, true));
      else if (len.value !== undefined && buf.length >= len.value) finish(undefined, buf.slice(0, len.value));
    });
    // (after the answer, the close is this side's own: no error is made for it)
    s.on('error', (e) => settled || finish(new ExchangeError(e.message, sent)));
    s.on(
      'close',
      () => settled || finish(new ExchangeError('upstream closed the connection without an answer', sent)),
    );
  });
}
