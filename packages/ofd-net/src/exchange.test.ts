import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '@openkassa/fiscal';
import { EarlyConnection, exchangeOnce } from './index.js';

const msg = fromHex(
  readFileSync(
    join(import.meta.dirname, '../../../../shared/vectors/ofd/synthetic_kkt-to-ofd_msg_receipt_doc3.hex'),
    'utf8',
  ),
)!;

/** An upstream that answers each message with its own bytes, and closes the connections `drop` picks. */
function upstream(drop: (n: number) => boolean): Promise<{ server: Server; port: number; seen: number[] }> {
  const seen: number[] = [];
  let n = 0;
  const server = createServer((s: Socket) => {
    const i = n++;
    if (drop(i)) {
      s.destroy();
      return;
    }
    s.on('data', (d) => {
      seen.push(i);
      s.write(d);
    });
    s.on('error', () => undefined);
  });
  return new Promise((r) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      r({ server, port: typeof a === 'object' && a ? a.port : 0, seen });
    }),
  );
}

describe('an exchange over a connection opened early', () => {
  let up: { server: Server; port: number; seen: number[] } | undefined;
  afterEach(() => up?.server.close());

  it('sends the message on the connection opened while it was not ready', async () => {
    up = await upstream(() => false);
    const early = new EarlyConnection({ host: '127.0.0.1', port: up.port });
    await new Promise((r) => setTimeout(r, 50));
    const answer = await exchangeOnce({ host: '127.0.0.1', port: up.port }, msg, 2000, undefined, early);
    expect(toHex(answer)).toBe(toHex(msg));
    expect(up.seen).toEqual([0]); // one connection, the early one
  });

  it('falls back to a new connection when the upstream closed the early one, or it is too old', async () => {
    up = await upstream((i) => i === 0);
    const closed = new EarlyConnection({ host: '127.0.0.1', port: up.port });
    await new Promise((r) => setTimeout(r, 50));
    const a = await exchangeOnce({ host: '127.0.0.1', port: up.port }, msg, 2000, undefined, closed);
    expect(toHex(a)).toBe(toHex(msg));
    expect(up.seen).toEqual([1]);
    const old = new EarlyConnection({ host: '127.0.0.1', port: up.port });
    await new Promise((r) => setTimeout(r, 1100)); // past the 1 s an early connection is kept for
    await exchangeOnce({ host: '127.0.0.1', port: up.port }, msg, 2000, undefined, old);
    expect(up.seen).toEqual([1, 3]); // connection 2 (the stale one) carried nothing
  });

  it('tells its owner once that it is no longer held: taken, closed, or found spoiled', async () => {
    up = await upstream((i) => i === 2);
    const to = { host: '127.0.0.1', port: up.port };
    const calls = [0, 0, 0];
    const taken = new EarlyConnection(to, () => calls[0]!++);
    const unused = new EarlyConnection(to, () => calls[1]!++);
    const spoiled = new EarlyConnection(to, () => calls[2]!++);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toEqual([0, 0, 0]);
    await exchangeOnce(to, msg, 2000, undefined, taken);
    unused.close();
    unused.close();
    await exchangeOnce(to, msg, 2000, undefined, spoiled);
    spoiled.close();
    expect(calls).toEqual([1, 1, 1]);
    expect(up.seen).toEqual([0, 3]); // the spoiled one's message went on a new connection
  });
});
