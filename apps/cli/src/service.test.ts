import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';
import type { Io } from './io.js';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (t) => (out += t),
    outBytes: () => undefined,
    err: (t) => (err += t),
    readStdin: () => new Uint8Array(),
    setExitCode: () => undefined,
    env: {},
    cwd: '/srv/shop',
  };
  const code = await main(['node', 'openkassa', ...args], io);
  return { code, out, err };
}

describe('openkassa service', () => {
  it('writes a systemd unit that runs the role with its flags and enables it; uninstall removes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ok-units-'));
    const r = await run([
      'service',
      'install',
      'server',
      '--name',
      'hq',
      '--user',
      'openkassa',
      '--unit-dir',
      dir,
      '--',
      '--data',
      '/var/lib/open kassa',
      '--ofd',
      'ofd.example:7777',
      '--admin-password',
      'p$w%d"x',
    ]);
    expect(r.err).toBe('');
    const file = join(dir, 'openkassa-server-hq.service');
    expect(r.out).toContain(`wrote ${file} and enabled it`);
    const unit = readFileSync(file, 'utf8');
    expect(unit).toContain(
      `ExecStart=${process.execPath} ${join(import.meta.dirname, '../bin/openkassa.js')} server --data "/var/lib/open kassa" --ofd ofd.example:7777 --admin-password "p$$w%%d\\"x"`,
    );
    expect(unit).toMatch(/^WorkingDirectory=\/srv\/shop$/m);
    expect(unit).toMatch(/^User=openkassa$/m);
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^WantedBy=multi-user.target$/m);
    expect(readlinkSync(join(dir, 'multi-user.target.wants', 'openkassa-server-hq.service'))).toBe(file);
    // systemd's own check of the file, where systemd's tools are installed
    const verify = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    if (verify.error === undefined)
      expect(verify.stderr.replace(/.*Failed to .*(user|User).*\n?/g, '')).toBe('');

    const u = await run(['service', 'uninstall', 'server', '--name', 'hq', '--unit-dir', dir]);
    expect(u.out).toContain(`removed ${file}`);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(dir, 'multi-user.target.wants', 'openkassa-server-hq.service'))).toBe(false);
  });

  it('refuses a role that is not a service', async () => {
    const r = await run([
      'service',
      'install',
      'fiscal',
      '--unit-dir',
      mkdtempSync(join(tmpdir(), 'ok-units-')),
    ]);
    expect(r.err).toMatch(
      /value 'fiscal' is invalid.* expected one of server, till, kkt-emulator, ofd-emulator/,
    );
    expect(r.code).toBe(1);
  });
});
