import { auditCommand } from './commands/audit.js';
import { Command, CommanderError } from 'commander';
import { kktEmulatorCommand, ofdEmulatorCommand } from './commands/emulators.js';
import { fiscalCommand } from './commands/fiscal.js';
import { migrateCommand } from './commands/migrate.js';
import { demoCommand, sandboxCommand } from './commands/sandbox.js';
import { serverCommand } from './commands/server.js';
import { tillCommand } from './commands/till.js';
import { importCommand } from './commands/import.js';
import { exportCommand } from './commands/export.js';
import { applyEnvironment, ConfigError } from './config.js';
import { processIo, type Io } from './io.js';
import { startupProblem } from './startup-errors.js';
import { VERSION } from './version.js';
import { backupCommand, restoreCommand } from './commands/backup.js';
import { serviceCommand } from './commands/service.js';

export { VERSION } from './version.js';

export function buildProgram(io: Io): Command {
  const program = new Command('openkassa')
    .description(
      'OpenKassa: retail cash-server platform for 54-FZ shops.\n' +
        'Every flag can also be set with an OPENKASSA_<FLAG> variable or in the JSON file of --config.',
    )
    .version(VERSION)
    .option('--config <file>', 'JSON config file (keys are flag names; a section per command may override)')
    .option('--debug', 'on a failure, print the whole error with its stack')
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride()
    .showHelpAfterError('(openkassa <command> --help lists its flags)');
  program.addCommand(sandboxCommand(io));
  program.addCommand(demoCommand(io));
  program.addCommand(fiscalCommand(io));
  program.addCommand(migrateCommand(io));
  program.addCommand(auditCommand(io));
  program.addCommand(serverCommand(io));
  program.addCommand(tillCommand(io));
  program.addCommand(importCommand(io));
  program.addCommand(exportCommand(io));
  program.addCommand(backupCommand(io));
  program.addCommand(restoreCommand(io));
  program.addCommand(serviceCommand(io));
  program.addCommand(kktEmulatorCommand(io));
  program.addCommand(ofdEmulatorCommand(io));
  program.addHelpText('after', '\nRoles still to come: processing, scales, bench.\n');
  program.hook('preAction', (_root, action) => {
    applyEnvironment(action, io.env);
  });
  const quietExit = (cmd: Command): void => {
    for (const c of cmd.commands) {
      c.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
      quietExit(c);
    }
  };
  quietExit(program);
  return program;
}

/** Runs the CLI; resolves to the exit code (commands report failures through `setExitCode`). */
export async function main(argv: readonly string[], outside: Io = processIo()): Promise<number> {
  let code = 0;
  const io: Io = {
    ...outside,
    setExitCode: (c) => {
      code = c;
    },
  };
  try {
    await buildProgram(io).parseAsync([...argv]);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof ConfigError) {
      io.err(`openkassa: ${e.message}\n`);
      return 2;
    }
    // A role that cannot start says why in one line; the stack only when asked for.
    const debug = argv.includes('--debug') || ['1', 'true', 'yes'].includes(io.env.OPENKASSA_DEBUG ?? '');
    const command = argv.slice(2).find((a) => !a.startsWith('-')) ?? '';
    const problem = startupProblem(e);
    const text = e instanceof Error ? e.message.split('\n')[0] : String(e);
    io.err(
      `openkassa${command ? ` ${command}` : ''}: ${problem ?? `failed: ${text} (a fault of OpenKassa; --debug prints the details for a report)`}\n`,
    );
    if (debug) io.err(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
  return code;
}
