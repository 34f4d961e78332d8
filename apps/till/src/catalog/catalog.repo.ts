import { sql } from 'kysely';
import type { Database, Tx } from '@openkassa/db';
import {
  lineAmount,
  parseDecimal,
  parseWeightedBarcode,
  formatDecimal,
  type BarcodeErrorCode,
  type Decimal,
  type WeightedLayout,
} from '@openkassa/fiscal';
import type { TillSchema } from '../schema.js';
import { salesLineRefusalRu } from '@openkassa/contracts';

/** The calendar day in this machine's time zone. */
export function localDay(d: Date): string {
  const off = -d.getTimezoneOffset();
  return new Date(d.getTime() + off * 60_000).toISOString().slice(0, 10);
}

export interface Product {
  readonly id: string;
  readonly name: string;
  readonly price: number;
  readonly vat: number;
  readonly weighted: boolean;
  readonly plu?: string | undefined;
  readonly article?: string | undefined;
  readonly barcodes?: readonly string[] | undefined;
}

/** What the cashier is told about a code that cannot be read. */
const BARCODE_ERRORS: Record<BarcodeErrorCode, string> = {
  'bad-format': 'это не штрихкод EAN-13',
  'bad-check-digit': 'неверная контрольная цифра, отсканируйте ещё раз',
  'bad-item-check': 'неверный код товара на весовой этикетке',
  'zero-quantity': 'на весовой этикетке нулевой вес',
  'bad-layout': 'весовые штрихкоды настроены неверно, обратитесь к администратору',
};

/** A line as the sale screen shows it and the ККТ receives it. */
export interface ScannedLine {
  readonly productId: string;
  readonly barcode: string;
  readonly name: string;
  readonly price: number;
  readonly quantity: string;
  readonly sum: number;
  readonly vat: number;
  readonly weighted: boolean;
  /** The catalogue's price when the line was sold at another (a price override). */
  readonly listPrice?: number;
}

export type ScanResult =
  { readonly ok: true; readonly line: ScannedLine } | { readonly ok: false; readonly message: string };

function toProduct(r: TillSchema['products']): Product {
  return {
    id: r.id,
    name: r.name,
    price: r.price,
    vat: r.vat,
    weighted: r.weighted === 1,
    plu: r.plu ?? undefined,
    article: r.article ?? undefined,
  };
}

/**
 * Writes products and their barcodes with multi-row upserts, in the caller's transaction. With
 * `replaceBarcodes` a product's barcodes become exactly the given ones (the catalogue feed);
 * otherwise they are added (a local import).
 */
export async function writeProducts(
  tx: Tx<TillSchema>,
  products: readonly Product[],
  opts: { replaceBarcodes: boolean },
): Promise<void> {
  const CHUNK = 500;
  for (let j = 0; j < products.length; j += CHUNK) {
    const chunk = products.slice(j, j + CHUNK);
    if (opts.replaceBarcodes)
      await tx.db
        .deleteFrom('barcodes')
        .where(
          'product_id',
          'in',
          chunk.map((p) => p.id),
        )
        .execute();
    await tx.db
      .insertInto('products')
      .values(
        chunk.map((p) => ({
          id: p.id,
          name: p.name,
          search_name: p.name.toLowerCase(),
          price: p.price,
          vat: p.vat,
          weighted: p.weighted ? 1 : 0,
          plu: p.plu ?? null,
          article: p.article ?? null,
        })),
      )
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          search_name: eb.ref('excluded.search_name'),
          price: eb.ref('excluded.price'),
          vat: eb.ref('excluded.vat'),
          weighted: eb.ref('excluded.weighted'),
          plu: eb.ref('excluded.plu'),
          article: eb.ref('excluded.article'),
        })),
      )
      .execute();
    const codes = chunk.flatMap((p) => (p.barcodes ?? []).map((code) => ({ code, product_id: p.id })));
    for (let k = 0; k < codes.length; k += CHUNK)
      await tx.db
        .insertInto('barcodes')
        .values(codes.slice(k, k + CHUNK))
        .onConflict((oc) =>
          oc.column('code').doUpdateSet((eb) => ({ product_id: eb.ref('excluded.product_id') })),
        )
        .execute();
  }
}

/** Replaces or adds products (and their barcodes), 10,000 per transaction. */
export async function importProducts(
  db: Database<TillSchema>,
  products: readonly Product[],
): Promise<number> {
  for (let i = 0; i < products.length; i += 10_000)
    await db.transaction((tx) =>
      writeProducts(tx, products.slice(i, i + 10_000), { replaceBarcodes: false }),
    );
  return products.length;
}

/**
 * A scanned or typed code → a sale line. In-store EAN-13 codes (weighed goods labelled by the
 * scale) are decoded with the store's layouts: item code → product by PLU, weight → quantity.
 */
