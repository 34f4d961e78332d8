/** Kysely table types of the tables `packages/db` itself owns. */
export interface AppMetaTable {
  key: string;
  value: string;
  updated_at: string;
}

export interface CoreSchema {
  app_meta: AppMetaTable;
}
