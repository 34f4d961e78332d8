import { migrations as core, type MigrationList, type OpenOptions } from '@openkassa/db';
import * as m0002 from './0002-fiscal-relay.js';
import * as m0003 from './0003-fiscal-documents.js';
import * as m0004 from './0004-sales.js';
import * as m0005 from './0005-catalog.js';
import * as m0006 from './0006-sales-rollups.js';
import * as m0007 from './0007-monthly-rollups.js';
import * as m0008 from './0008-devices.js';
import * as m0009 from './0009-chain-hour-rollup.js';
import * as m0010 from './0010-sales-archive.js';
import * as m0011 from './0011-shift-rollup.js';
import * as m0012 from './0012-security.js';
import * as m0013 from './0013-back-office.js';
import * as m0014 from './0014-parse-after-store.js';
import * as m0015 from './0015-sales-review.js';
import { archiveViews } from './0010-sales-archive.js';

/** SQLite keeps views over an attached file per connection: run on every connection. */
export const serverSqliteConnect = archiveViews('main.', 'archive').map(
  (v) => `create temp ${v.replace(/^view /, 'view if not exists ')}`,
);

/**
 * The cash server's schema: the core list plus the server's own, in order. Never edit a released
 * entry; add a new numbered file and list it here.
 */
export const serverMigrations: MigrationList = {
  ...core,
  '0002-fiscal-relay': m0002,
  '0003-fiscal-documents': m0003,
  '0004-sales': m0004,
  '0005-catalog': m0005,
  '0006-sales-rollups': m0006,
  '0007-monthly-rollups': m0007,
  '0008-devices': m0008,
  '0009-chain-hour-rollup': m0009,
  '0010-sales-archive': m0010,
  '0011-shift-rollup': m0011,
  '0012-security': m0012,
  '0013-back-office': m0013,
  '0014-parse-after-store': m0014,
  '0015-sales-review': m0015,
};

/** How the cash server opens its database: its migrations and its archive beside it. */
export const serverDbOptions = {
  migrations: serverMigrations,
  attach: ['archive'],
  sqliteConnect: serverSqliteConnect,
} as const satisfies OpenOptions;
