import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { CatalogCategory, CatalogProduct } from '@openkassa/contracts';
import { divRoundHalfUp, parseDecimal } from '@openkassa/fiscal';

/**
 * CommerceML 2 as 1C exports it for a shop: `import.xml` (classifier groups and goods) and
 * `offers.xml` (price types and offers). What the catalogue needs is read; the rest is ignored.
 */

export interface CommerceMlCatalog {
  readonly categories: CatalogCategory[];
  readonly products: CatalogProduct[];
  /** Goods without a price in the chosen price type (imported with price 0). */
  readonly unpriced: string[];
  /** What was skipped and why. */
  readonly skipped: string[];
}

export class CommerceMlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommerceMlError';
  }
}

const ARRAYS = new Set([
  'Группа',
  'Товар',
  'Предложение',
  'Цена',
  'ТипЦены',
  'СтавкаНалога',
  'Штрихкод',
  'Ид',
]);

function parse(xml: string, what: string): Record<string, unknown> {
  const p = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    trimValues: true,
    isArray: (name) => ARRAYS.has(name),
  });
  // Still the parser's own validator; its successor is a separate package we do not need yet.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    throw new CommerceMlError(`${what} is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const doc = p.parse(xml) as Record<string, unknown>;
  const root = doc['КоммерческаяИнформация'];
  if (typeof root !== 'object' || root === null)
    throw new CommerceMlError(`${what} has no КоммерческаяИнформация element: not a CommerceML 2 file`);
  return root as Record<string, unknown>;
}

type Node = Record<string, unknown>;
const obj = (v: unknown): Node =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Node) : {};
const list = (v: unknown): Node[] => (Array.isArray(v) ? v.map(obj) : v === undefined ? [] : [obj(v)]);
const text = (v: unknown): string | undefined => {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return text(v[0]);
  if (typeof v === 'object' && v !== null && '#text' in v) return String((v as Node)['#text']);
  return undefined;
};

/** 1C ids may carry a characteristic after '#'; the catalogue allows ':' there. */
const catalogId = (id: string) => id.replace(/#/g, ':').replace(/[^\w.@:-]/g, '_');

/** The VAT rate code of the ФФД from 1C's tax line ("20", "10", "0", "Без налога", "22"). */
function vatCode(rate: string | undefined): number {
  const r = (rate ?? '').trim().toLowerCase().replace('%', '');
  if (r === '20') return 1;
  if (r === '10') return 2;
  if (r === '0') return 5;
  if (r === '5') return 7;
  if (r === '7') return 8;
  if (r === '22') return 11;
  return 6; // без НДС / Без налога / unknown: not subject to VAT
}

/** Roubles as 1C writes them ("89.90", "1 234,50") → kopecks. */
function kopecks(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = v.replace(/\s/g, '').replace(',', '.');
  if (!/^\d+(\.\d{1,4})?$/.test(t)) return undefined;
  // 1C may write up to four decimals: rounded half up to whole kopecks, exactly.
  const d = parseDecimal(t);
  return d && Number(divRoundHalfUp(d.mantissa * 100n, 10n ** BigInt(d.scale)));
}

export function readCommerceMl(
  importXml: string,
  offersXml?: string,
  opts: { priceType?: string } = {},
): CommerceMlCatalog {
  const root = parse(importXml, 'import.xml');
  const skipped: string[] = [];
  const categories: CatalogCategory[] = [];
  const walk = (groups: unknown, parentId?: string) => {
    for (const g of list(obj(groups)['Группа'])) {
      const id = text(g['Ид']);
      const name = text(g['Наименование']);
      if (!id || !name) {
        skipped.push(`a group without Ид or Наименование${parentId ? ` under ${parentId}` : ''}`);
        continue;
      }
      const cid = catalogId(id);
      categories.push({ id: cid, name: name.slice(0, 128), ...(parentId && { parentId }) });
      walk(g['Группы'], cid);
    }
  };
  walk(obj(root['Классификатор'])['Группы']);

  const prices = new Map<string, number>();
  if (offersXml !== undefined) {
    const offers = obj(parse(offersXml, 'offers.xml')['ПакетПредложений']);
    const types = list(obj(offers['ТипыЦен'])['ТипЦены']);
    const wanted = opts.priceType
      ? types.find((t) => text(t['Наименование']) === opts.priceType || text(t['Ид']) === opts.priceType)
      : types[0];
    if (opts.priceType && !wanted)
      throw new CommerceMlError(
        `offers.xml has no price type "${opts.priceType}" (it has: ${types.map((t) => text(t['Наименование'])).join(', ')})`,
      );
    const typeId = wanted ? text(wanted['Ид']) : undefined;
    for (const o of list(obj(offers['Предложения'])['Предложение'])) {
      const id = text(o['Ид']);
      if (!id) continue;
      const price = list(obj(o['Цены'])['Цена']).find(
        (c) => typeId === undefined || text(c['ИдТипаЦены']) === typeId,
      );
      const k = kopecks(text(price?.['ЦенаЗаЕдиницу']));
      if (k !== undefined) prices.set(catalogId(id), k);
      else if (price)
        skipped.push(`offer ${id}: price "${text(price['ЦенаЗаЕдиницу']) ?? ''}" is not a number`);
    }
  }

  const products: CatalogProduct[] = [];
  const unpriced: string[] = [];
  for (const t of list(obj(obj(root['Каталог'])['Товары'])['Товар'])) {
    const rawId = text(t['Ид']);
    const name = text(t['Наименование']);
    if (!rawId || !name) {
      skipped.push(`a product without Ид or Наименование`);
      continue;
    }
    if (text(t['@Статус']) === 'Удален') continue;
    const id = catalogId(rawId);
    if (id.length > 128) {
      skipped.push(`product ${rawId}: an Ид longer than 128 characters`);
      continue;
    }
    const unit = obj(t['БазоваяЕдиница']);
    const unitCode = text(unit['@Код']);
    const group = text(obj(t['Группы'])['Ид']);
    const rate = list(obj(t['СтавкиНалогов'])['СтавкаНалога']).find((s) =>
      /ндс/i.test(text(s['Наименование']) ?? ''),
    );
    const raw = t['Штрихкод'];
    const barcodes = (Array.isArray(raw) ? (raw as unknown[]) : [])
      .map(text)
      .filter((b): b is string => b !== undefined && /^\d{4,32}$/.test(b));
    const price = prices.get(id);
    if (price === undefined) unpriced.push(id);
    products.push({
      id,
      name: name.slice(0, 128),
      ...(text(t['Артикул']) && { article: text(t['Артикул'])!.slice(0, 64) }),
      unit: (text(unit) ?? 'шт').slice(0, 16),
      vat: vatCode(text(rate?.['Ставка'])),
      paymentObject: 1,
      weighted: unitCode === '166',
      ...(group && { categoryId: catalogId(group) }),
      price: price ?? 0,
      barcodes: [...new Set(barcodes)].slice(0, 50),
    });
  }
  return { categories, products, unpriced, skipped };
}
