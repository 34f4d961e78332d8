import { createServer, type Server, type Socket } from 'node:net';
import { concatBytes, frameLength, parseMessage, relayRefusal, type OfdMessage } from '@openkassa/fiscal';

export interface RelayLimits {
  /** A message must arrive whole within this time once it has started (slowloris guard). */
  readonly frameTimeoutMs: number;
  /** A connection with no message in flight is closed after this. */
  readonly idleTimeoutMs: number;
  readonly maxConnections: number;
}

export const DEFAULT_LIMITS: RelayLimits = {
  frameTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  maxConnections: 20_000,
};

export type RelayHandler = (bytes: Uint8Array, message: OfdMessage) => Promise<Uint8Array | undefined>;

export interface RelayListener {
  address(): { host: string; port: number };
  connections(): number;
  close(): Promise<void>;
}

/**
 * The relay port: OFD protocol over TCP. Each frame is checked (signature, lengths, container)
 * before anything is stored; a malformed one closes that connection with a log line and
 * touches nothing else. Answers go back on the connection that carried the message.
 */
export function startRelayListener(
  host: string,
  port: number,
  handler: RelayHandler,
  log: { warn(m: string): void },
  onRefused: (reason: string) => void,
  limits: RelayLimits = DEFAULT_LIMITS,
  /** Whether messages of this ФН are taken at all (a relay that accepts only registered ФН). */
  accept?: (fn: string) => Promise<boolean>,
): Promise<RelayListener> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    if (sockets.size >= limits.maxConnections) {
      onRefused('too-many-connections');
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.setNoDelay(true);
    // asked of the kernel only for a log line
    const peer = () => `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    let buf: Uint8Array = new Uint8Array(0);
    let frameTimer: NodeJS.Timeout | undefined;
    let busy = false;
    const refuse = (reason: string, detail: string) => {
      log.warn(`relay: refused ${peer()}: ${detail}`);
      onRefused(reason);
      socket.destroy();
    };
    socket.setTimeout(limits.idleTimeoutMs, () => {
      if (!busy) socket.destroy();
    });
    socket.on('close', () => {
      clearTimeout(frameTimer);
      sockets.delete(socket);
    });
    socket.on('error', () => socket.destroy());
    const pump = () => {
      if (busy || socket.destroyed) return;
      if (buf.length === 0) return;
      const len = frameLength(buf);
      if (!len.ok) {
        refuse(len.error.code, len.error.message);
        return;
      }
      if (len.value === undefined || buf.length < len.value) {
        frameTimer ??= setTimeout(
          () => refuse('slow-frame', `message not complete within ${limits.frameTimeoutMs} ms`),
          limits.frameTimeoutMs,
        );
        return;
      }
      clearTimeout(frameTimer);
      frameTimer = undefined;
      const frame = buf.slice(0, len.value);
      buf = buf.slice(len.value);
      const m = parseMessage(frame);
      if (!m.ok) {
        refuse(m.error.code, m.error.message);
        return;
      }
      // parts that disagree, or what no real ФН sends, never take a (ФН, ФД) key
      const no = relayRefusal(m.value);
      if (no) {
        refuse(no.code, no.reason);
        return;
      }
      busy = true;
      socket.pause();
      const fn = m.value.header.fnNumber;
      // the ФН check, when asked for, before anything is stored
      const answered = accept
        ? accept(fn).then((ok) => {
            if (ok) return handler(frame, m.value);
            refuse('unknown-fn', `ФН ${fn} is not registered to a store; nothing stored`);
            return undefined;
          })
        : handler(frame, m.value);
      answered
        .then(
          (answer) => {
            if (socket.destroyed) return;
            if (answer) socket.write(answer);
            else socket.end(); // no answer in time: the sender retries and gets it from storage
          },
          (e: unknown) => {
            log.warn(`relay: ${peer()}: ${e instanceof Error ? e.message : String(e)}`);
            socket.destroy();
          },
        )
        .finally(() => {
          busy = false;
          if (!socket.destroyed) {
            socket.resume();
            pump();
          }
        });
    };
    socket.on('data', (chunk: Buffer) => {
      buf = concatBytes([buf, chunk]);
      pump();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Thousands of ККТ connect at once; the default backlog (511) would drop their SYNs.
    server.listen({ port, host, backlog: 4096 }, () => {
      server.off('error', reject);
      const a = server.address();
      const bound = { host, port: a && typeof a === 'object' ? a.port : port };
      resolve({
        address: () => bound,
        connections: () => sockets.size,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
