/**
 * bench/relay: emulated ФН offering real OFD messages, one at a time each, against a chain of
 * 0, 1 and 2 relays (separate processes) in front of the OFD emulator. Prints documents/s,
 * latency p50/p99 per chain length, the ratio to the direct run, the machine's raw durable
 * commit rate measured in the same run, and the idle memory of a store server with 50 ККТ.
 *
 *   npm run bench:relay -- [--fn 1000] [--seconds 10] [--light-rates 100,20] [--light-seconds 15]
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { emulatedReceiptMessage } from '@openkassa/emulation';
import { exchangeOnce } from '@openkassa/ofd-net';
import { parseMessage } from '@openkassa/fiscal';
import { startRole, stopAll, tempDir } from '../../test/e2e/support.js';
import { numberArg, numberListArg, quantile, runBench } from '../support.js';

const BIN = join(import.meta.dirname, '../../apps/cli/bin/openkassa.js');
/** The roles run the compiled JavaScript (`npm install` builds it) unless told to use the sources. */
const COMPILED =
  existsSync(join(import.meta.dirname, '../../apps/cli/dist/main.js')) &&
  process.env.OPENKASSA_FROM_SOURCE !== '1';

const FNS = numberArg('fn', 1000);
const SECONDS = numberArg('seconds', 10);
/** Light-load paces, documents/s to each chain: a busy store server's, and a quiet one's. */
const LIGHT_RATES = numberListArg('light-rates', [100, 20]);
if (LIGHT_RATES.length > 9) throw new Error('--light-rates takes at most nine paces');
const LIGHT_SECONDS = numberArg('light-seconds', 15);

const message = (fn: string, fd: number) => emulatedReceiptMessage(fn, fd);

/** One ФН exchange with the relay or OFD on this machine. */
const exchange = (port: number, msg: Uint8Array) => exchangeOnce({ host: '127.0.0.1', port }, msg, 30_000);

interface Run {
  chain: number;
  documents: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

/** N ФН, each sending its next document as soon as the previous one is answered. */
async function load(port: number, chain: number, fnPrefix: string): Promise<Run> {
  const latencies: number[] = [];
  let errors = 0;
  let warm = true;
  const warmUntil = Date.now() + 1000;
  const end = warmUntil + SECONDS * 1000;
  let measuredFrom = 0;
  await Promise.all(
    Array.from({ length: FNS }, async (_, i) => {
      const fn = `${fnPrefix}${String(i).padStart(16 - fnPrefix.length, '0')}`;
      for (let fd = 1; Date.now() < end; fd++) {
        const msg = message(fn, fd);
        const t0 = performance.now();
        try {
          const a = await exchange(port, msg);
          const m = parseMessage(a);
          if (!m.ok || m.value.container?.header.fnNumber !== fn || m.value.container.header.fdNumber !== fd)
            throw new Error('wrong answer');
          if (warm && Date.now() >= warmUntil) {
            warm = false;
            measuredFrom = Date.now();
          }
          if (!warm) latencies.push(performance.now() - t0);
        } catch {
          errors++;
          fd--; // offer the same document again, as a ФН does
        }
      }
    }),
  );
  const seconds = (Date.now() - measuredFrom) / 1000;
  const q = (p: number) => quantile(latencies, p);
  return {
    chain,
    documents: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50: q(0.5),
    p99: q(0.99),
    errors,
  };
}

/**
 * Latency below saturation: documents offered at a fixed rate to each chain (open loop), the
 * chains running side by side and served in turn (so a drift of the machine touches them alike),
 * each chain's documents spread over its ФН. The first `warmSeconds` are not counted.
 */
async function latencyAt(
  ports: readonly number[],
  /** Documents per second to each chain. */
  ratePerChain: number,
  seconds: number,
  /** A digit of the ФН numbers, so that each series offers new documents, never repeats. */
  series: number,
  // the pace settled
  warmSeconds = 5,
): Promise<{ p50: number; p99: number; errors: number }[]> {
  const latencies = ports.map((): number[] => []);
  const errors = ports.map(() => 0);
  const ratePerSecond = ratePerChain * ports.length;
  const total = ratePerSecond * (seconds + warmSeconds);
  const counted = ratePerSecond * warmSeconds;
  const sent: Promise<void>[] = [];
  const start = Date.now();
  for (let k = 0; k < total; k++) {
    const at = start + (k * 1000) / ratePerSecond;
    const wait = at - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const chain = k % ports.length;
    const j = Math.floor(k / ports.length);
    const fn = `97${chain}${series}${String(j % FNS).padStart(12, '0')}`;
    const fd = Math.floor(j / FNS) + 1;
    sent.push(
      (async () => {
        const t0 = performance.now();
        try {
          await exchange(ports[chain]!, message(fn, fd));
          if (k >= counted) latencies[chain]!.push(performance.now() - t0);
        } catch {
          errors[chain]!++;
        }
      })(),
    );
  }
  await Promise.all(sent);
  return latencies.map((l, i) => ({ p50: quantile(l, 0.5), p99: quantile(l, 0.99), errors: errors[i]! }));
}

/**
 * Runs 5,000 documents through a freshly started chain (50 ФН at once, each waiting for its
 * answer), so its processes' code is compiled and warm as in a server that has been running
 * (a new process interprets its code for its first few thousand documents).
 */
async function warmUp(port: number): Promise<void> {
  await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      const fn = `9799${String(i).padStart(12, '0')}`;
      for (let fd = 1, tries = 0; fd <= 100;) {
        try {
          await exchange(port, message(fn, fd));
          fd++;
          tries = 0;
        } catch (e) {
          // a document not answered in time is offered again, as a ФН does; a chain that never
          // answers stops the bench instead of hanging it
          if (++tries >= 20)
            throw new Error(`warm-up: ФН ${fn} ФД ${fd} not answered in ${tries} tries`, { cause: e });
        }
      }
    }),
  );
}

