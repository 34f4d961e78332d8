export * from './config.js';
export * from './database.js';
export * from './errors.js';
export * from './schema.js';
export {
  migrations,
  type MigrationContext,
  type MigrationList,
  type MigrationModule,
} from './migrations/index.js';
export * from './group-commit.js';
export * from './prepared.js';
export * from './backup.js';
