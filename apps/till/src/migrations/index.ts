import { migrations as core, type MigrationList } from '@openkassa/db';
import * as m0101 from './0101-till.js';
import * as m0102 from './0102-catalog-feed.js';
import * as m0103 from './0103-approvals.js';

/** The till's schema: the core list plus the till's own, in order. Never edit a released entry; add a new numbered file. */
export const tillMigrations: MigrationList = {
  ...core,
  '0101-till': m0101,
  '0102-catalog-feed': m0102,
  '0103-approvals': m0103,
};
