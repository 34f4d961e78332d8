import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Io } from '../io.js';

/** The `openkassa` command's own file, which the unit runs. */
const CLI_BIN = fileURLToPath(new URL('../../bin/openkassa.js', import.meta.url));

/** The roles that run until stopped, and so can be services. */
export const SERVICE_ROLES = ['server', 'till', 'kkt-emulator', 'ofd-emulator'] as const;

const DESCRIPTIONS: Record<(typeof SERVICE_ROLES)[number], string> = {
  server: 'OpenKassa cash server',
  till: 'OpenKassa till',
  'kkt-emulator': 'OpenKassa ККТ emulator',
  'ofd-emulator': 'OpenKassa OFD emulator',
};

/**
 * One word of a systemd ExecStart line: quoted when it needs it; `%` and `$` doubled so systemd
 * takes them literally (systemd.syntax(7), systemd.service(5) "Command lines").
 */
export function systemdWord(arg: string): string {
  const literal = arg.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /^[\w@%+=:,./-]+$/.test(literal)
    ? literal
    : `"${literal.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The unit file of a role: started at boot, restarted when it ends, stopped with SIGTERM. */
export function systemdUnit(o: {
  role: (typeof SERVICE_ROLES)[number];
  node: string;
  bin: string;
  args: readonly string[];
  workingDirectory: string;
  user?: string;
}): string {
  const exec = [o.node, o.bin, o.role, ...o.args].map(systemdWord).join(' ');
  return [
    '# Written by `openkassa service install`; `openkassa service uninstall` removes it.',
    '[Unit]',
    `Description=${DESCRIPTIONS[o.role]}`,
    'After=network-online.target postgresql.service',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    `WorkingDirectory=${systemdWord(o.workingDirectory)}`,
    ...(o.user ? [`User=${o.user}`] : []),
    // a role that ends is started again; its own supervisor restarts its background loops
    'Restart=always',
    'RestartSec=5',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30',
    'LimitNOFILE=65536',
    'Environment=NODE_ENV=production',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

const unitName = (role: string, name?: string) => `openkassa-${role}${name ? `-${name}` : ''}.service`;

/** `openkassa service install|uninstall <role>`: a systemd unit on Linux. */
export function serviceCommand(io: Io): Command {
  const install = new Command('install')
    .description(
      'Write and enable a systemd unit that runs `openkassa <role> [flags]` at boot and restarts it (Linux; on Windows see the README)',
    )
    .argument('<role>', `the role: ${SERVICE_ROLES.join(', ')}`, (v) => {
      if (!(SERVICE_ROLES as readonly string[]).includes(v))
        throw new InvalidArgumentError(`expected one of ${SERVICE_ROLES.join(', ')}`);
      return v as (typeof SERVICE_ROLES)[number];
    })
    .argument(
      '[flags...]',
      "the role's own flags, after --: openkassa service install server -- --data /var/lib/openkassa …",
    )
    .addOption(
      new Option('--name <name>', 'a second unit of one role: openkassa-<role>-<name>').argParser((v) => {
        if (!/^[\w-]{1,32}$/.test(v)) throw new InvalidArgumentError('letters, digits, "_" or "-"');
        return v;
      }),
    )
    .addOption(new Option('--user <user>', 'the system user the service runs as'))
    .addOption(new Option('--unit-dir <dir>', 'where unit files go').default('/etc/systemd/system'))
    .action(
      (
        role: (typeof SERVICE_ROLES)[number],
        flags: string[],
        o: { name?: string; user?: string; unitDir: string },
      ) => {
        if (process.platform === 'win32') {
          io.err(
            'openkassa service: on Windows a service is registered with a service wrapper; see "Running as a service" in the README\n',
          );
          io.setExitCode(2);
          return;
        }
        const dir = resolve(io.cwd, o.unitDir);
        const unit = unitName(role, o.name);
        const file = join(dir, unit);
        const text = systemdUnit({
          role,
          node: process.execPath,
          bin: CLI_BIN,
          args: flags,
          workingDirectory: io.cwd,
          ...(o.user !== undefined && { user: o.user }),
        });
        try {
          mkdirSync(dir, { recursive: true });
          writeFileSync(file, text);
          // what `systemctl enable` does for WantedBy=multi-user.target
          const wants = join(dir, 'multi-user.target.wants');
          mkdirSync(wants, { recursive: true });
          rmSync(join(wants, unit), { force: true });
          symlinkSync(file, join(wants, unit));
        } catch (e) {
          io.err(
            `openkassa service: cannot write ${file}: ${(e as Error).message} (run as root, or give --unit-dir)\n`,
          );
          io.setExitCode(1);
          return;
        }
        io.out(
          `wrote ${file} and enabled it at boot; start it now with: systemctl daemon-reload && systemctl start ${unit}\n` +
            `its log: journalctl -u ${unit} (or the role's --log-file)\n`,
        );
      },
    );
  const uninstall = new Command('uninstall')
    .description(
      'Remove the systemd unit `service install` wrote (stop it first: systemctl stop openkassa-<role>)',
    )
    .argument('<role>', `the role: ${SERVICE_ROLES.join(', ')}`)
    .addOption(new Option('--name <name>', 'the unit’s name, as given to install'))
    .addOption(new Option('--unit-dir <dir>', 'where unit files go').default('/etc/systemd/system'))
    .action((role: string, o: { name?: string; unitDir: string }) => {
      const dir = resolve(io.cwd, o.unitDir);
      const unit = unitName(role, o.name);
      if (!existsSync(join(dir, unit))) {
        io.err(`openkassa service: there is no ${join(dir, unit)}\n`);
        io.setExitCode(2);
        return;
      }
      rmSync(join(dir, 'multi-user.target.wants', unit), { force: true });
      rmSync(join(dir, unit));
      io.out(`removed ${join(dir, unit)}; run systemctl daemon-reload\n`);
    });
  return new Command('service')
    .description('Run a role as a system service (systemd on Linux)')
    .addCommand(install)
    .addCommand(uninstall);
}
