import type { Kysely } from 'kysely';
import type { DialectName } from '../config.js';
import * as m0001 from './0001-app-meta.js';

/** What a migration may need to know to write the same schema on both engines. */
export interface MigrationContext {
  readonly dialect: DialectName;
  /** The qualifier of a companion database's tables (see `OpenOptions.attach`). */
  readonly companion: (name: string) => string;
}

export interface MigrationModule {
  up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void>;
  down?(db: Kysely<unknown>): Promise<void>;
}

/** Named migrations applied in key order; one list serves SQLite and PostgreSQL. */
export type MigrationList = Readonly<Record<string, MigrationModule>>;

/** The core list. Never edit a released entry; add a new one. */
export const migrations: MigrationList = {
  '0001-app-meta': m0001,
};
