import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

/** One database file of a backup: its name, size and SHA-256. */
export interface BackupFile {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * The SQLite databases of a data folder in the order they are to be copied: each main database
 * before its companions (`server.sqlite` before `server.archive.sqlite`). The archive mover first
 * copies a document into the archive and only then deletes it from the main database, so copying
 * the main database first can at worst find a document in both copies — the state a crash between
 * the two steps leaves, which the next run of the mover settles — and never in neither.
 */
export function databaseFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((f) => f.endsWith('.sqlite') && statSync(join(dir, f)).isFile());
  const rank = (f: string) => f.split('.').length; // server.sqlite (2) before server.archive.sqlite (3)
  return files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * Copies a live SQLite database with SQLite's online backup: a consistent copy of one committed
 * state, taken while other connections go on writing (WAL mode lets them).
 */
export async function backupSqlite(source: string, target: string): Promise<BackupFile> {
  const conn = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
  try {
    await conn.backup(target);
  } finally {
    conn.close();
  }
  return checkedFile(target);
}

/** A database file checked by SQLite (`integrity_check`), with its size and hash. */
export function checkedFile(file: string): BackupFile {
  const conn = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    const r = conn.pragma('integrity_check', { simple: true });
    if (r !== 'ok') throw new Error(`${basename(file)} fails SQLite's integrity check: ${String(r)}`);
  } finally {
    conn.close();
  }
  return { name: basename(file), bytes: statSync(file).size, sha256: sha256(file) };
}
