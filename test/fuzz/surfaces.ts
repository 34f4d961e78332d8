/**
 * The surfaces a fuzz run drives, each checking every input's outcome, not just survival:
 * - `decoder`: the fiscal decoder (`parseMessage`, `openkassa fiscal decode`'s `inspect`, the relay's
 *   rule) never throws, and answers each input with a value or a typed refusal;
 * - `relay`: a cash server's relay port, with an OFD emulator upstream: what the relay's rule
 *   refuses is never stored, what it accepts is stored under its own (ФН, ФД), the server answers
 *   its health check and a valid message all along, and its memory stays flat.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { emulatedReceiptMessage } from '@openkassa/emulation';
import { frameLength, fromHex, inspect, parseMessage, relayRefusal } from '@openkassa/fiscal';
import { exchangeOnce } from '@openkassa/ofd-net';
import { startOfdEmulator } from '@openkassa/ofd-emulator';
import { openDatabase } from '@openkassa/db';
import { serverDbOptions, startServer, type ServerSchema } from '@openkassa/server';
import { mutate, prng } from './mutate.js';

export const SURFACES = ['decoder', 'relay', 'http', 'till'] as const;
export type Surface = (typeof SURFACES)[number];

export interface FuzzReport {
  readonly surface: Surface;
  readonly inputs: number;
  readonly seconds: number;
  /** How many inputs ended how: 'relayed', 'refused:bad-crc', … */
  readonly outcomes: Record<string, number>;
  /** Inputs whose outcome broke a rule, with why; saved to the corpus by the runner. */
  readonly failures: { readonly bytes: Uint8Array; readonly why: string }[];
  /** How much this process's heap grew over the run (relay: the server runs in it). */
  readonly heapGrowthMb?: number;
}

const VECTORS = join(import.meta.dirname, '../../../shared/vectors/ofd');

/** Seeds: the recorded ККТ→OFD messages, and messages the emulators make. */
export function seeds(): Uint8Array[] {
  const recorded = readdirSync(VECTORS)
    .filter((f) => f.endsWith('.hex') && f.includes('kkt-to-ofd'))
    .map((f) => fromHex(readFileSync(join(VECTORS, f), 'utf8'))!);
  const emulated = [1, 2, 3].map((fd) => emulatedReceiptMessage('9999078900661000', fd));
  return [...recorded, ...emulated];
}

/**
 * What the relay's rule says of bytes sent on one connection: the relay frames them first (a
 * message's length comes from its session header) and judges the first whole message; what follows
 * it is the next message on that connection.
 */
function verdict(bytes: Uint8Array): { key: string } | { refused: string } {
  const len = frameLength(bytes);
  if (!len.ok) return { refused: len.error.code };
  if (len.value === undefined || bytes.length < len.value) return { refused: 'incomplete' };
  const m = parseMessage(bytes.subarray(0, len.value));
  if (!m.ok) return { refused: m.error.code };
  const no = relayRefusal(m.value);
  if (no) return { refused: no.code };
  return { key: `${m.value.header.fnNumber}/${m.value.container!.header.fdNumber}` };
}

const count = (o: Record<string, number>, k: string) => (o[k] = (o[k] ?? 0) + 1);

export function* inputs(n: number, seed: number): Generator<Uint8Array> {
  const rand = prng(seed);
  const base = seeds();
  for (let i = 0; i < n; i++) yield mutate(base[Math.floor(rand() * base.length)]!, rand).bytes;
}

