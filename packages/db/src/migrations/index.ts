import type { Kysely } from 'kysely';
import type { DialectName } from '../config.js';
import * as m0001 from './0001-app-meta.js';

/** What a migration may need to know to write the same schema on both engines. */
export interface MigrationContext {
  readonly dialect: DialectName;
}

export interface MigrationModule {
  up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void>;
  down?(db: Kysely<unknown>): Promise<void>;
}

/** The one migration list for SQLite and PostgreSQL, in order. Never edit a released entry. */
export const migrations: Readonly<Record<string, MigrationModule>> = {
  '0001-app-meta': m0001,
};
