import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { z } from 'zod';
import type { BackupFile } from '@openkassa/db';
import type { Io } from '../io.js';
import { VERSION } from '../version.js';

const MANIFEST = 'openkassa-backup.json';

const manifestSchema = z.object({
  kind: z.literal('openkassa-backup'),
  version: z.string(),
  createdAt: z.string(),
  source: z.string(),
  files: z.array(
    z.object({
      name: z.string().regex(/^[\w.-]+\.sqlite$/),
      bytes: z.number().int().min(0),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ),
});
type Manifest = z.infer<typeof manifestSchema>;

/** `openkassa backup`: a consistent copy of a role's embedded databases while it runs. */
export function backupCommand(io: Io): Command {
  return new Command('backup')
    .description(
      'Copy the embedded SQLite databases of a data folder (a server, a till) while the role runs, with SQLite’s online backup; PostgreSQL is backed up with pg_dump (see the README)',
    )
    .addOption(new Option('--data <dir>', 'the data folder of the running role').default('.'))
    .addOption(new Option('--to <dir>', 'a new (or empty) folder for the copy').makeOptionMandatory())
    .action(async (o: { data: string; to: string }) => {
      const { backupSqlite, databaseFiles } = await import('@openkassa/db');
      const from = resolve(io.cwd, o.data);
      const to = resolve(io.cwd, o.to);
      const names = databaseFiles(from);
      if (names.length === 0) {
        io.err(`openkassa backup: no OpenKassa database (*.sqlite) in ${from} (--data)\n`);
        io.setExitCode(2);
        return;
      }
      if (existsSync(to) && readdirSync(to).length > 0) {
        io.err(`openkassa backup: ${to} is not empty; give a new folder (--to)\n`);
        io.setExitCode(2);
        return;
      }
      mkdirSync(to, { recursive: true });
      const started = Date.now();
      const files: BackupFile[] = [];
      for (const name of names) files.push(await backupSqlite(join(from, name), join(to, name)));
      const manifest: Manifest = {
        kind: 'openkassa-backup',
        version: VERSION,
        createdAt: new Date().toISOString(),
        source: from,
        files,
      };
      writeFileSync(join(to, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
      io.out(
        `backup of ${from} in ${to}: ${files.map((f) => `${f.name} (${(f.bytes / 1024 / 1024).toFixed(1)} MB)`).join(', ')}; ` +
          `integrity checked, ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
    });
}

/** `openkassa restore`: puts a backup into a data folder that has no database yet. */
export function restoreCommand(io: Io): Command {
  return new Command('restore')
    .description('Put a backup made by `openkassa backup` into a data folder (the role must be stopped)')
    .addOption(new Option('--from <dir>', 'the backup folder').makeOptionMandatory())
    .addOption(
      new Option('--data <dir>', 'the data folder to restore into (no database in it)').makeOptionMandatory(),
    )
    .action(async (o: { from: string; data: string }) => {
      const { checkedFile, databaseFiles } = await import('@openkassa/db');
      const from = resolve(io.cwd, o.from);
      const to = resolve(io.cwd, o.data);
      let manifest: Manifest;
      try {
        manifest = manifestSchema.parse(JSON.parse(readFileSync(join(from, MANIFEST), 'utf8')));
      } catch {
        io.err(
          `openkassa restore: ${from} is not a backup made by openkassa backup (no ${MANIFEST}) (--from)\n`,
        );
        io.setExitCode(2);
        return;
      }
      const present = databaseFiles(to);
      if (present.length > 0) {
        io.err(
          `openkassa restore: ${to} already holds ${present.join(', ')}; stop the role and move them away first, or restore into a new folder (--data)\n`,
        );
        io.setExitCode(2);
        return;
      }
      // every file as it was written, before anything is put in place
      for (const f of manifest.files) {
        const got = checkedFile(join(from, f.name));
        if (got.sha256 !== f.sha256) {
          io.err(
            `openkassa restore: ${f.name} in ${from} is not the file the backup wrote (its hash differs)\n`,
          );
          io.setExitCode(1);
          return;
        }
      }
      mkdirSync(to, { recursive: true });
      for (const f of manifest.files) copyFileSync(join(from, f.name), join(to, f.name));
      io.out(
        `restored the backup of ${manifest.createdAt} (${manifest.files.map((f) => f.name).join(', ')}) into ${to}\n`,
      );
    });
}
