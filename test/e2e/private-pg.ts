/**
 * A PostgreSQL server of a test's own, so the test may stop and restart it without disturbing the
 * shared one the other tests use: a new cluster (initdb) in a temporary folder, on a free port,
 * run by the `postgres` user with PostgreSQL 15's own tools. Linux only (tests may be).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './support.js';

function pgBin(tool: string): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const p = join(root, v, 'bin', tool);
    if (existsSync(p)) return p;
  }
  throw new Error(`PostgreSQL's ${tool} is not installed under ${root}`);
}

export interface PrivatePg {
  readonly url: string;
  readonly port: number;
  stop(mode?: 'fast' | 'immediate'): void;
  start(): void;
  restart(mode?: 'fast' | 'immediate'): void;
  /** Stops it for good and removes its folder. */
  destroy(): void;
}

export async function startPrivatePg(): Promise<PrivatePg> {
  const dir = mkdtempSync(join(tmpdir(), 'ok-e2e-pg-'));
  const data = join(dir, 'data');
  // initdb refuses to run as root: the cluster belongs to the postgres user
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  chownSync(dir, uid, gid);
  const asPostgres = (tool: string, args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', pgBin(tool), ...args], { stdio: 'pipe' });
  asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=60`;
  const ctl = (args: string[]) => asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', ...args]);
  const start = () => ctl(['-o', options, 'start']);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: (mode = 'fast') => ctl(['-m', mode, 'stop']),
    start,
    restart: (mode = 'fast') => ctl(['-m', mode, '-o', options, 'restart']),
    destroy() {
      try {
        ctl(['-m', 'immediate', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