/**
 * The machine's floor for what a hop adds at that pace: one more TCP connection and exchange
 * between two processes, and one durable write (4 KiB + fdatasync), each measured alone with the
 * same gap between operations as the light load leaves each process.
 */
async function rawHopFloor(gapMs: number): Promise<{ exchange: number; fsync: number }> {
  const echo = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('node:net').createServer((c) => { c.setNoDelay(true); c.on('data', (d) => c.write(d)); c.on('error', () => {}); });
       s.listen(0, '127.0.0.1', () => console.log(s.address().port));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((r) =>
    echo.stdout.once('data', (d: Buffer) => r(Number(String(d)))),
  );
  const pause = () => new Promise((r) => setTimeout(r, gapMs));
  // each measurement within about six seconds
  const samples = Math.min(300, Math.ceil(6000 / gapMs));
  const ex: number[] = [];
  const payload = message('9999000000000001', 1);
  for (let i = 0; i < samples; i++) {
    await pause();
    const t0 = performance.now();
    await new Promise<void>((done) => {
      const c = connect({ host: '127.0.0.1', port });
      c.setNoDelay(true);
      let got = 0;
      c.on('connect', () => c.write(payload));
      c.on('data', (d) => {
        got += d.length;
        if (got >= payload.length) {
          c.destroy();
          done();
        }
      });
    });
    ex.push(performance.now() - t0);
  }
  echo.kill();
  const fd = openSync(join(tempDir('bench-fsync'), 'f.bin'), 'a');
  const page = new Uint8Array(4096);
  const fs: number[] = [];
  for (let i = 0; i < samples; i++) {
    await pause();
    const t0 = performance.now();
    writeSync(fd, page);
    fdatasyncSync(fd);
    fs.push(performance.now() - t0);
  }
  closeSync(fd);
  return { exchange: quantile(ex, 0.5), fsync: quantile(fs, 0.5) };
}

