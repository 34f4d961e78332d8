import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { parseDbUrl, type DbConfig } from '@openkassa/db/light';
import type { Io } from '../io.js';

export function dbConfigFrom(io: Io, opts: { db?: string; data?: string }, fileName: string): DbConfig {
  if (opts.db !== undefined) return parseDbUrl(opts.db);
  return { kind: 'sqlite', file: resolve(io.cwd, opts.data ?? '.', fileName) };
}

export function migrateCommand(io: Io): Command {
  return new Command('migrate')
    .description(
      'Create or update the cash server database schema (SQLite file in --data, or PostgreSQL with --db)',
    )
    .addOption(new Option('--data <dir>', 'data folder holding the embedded SQLite database'))
    .addOption(new Option('--db <url>', 'postgres://user@host:port/db[?schema=name] instead of SQLite'))
    .action(async (opts: { data?: string; db?: string }) => {
      const config = dbConfigFrom(io, opts, 'server.sqlite');
      const [{ openDatabase }, { serverDbOptions }] = await Promise.all([
        import('@openkassa/db'),
        import('@openkassa/server'),
      ]);
      const db = openDatabase(config, serverDbOptions);
      try {
        const r = await db.migrate();
        const where =
          config.kind === 'sqlite'
            ? config.file
            : `${config.url}${config.schema ? ` (schema ${config.schema})` : ''}`;
        io.out(
          r.applied.length > 0
            ? `applied ${r.applied.length} migration(s) to ${where}: ${r.applied.join(', ')}\n`
            : `${where} is up to date (${r.all.length} migration(s))\n`,
        );
      } finally {
        await db.close();
      }
    });
}
