import { createServer, type Server, type Socket } from 'node:net';
import { concatBytes, frameLength, OfdAnswerCode } from '@openkassa/fiscal';
import { acceptMessage, type AcceptorDeps } from './acceptor.js';
import type { FaultState } from './faults.js';

export interface OfdTcpServer {
  /** Address actually bound (port 0 resolves to a free port). */
  address(): { host: string; port: number };
  setFaults(f: FaultState): Promise<void>;
  faults(): FaultState;
  close(): Promise<void>;
}

const IDLE_TIMEOUT_MS = 120_000;

/** The OFD-protocol listener. Several connections at once; several messages per connection. */
export async function startOfdTcpServer(
  deps: AcceptorDeps,
  host: string,
  port: number,
  initial: FaultState,
): Promise<OfdTcpServer> {
  let faults = initial;
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let bound = { host, port };
  const timers = new Set<NodeJS.Timeout>();

  function handle(socket: Socket): void {
    sockets.add(socket);
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buf: Uint8Array = new Uint8Array(0);
    let busy = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      buf = concatBytes([buf, chunk]);
      for (;;) {
        const len = frameLength(buf);
        if (!len.ok) {
          deps.log.warn(`closing connection from ${socket.remoteAddress ?? '?'}: ${len.error.message}`);
          socket.destroy();
          return;
        }
        if (len.value === undefined || buf.length < len.value) return;
        const frame = buf.slice(0, len.value);
        buf = buf.slice(len.value);
        // Messages on one connection are answered in order.
        busy = busy
          .then(() => process(socket, frame))
          .catch((e: unknown) => {
            deps.log.warn(`message handling failed: ${e instanceof Error ? e.message : String(e)}`);
            socket.destroy();
          });
      }
    });
  }

  async function process(socket: Socket, frame: Uint8Array): Promise<void> {
    const f = faults;
    if (f.mode === 'drop') {
      socket.destroy();
      return;
    }
    const out = await acceptMessage(
      deps,
      frame,
      f.mode === 'reject' ? { forceCode: OfdAnswerCode.flkFailed } : {},
    );
    if (out.kind === 'no-answer') {
      deps.log.warn(`no answer: ${out.reason}`);
      socket.destroy();
      return;
    }
    if (f.mode === 'silent') return;
    if (f.mode === 'slow') {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, f.delayMs);
        timers.add(t);
      });
    }
    if (!socket.destroyed) socket.write(out.answer);
  }

  function listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = createServer(handle);
      s.once('error', reject);
      s.listen({ port: bound.port, host: bound.host, backlog: 4096 }, () => {
        s.off('error', reject);
        const a = s.address();
        if (a && typeof a === 'object') bound = { host: bound.host, port: a.port };
        server = s;
        resolve();
      });
    });
  }

  function stopListening(): Promise<void> {
    const s = server;
    server = undefined;
    for (const sock of sockets) sock.destroy();
    return new Promise((resolve) => (s ? s.close(() => resolve()) : resolve()));
  }

  if (faults.mode !== 'down') await listen();
  else await listen().then(stopListening); // bind once so the port is known and reserved for later

  return {
    address: () => bound,
    faults: () => faults,
    async setFaults(next) {
      const wasDown = faults.mode === 'down';
      faults = next;
      if (next.mode === 'down' && !wasDown) await stopListening();
      if (next.mode !== 'down' && wasDown) await listen();
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      await stopListening();
    },
  };
}
