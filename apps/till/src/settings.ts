import type { Kysely } from 'kysely';
import type { Database } from '@openkassa/db';
import { validateLayout, type WeightedLayout } from '@openkassa/fiscal';
import type { TillSchema } from './schema.js';

/** A till setting (JSON under a key), or undefined if it was never set. */
export async function readSetting<T>(db: Kysely<TillSchema>, key: string): Promise<T | undefined> {
  const r = await db.selectFrom('settings').select('value_json').where('key', '=', key).executeTakeFirst();
  return r ? (JSON.parse(r.value_json) as T) : undefined;
}

/** Sets a till setting (in the caller's transaction when given its connection). */
export async function writeSetting(db: Kysely<TillSchema>, key: string, value: unknown): Promise<void> {
  const json = JSON.stringify(value);
  await db
    .insertInto('settings')
    .values({ key, value_json: json })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value_json: json }))
    .execute();
}

/** The usual Russian scale label: prefix, 5-digit PLU, grams, check digit. */
export const DEFAULT_LAYOUTS: readonly WeightedLayout[] = [
  { prefixes: ['20', '21', '22', '23', '24', '25'], mask: 'PPTTTTTWWWWWK' },
];

/**
 * The store's in-store barcode layouts, kept in the till's settings (set from the back office
 * or the till's manager screen); the default until a store sets its own.
 */
export class LayoutSettings {
  readonly #db: Database<TillSchema>;
  #current: readonly WeightedLayout[] = DEFAULT_LAYOUTS;

  constructor(db: Database<TillSchema>) {
    this.#db = db;
  }

  async load(): Promise<void> {
    this.#current = (await readSetting<WeightedLayout[]>(this.#db.db, 'weightedLayouts')) ?? this.#current;
  }

  current(): readonly WeightedLayout[] {
    return this.#current;
  }

  /** Checks every layout and that no prefix is claimed twice; stores them, or says what is wrong. */
  async set(layouts: readonly WeightedLayout[]): Promise<string | undefined> {
    const seen = new Set<string>();
    for (const l of layouts) {
      const bad = validateLayout(l);
      if (bad) return bad;
      for (const p of l.prefixes) {
        if (seen.has(p)) return `prefix ${p} is in two layouts`;
        seen.add(p);
      }
    }
    await writeSetting(this.#db.db, 'weightedLayouts', layouts);
    this.#current = layouts;
    return undefined;
  }
}
