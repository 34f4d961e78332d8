import { createHash } from 'node:crypto';
import { catalogProduct, type CatalogCategory, type CatalogProduct } from '@openkassa/contracts';
import { vatCode, vatRate } from './commerceml.js';

/** A VAT rate as written in the file, or undefined when it is not one we know. */
const strictVat = (t: string): number | undefined =>
  /^(20|10|0|5|7|22)\s*%?$|^без\s+(ндс|налога)$/i.test(t.trim()) ? vatCode(t) : undefined;
import { CsvError, csvLine, parseCsv, parseRoubles, roubles } from '../text.js';

/**
 * The catalogue as a CSV table, one product per line, for spreadsheets and systems without
 * CommerceML. Columns (English names, or the Russian ones in brackets), in any order:
 *
 *   id (Код), name (Наименование)                     required
 *   price (Цена)                                        roubles: "89.90", "1 234,50"
 *   barcodes (Штрихкоды)                                several separated by spaces, "," or "|"
 *   category (Группа)                                   a path of names: "Продукты/Молочное"
 *   article (Артикул), unit (Единица), vat (НДС)        vat as a rate: 20, 10, 0, 5, 7, 22, "без НДС"
 *   vat_code (КодНДС)                                   the ФФД code 1–12, exact (wins over vat)
 *   weighted (Весовой), plu (PLU), payment_object (ПредметРасчета), marking (Маркировка)
 *
 * The separator is taken from the header line (";" as Excel writes it in Russia, "," or a tab).
 * A file with any bad line is refused as a whole, every bad line named.
 */

const COLUMNS = {
  id: ['id', 'код'],
  name: ['name', 'наименование'],
  price: ['price', 'цена'],
  barcodes: ['barcodes', 'barcode', 'штрихкоды', 'штрихкод'],
  category: ['category', 'группа', 'категория'],
  article: ['article', 'артикул'],
  unit: ['unit', 'единица'],
  vat: ['vat', 'ндс'],
  vat_code: ['vat_code', 'кодндс'],
  weighted: ['weighted', 'весовой'],
  plu: ['plu'],
  payment_object: ['payment_object', 'предметрасчета'],
  marking: ['marking', 'маркировка'],
} as const;
type Column = keyof typeof COLUMNS;

/** A category made from a path of names gets an id derived from the path, the same every import. */
export const categoryIdOfPath = (path: readonly string[]): string =>
  `cat-${createHash('sha256').update(path.join('\u0000')).digest('hex').slice(0, 16)}`;

const YES = new Set(['1', 'да', 'yes', 'true', 'y', 'д']);
const NO = new Set(['', '0', 'нет', 'no', 'false', 'n', 'н']);

export interface CsvCatalog {
  readonly categories: CatalogCategory[];
  readonly products: CatalogProduct[];
}