/** The machine's limit for what every hop must do per document: a durable (FULL sync) commit. */
function rawCommitRate(): number {
  const db = new BetterSqlite3(join(tempDir('bench-raw'), 'raw.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('create table t (fn text, fd integer, message blob, primary key (fn, fd))');
  const ins = db.prepare('insert into t values (?, ?, ?)');
  const msg = message('9999000000000000', 1);
  const until = Date.now() + 2000;
  let n = 0;
  while (Date.now() < until) {
    db.transaction(() => ins.run('9999000000000000', n, msg))();
    n++;
  }
  db.close();
  return n / 2;
}

async function startOfd() {
  const { match } = await startRole(
    ['ofd-emulator', '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--data', tempDir('bench-ofd')],
    /tcp:\/\/127\.0\.0\.1:(\d+)/,
  );
  return Number(match[1]);
}

async function startRelay(upstream: string[]) {
  const { role, match } = await startRole(
    [
      'server',
      '--data',
      tempDir('bench-relay'),
      '--relay',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
      ...upstream,
    ],
    /relay on tcp:\/\/127\.0\.0\.1:(\d+)/,
  );
  return { port: Number(match[1]), pid: role.proc.pid! };
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * The part of the resident memory that is the process's own (private pages): the resident figure
 * less the node binary's and libraries' code pages, which every node process shares.
 */
function privateMb(pid: number): number {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return (kb('Private_Clean') + kb('Private_Dirty')) / 1024;
}

async function main() {
  console.log(
    `bench/relay: ${FNS} emulated ФН, ${SECONDS} s per chain, node ${process.version}, ${(await import('node:os')).cpus().length} cores`,
  );
  const raw = rawCommitRate();
  console.log(
    `raw limit: ${raw.toFixed(0)} durable SQLite commits/s (one row, synchronous=FULL, WAL) on this machine`,
  );
  const chainTo = async (relays: number) => {
    let port = await startOfd();
    for (let h = 0; h < relays; h++)
      port = (
        await startRelay(h === 0 ? ['--ofd', `127.0.0.1:${port}`] : ['--upstream-relay', `127.0.0.1:${port}`])
      ).port;
    return port;
  };
  const lightPorts = [await chainTo(0), await chainTo(1), await chainTo(2)];
  for (const port of lightPorts) await warmUp(port);
  const measured = [];
  for (const rate of LIGHT_RATES)
    measured.push({ rate, runs: await latencyAt(lightPorts, rate, LIGHT_SECONDS, measured.length) });
  await stopAll();
  const light = [];
  for (const m of measured) light.push({ ...m, floor: await rawHopFloor(1000 / m.rate) });
  const runs: Run[] = [];
  for (const chain of [0, 1, 2]) {
    const port = await chainTo(chain);
    const r = await load(port, chain, `99${chain}9`);
    runs.push(r);
    console.log(`chain ${chain}: ${r.documents} documents in ${r.seconds.toFixed(1)} s`);
    await stopAll();
  }
  const direct = runs[0]!;
  console.log('\nrelays | documents/s | p50 ms | p99 ms | vs direct | +p50 ms/hop | errors');
  for (const r of runs) {
    const ratio = r.perSecond / direct.perSecond;
    const addedP50 = r.chain === 0 ? 0 : (r.p50 - direct.p50) / r.chain;
    console.log(
      `${String(r.chain).padStart(6)} | ${r.perSecond.toFixed(0).padStart(11)} | ${r.p50.toFixed(2).padStart(6)} | ${r.p99.toFixed(2).padStart(6)} | ${(ratio * 100).toFixed(0).padStart(8)}% | ${addedP50.toFixed(2).padStart(11)} | ${r.errors}`,
    );
  }
  for (const { rate, runs: lightRuns, floor } of light) {
    console.log(
      `\nat a light load (${rate} documents/s to each chain, the three side by side and offered documents in turn, ${FNS} ФН each, ${LIGHT_SECONDS} s, after 5,000 documents through each chain):`,
    );
    console.log('relays | p50 ms | p99 ms | +p50 ms/hop | errors');
    for (const [i, l] of lightRuns.entries()) {
      const added = i === 0 ? 0 : (l.p50 - lightRuns[0]!.p50) / i;
      console.log(
        `${String(i).padStart(6)} | ${l.p50.toFixed(2).padStart(6)} | ${l.p99.toFixed(2).padStart(6)} | ${added.toFixed(2).padStart(11)} | ${l.errors}`,
      );
    }
    console.log(
      `machine floor per hop at that pace (each process idle ${(1000 / rate).toFixed(0)} ms between documents): one more TCP connection and exchange ${floor.exchange.toFixed(2)} ms + one durable 4 KiB write ${floor.fsync.toFixed(2)} ms = ${(floor.exchange + floor.fsync).toFixed(2)} ms (target ≤ 2 ms added per hop)`,
    );
  }
  const perHop = runs.slice(1).map((r) => Math.pow(r.perSecond / direct.perSecond, 1 / r.chain));
  console.log(
    `\nper-hop throughput kept: ${perHop.map((x) => `${(x * 100).toFixed(0)}%`).join(', ')} (target ≥ 50%); raw commit limit ${raw.toFixed(0)}/s`,
  );

  // A store server with 50 ККТ: after they have sent their documents, how much memory at rest?
  const ofd = await startOfd();
  const store = await startRelay(['--ofd', `127.0.0.1:${ofd}`]);
  await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      const fn = `9950${String(i).padStart(12, '0')}`;
      for (let fd = 1; fd <= 40; fd++) await exchange(store.port, message(fn, fd));
    }),
  );
  await new Promise((r) => setTimeout(r, 5000));
  console.log(
    `store server with 50 ККТ, idle after 2000 documents: ${rssMb(store.pid).toFixed(0)} MB resident (${privateMb(store.pid).toFixed(0)} MB of it private, the rest the code pages node processes share), ${COMPILED ? 'compiled JavaScript' : 'from the TypeScript sources'} (target < 120 MB)`,
  );
  await stopAll();

  // How long the command takes to answer --help: the start-up every role pays.
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [BIN, '--help'], { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`openkassa --help exited with ${r.status}`);
    times.push(performance.now() - t0);
  }
  const bare: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    bare.push(performance.now() - t0);
  }
  console.log(
    `openkassa --help: median ${(quantile(times, 0.5) / 1000).toFixed(2)} s (${COMPILED ? 'compiled' : 'sources'}); a bare node process ${(quantile(bare, 0.5) / 1000).toFixed(2)} s (target < 0.5 s)`,
  );
}

runBench(main);