export async function scan(
  db: Database<TillSchema>,
  code: string,
  layouts: readonly WeightedLayout[],
  quantityText?: string,
  /** The store's business day (YYYY-MM-DD), for dated prices. */
  today: string = localDay(new Date()),
): Promise<ScanResult> {
  const c = code.trim();
  if (!/^\d{1,32}$/.test(c)) return { ok: false, message: `«${code}» — не штрихкод` };
  let qty: Decimal | undefined = quantityText !== undefined ? parseDecimal(quantityText) : undefined;
  if (quantityText !== undefined && (!qty || qty.mantissa <= 0n || qty.scale > 3))
    return { ok: false, message: `Неверное количество «${quantityText}»` };
  const direct = await db.db
    .selectFrom('barcodes as b')
    .innerJoin('products as p', 'p.id', 'b.product_id')
    .selectAll('p')
    .where('b.code', '=', c)
    .executeTakeFirst();
  const priced = async (p: Product): Promise<Product> => ({
    ...p,
    price: await effectivePrice(db, p.id, p.price, today),
  });
  let product = direct ? await priced(toProduct(direct)) : undefined;
  if (!product && c.length === 13) {
    const w = parseWeightedBarcode(c, layouts);
    if (!w.ok) return { ok: false, message: `Штрихкод ${c}: ${BARCODE_ERRORS[w.error.code]}` };
    if (w.value.kind === 'in-store') {
      const byPlu = await db.db
        .selectFrom('products')
        .selectAll()
        .where('plu', '=', String(Number(w.value.itemCode)))
        .executeTakeFirst();
      if (!byPlu) return { ok: false, message: `Весовой товар с кодом ${w.value.itemCode} не найден` };
      product = await priced(toProduct(byPlu));
      if (w.value.quantity) qty = w.value.quantity;
      else if (w.value.amount !== undefined) {
        // A label with the cost: the quantity follows from the price per kilogram.
        const grams = Math.round((w.value.amount * 1000) / product.price);
        qty = { mantissa: BigInt(Math.max(grams, 1)), scale: 3 };
      }
    }
  }
  if (!product) return { ok: false, message: `Товар со штрихкодом ${c} не найден` };
  qty ??= { mantissa: 1n, scale: 0 };
  if (!product.weighted && qty.scale > 0 && qty.mantissa % 10n ** BigInt(qty.scale) !== 0n)
    return { ok: false, message: `${product.name}: штучный товар продаётся целым количеством` };
  const line = {
    productId: product.id,
    barcode: c,
    name: product.name,
    price: product.price,
    quantity: formatDecimal(qty),
    sum: lineAmount(product.price, qty),
    vat: product.vat,
    weighted: product.weighted,
  };
  // the servers' own rule for a line: one they would refuse never reaches the ККТ
  const refusal = salesLineRefusalRu(line);
  if (refusal) return { ok: false, message: `${product.name}: ${refusal}` };
  return { ok: true, line };
}

/** Products whose name contains the text (case-insensitive), for search at the till. */
export async function searchProducts(db: Database<TillSchema>, text: string, limit = 20): Promise<Product[]> {
  const t = text.trim().toLowerCase();
  if (t.length < 2) return [];
  const like = `%${t.replace(/[%_\\]/g, (m) => `\\${m}`)}%`;
  const rows = await db.db
    .selectFrom('products')
    .selectAll()
    .where(sql<boolean>`search_name like ${like} escape '\\'`)
    .orderBy('search_name')
    .limit(limit)
    .execute();
  const codes = await db.db
    .selectFrom('barcodes')
    .select(['code', 'product_id'])
    .where('product_id', 'in', rows.length > 0 ? rows.map((r) => r.id) : [''])
    .execute();
  return rows.map((r) => ({
    ...toProduct(r),
    barcodes: codes.filter((c) => c.product_id === r.id).map((c) => c.code),
  }));
}

export async function productCount(db: Database<TillSchema>): Promise<number> {
  const r = await db.db
    .selectFrom('products')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * The price of a product today at this till: the store's own price, else its group's, else the
 * chain's, each only within its validity; else the product's base price.
 */
export async function effectivePrice(
  db: Database<TillSchema>,
  productId: string,
  base: number,
  today: string,
): Promise<number> {
  const rows = await db.db
    .selectFrom('prices')
    .select(['scope', 'price', 'valid_from'])
    .where('product_id', '=', productId)
    .where((eb) => eb.or([eb('valid_from', 'is', null), eb('valid_from', '<=', today)]))
    .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', today)]))
    .execute();
  if (rows.length === 0) return base;
  const rank = (s: string) => (s.startsWith('store:') ? 0 : s.startsWith('group:') ? 1 : 2);
  rows.sort(
    (a, b) => rank(a.scope) - rank(b.scope) || (b.valid_from ?? '').localeCompare(a.valid_from ?? ''),
  );
  return rows[0]!.price;
}