export function readCatalogCsv(text: string): CsvCatalog {
  const { header, rows } = parseCsv(text);
  const at = new Map<Column, number>();
  const unknown: string[] = [];
  header.forEach((h, i) => {
    const key = h.toLowerCase().replace(/[\s_]/g, '');
    const col = (Object.keys(COLUMNS) as Column[]).find((c) =>
      COLUMNS[c].some((n) => n.replace(/_/g, '') === key),
    );
    if (col) at.set(col, i);
    else unknown.push(h);
  });
  if (unknown.length > 0) throw new CsvError(`unknown column(s) ${unknown.map((u) => `"${u}"`).join(', ')}`);
  for (const c of ['id', 'name'] as const)
    if (!at.has(c)) throw new CsvError(`the header has no "${c}" column`);

  const categories = new Map<string, CatalogCategory>();
  const products: CatalogProduct[] = [];
  const errors: string[] = [];
  const seen = new Map<string, number>();
  for (const { line, fields } of rows) {
    const get = (c: Column) => {
      const i = at.get(c);
      return i === undefined ? '' : (fields[i] ?? '').trim();
    };
    const problems: string[] = [];
    const price = get('price') === '' ? 0 : parseRoubles(get('price'));
    if (price === undefined || price < 0)
      problems.push(`price "${get('price')}" is not an amount in roubles`);
    const weighted = get('weighted').toLowerCase();
    if (!YES.has(weighted) && !NO.has(weighted)) problems.push(`weighted "${get('weighted')}" is not yes/no`);
    const vatText = get('vat_code') || get('vat');
    const code = get('vat_code') !== '' ? Number(get('vat_code')) : strictVat(get('vat'));
    if (code === undefined || !Number.isInteger(code) || code < 1 || code > 12)
      problems.push(
        vatText === ''
          ? 'VAT is missing'
          : `VAT "${vatText}" is not a rate (20, 10, 0, 5, 7, 22, без НДС) or code`,
      );
    const path = get('category')
      .split('/')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    let categoryId: string | undefined;
    for (let i = 0; i < path.length; i++) {
      const id = categoryIdOfPath(path.slice(0, i + 1));
      if (!categories.has(id))
        categories.set(id, { id, name: path[i]!.slice(0, 128), ...(categoryId && { parentId: categoryId }) });
      categoryId = id;
    }
    const parsed = catalogProduct.safeParse({
      id: get('id'),
      name: get('name'),
      ...(get('article') && { article: get('article') }),
      ...(get('unit') && { unit: get('unit') }),
      vat: code ?? 0,
      ...(get('payment_object') && { paymentObject: Number(get('payment_object')) }),
      ...(get('marking') && { markingType: get('marking') }),
      weighted: YES.has(weighted),
      ...(get('plu') && { plu: get('plu') }),
      ...(categoryId && { categoryId }),
      price: price ?? 0,
      barcodes: [
        ...new Set(
          get('barcodes')
            .split(/[\s,|]+/)
            .filter((b) => b !== ''),
        ),
      ],
    });
    if (!parsed.success)
      problems.push(
        ...parsed.error.issues.map((i) =>
          `${i.path.join('.') || 'product'}: ${i.message}`.replace(/^barcodes\.\d+/, 'barcodes'),
        ),
      );
    const dup = seen.get(get('id'));
    if (dup !== undefined) problems.push(`id "${get('id')}" is already on line ${dup}`);
    seen.set(get('id'), line);
    if (problems.length > 0) errors.push(`line ${line}: ${problems.join('; ')}`);
    else if (parsed.success) products.push(parsed.data);
  }
  if (errors.length > 0)
    throw new CsvError(
      `${errors.length} bad line(s), nothing imported: ${errors.slice(0, 10).join(' | ')}${errors.length > 10 ? ' | …' : ''}`,
    );
  return { categories: [...categories.values()], products };
}

/** The catalogue as CSV (";"-separated, as Excel opens it in Russia); reads back with readCatalogCsv. */
export function writeCatalogCsv(
  categories: readonly CatalogCategory[],
  products: readonly CatalogProduct[],
): string {
  const byId = new Map(categories.map((c) => [c.id, c]));
  const pathOf = (id: string | undefined): string => {
    const names: string[] = [];
    for (let c = id === undefined ? undefined : byId.get(id); c && names.length < 64;) {
      names.unshift(c.name.replace(/\//g, '∕'));
      c = c.parentId === undefined ? undefined : byId.get(c.parentId);
    }
    return names.join('/');
  };
  const head: Column[] = [
    'id',
    'name',
    'price',
    'barcodes',
    'category',
    'article',
    'unit',
    'vat',
    'vat_code',
    'weighted',
    'plu',
    'payment_object',
    'marking',
  ];
  const lines = products.map((p) =>
    csvLine(
      [
        p.id,
        p.name,
        roubles(p.price),
        p.barcodes.join(' '),
        pathOf(p.categoryId),
        p.article ?? '',
        p.unit,
        vatRate(p.vat),
        p.vat,
        p.weighted ? 'да' : 'нет',
        p.plu ?? '',
        p.paymentObject,
        p.markingType ?? '',
      ],
      ';',
    ),
  );
  return `\uFEFF${[csvLine(head, ';'), ...lines].join('\r\n')}\r\n`;
}
