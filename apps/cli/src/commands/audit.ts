import { Command, Option } from 'commander';
import type { ServerSchema } from '@openkassa/server';
import type { Io } from '../io.js';
import { dbConfigFrom } from './migrate.js';

/** `openkassa audit verify`: the audit log's chain and every till document against it. */
export function auditCommand(io: Io): Command {
  const verify = new Command('verify')
    .description(
      'Check the audit log entry by entry (hash chain) and every stored till document against its hash and its audit entry; exit 1 and name the first broken entry if anything was changed',
    )
    .addOption(new Option('--data <dir>', 'data folder holding the embedded SQLite database'))
    .addOption(new Option('--db <url>', 'postgres://user@host:port/db[?schema=name] instead of SQLite'))
    .addOption(new Option('--json', 'print the whole report as JSON'))
    .action(async (opts: { data?: string; db?: string; json?: boolean }) => {
      const [{ openDatabase }, { serverDbOptions, verifyAudit }] = await Promise.all([
        import('@openkassa/db'),
        import('@openkassa/server'),
      ]);
      const db = openDatabase<ServerSchema>(dbConfigFrom(io, opts, 'server.sqlite'), serverDbOptions);
      try {
        const r = await verifyAudit(db);
        if (opts.json) io.out(`${JSON.stringify(r, null, 2)}\n`);
        else {
          io.out(
            `audit log: ${r.entries} entr${r.entries === 1 ? 'y' : 'ies'}, ${r.documents} till document(s) checked` +
              (r.head ? `; last entry ${r.head.seq}, hash ${r.head.hash}` : '') +
              '\n',
          );
          if (r.firstBroken)
            io.out(`BROKEN: the chain breaks at entry ${r.firstBroken.seq}: ${r.firstBroken.reason}\n`);
          for (const p of r.problems)
            io.out(`BROKEN: ${p.where}${p.store ? ` (store ${p.store})` : ''}: ${p.problem}\n`);
          if (r.moreProblems > 0) io.out(`… and ${r.moreProblems} more\n`);
          io.out(r.ok ? 'OK: nothing was changed\n' : 'FAILED: stored data was changed outside OpenKassa\n');
        }
        if (!r.ok) io.setExitCode(1);
      } finally {
        await db.close();
      }
    });
  return new Command('audit').description('The append-only audit log').addCommand(verify);
}