export function fuzzDecoder(list: Iterable<Uint8Array>): FuzzReport {
  const t0 = performance.now();
  const outcomes: Record<string, number> = {};
  const failures: FuzzReport['failures'] = [];
  let n = 0;
  for (const bytes of list) {
    n++;
    try {
      const v = verdict(bytes);
      count(outcomes, 'key' in v ? 'relayable' : `refused:${v.refused}`);
      const r = inspect(bytes);
      if (!r.ok && !r.error.message) failures.push({ bytes, why: 'a refusal without a message' });
    } catch (e) {
      failures.push({ bytes, why: `threw: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  return { surface: 'decoder', inputs: n, seconds: (performance.now() - t0) / 1000, outcomes, failures };
}

/** Sends bytes to a relay port; how the connection ended. */
function send(port: number, bytes: Uint8Array): Promise<'answer' | 'closed' | 'timeout'> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.write(bytes));
    let got = false;
    const t = setTimeout(() => {
      s.destroy();
      resolve('timeout');
    }, 3000);
    s.on('data', () => {
      got = true;
      s.end();
    });
    const done = () => {
      clearTimeout(t);
      resolve(got ? 'answer' : 'closed');
    };
    s.on('error', done);
    s.on('close', done);
  });
}

export async function fuzzRelay(list: Iterable<Uint8Array>, concurrency = 16): Promise<FuzzReport> {
  const quiet = { info: () => undefined, warn: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'ok-fuzz-'));
  const ofd = await startOfdEmulator(
    {
      listen: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      dataDir: join(dir, 'ofd'),
    },
    quiet,
  );
  const server = await startServer(
    {
      dataDir: join(dir, 'server'),
      http: { host: '127.0.0.1', port: 0 },
      relay: { host: '127.0.0.1', port: 0 },
      upstream: ofd.tcp,
      answerWaitMs: 1000,
      limits: { frameTimeoutMs: 200, idleTimeoutMs: 2000, maxConnections: 1000 },
    },
    quiet,
  );
  const t0 = performance.now();
  const outcomes: Record<string, number> = {};
  const failures: FuzzReport['failures'] = [];
  const expected = new Set<string>();
  let n = 0;
  let fd = 1;
  const probe = async (what: string) => {
    // valid traffic alongside: a fresh document is answered, the health check is ok
    const a = await exchangeOnce(server.relay, emulatedReceiptMessage('9999078900669999', fd++), 5000).catch(
      (e: unknown) => e,
    );
    if (!(a instanceof Uint8Array))
      failures.push({ bytes: new Uint8Array(), why: `${what}: a valid message got no answer` });
    const h = await fetch(`${server.httpUrl}/healthz`);
    if (h.status !== 200) failures.push({ bytes: new Uint8Array(), why: `${what}: /healthz ${h.status}` });
  };
  global.gc?.();
  await probe('at the start');
  const heapBefore = process.memoryUsage().heapUsed;
  const it = list[Symbol.iterator]();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let next = it.next(); !next.done; next = it.next()) {
        const bytes = next.value;
        n++;
        const v = verdict(bytes);
        if ('key' in v) expected.add(v.key);
        const how = await send(server.relay.port, bytes);
        count(outcomes, `${'key' in v ? 'relayable' : `refused:${v.refused}`}→${how}`);
        if (!('key' in v) && how === 'answer')
          failures.push({ bytes, why: `refused (${v.refused}) but answered` });
        if (n % 2000 === 0) await probe(`after ${n} inputs`);
      }
    }),
  );
  await probe('at the end');
  global.gc?.();
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
  // nothing stored but what the rule accepts, each under its own key
  const db = openDatabase<ServerSchema>(
    { kind: 'sqlite', file: join(dir, 'server', 'server.sqlite') },
    serverDbOptions,
  );
  const stored = await db.db.selectFrom('fiscal_messages').select(['fn', 'fd', 'message']).execute();
  await db.close();
  for (const r of stored) {
    const key = `${r.fn}/${r.fd}`;
    if (r.fn === '9999078900669999') continue; // the probes
    const own = verdict(r.message);
    if (!expected.has(key) || !('key' in own) || own.key !== key)
      failures.push({
        bytes: r.message,
        why: `stored ${key}: bytes the rule refuses, or keyed by another document`,
      });
  }
  // memory flat: what a long run leaves behind in the heap is bounded, whatever the count
  if (n >= 10_000 && heapGrowth > 64 * 1048576)
    failures.push({
      bytes: new Uint8Array(),
      why: `the heap grew by ${Math.round(heapGrowth / 1048576)} MB`,
    });
  await server.close();
  await ofd.close();
  return {
    surface: 'relay',
    inputs: n,
    seconds: (performance.now() - t0) / 1000,
    outcomes,
    failures,
    heapGrowthMb: Math.round(heapGrowth / 1048576),
  };
}

/** A stable name for a failing input in the corpus. */
export const corpusName = (surface: Surface, bytes: Uint8Array) =>
  `${surface}-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.hex`;
