import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { CatalogCategory, CatalogProduct } from '@openkassa/contracts';
import { parseRoubles, roubles, xmlText } from '../text.js';

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
  'ЗначениеРеквизита',
  'Документ',
]);

export function parseCommerceMl(xml: string, what: string): Record<string, unknown> {
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

export type Node = Record<string, unknown>;
export const obj = (v: unknown): Node =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Node) : {};
export const list = (v: unknown): Node[] => (Array.isArray(v) ? v.map(obj) : v === undefined ? [] : [obj(v)]);
export const text = (v: unknown): string | undefined => {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return text(v[0]);
  if (typeof v === 'object' && v !== null && '#text' in v) return String((v as Node)['#text']);
  return undefined;
};

/** 1C ids may carry a characteristic after '#'; the catalogue allows ':' there. */
const catalogId = (id: string) => id.replace(/#/g, ':').replace(/[^\w.@:-]/g, '_');

/** ЗначенияРеквизитов of an element: name → value. */
export function requisites(n: Node): Map<string, string> {
  const m = new Map<string, string>();
  for (const r of list(obj(n['ЗначенияРеквизитов'])['ЗначениеРеквизита'])) {
    const k = text(r['Наименование']);
    const v = text(r['Значение']);
    if (k !== undefined && v !== undefined) m.set(k, v);
  }
  return m;
}

/** The tax rate 1C writes for a VAT code of the ФФД (calculated rates as their base rate). */
const VAT_RATE: Readonly<Record<number, string>> = {
  1: '20',
  2: '10',
  3: '20',
  4: '10',
  5: '0',
  6: 'Без налога',
  7: '5',
  8: '7',
  9: '5',
  10: '7',
  11: '22',
  12: '22',
};
export const vatRate = (code: number): string => VAT_RATE[code] ?? 'Без налога';

/** The VAT rate code of the ФФД from 1C's tax line ("20", "10", "0", "Без налога", "22"). */
export function vatCode(rate: string | undefined): number {
  const r = (rate ?? '').toLowerCase().replace('%', '').trim();
  if (r === '20') return 1;
  if (r === '10') return 2;
  if (r === '0') return 5;
  if (r === '5') return 7;
  if (r === '7') return 8;
  if (r === '22') return 11;
  return 6; // без НДС / Без налога / unknown: not subject to VAT
}

export function readCommerceMl(
  importXml: string,
  offersXml?: string,
  opts: { priceType?: string } = {},
): CommerceMlCatalog {
  const root = parseCommerceMl(importXml, 'import.xml');
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
    const offers = obj(parseCommerceMl(offersXml, 'offers.xml')['ПакетПредложений']);
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
      const k = parseRoubles(text(price?.['ЦенаЗаЕдиницу']));
      if (k !== undefined && k >= 0) prices.set(catalogId(id), k);
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
    // What 1C has no field for, as OpenKassa writes it (and 1C keeps) in ЗначенияРеквизитов.
    const req = requisites(t);
    const vatOverride = Number(req.get(REQ.vat));
    const paymentObject = Number(req.get(REQ.paymentObject));
    const plu = req.get(REQ.plu);
    const marking = req.get(REQ.marking);
    products.push({
      id,
      name: name.slice(0, 128),
      ...(text(t['Артикул']) && { article: text(t['Артикул'])!.slice(0, 64) }),
      unit: (text(unit) ?? 'шт').slice(0, 16),
      vat:
        Number.isInteger(vatOverride) && vatOverride >= 1 && vatOverride <= 12
          ? vatOverride
          : vatCode(text(rate?.['Ставка'])),
      paymentObject:
        Number.isInteger(paymentObject) && paymentObject >= 1 && paymentObject <= 33 ? paymentObject : 1,
      ...(plu !== undefined && /^\d{1,6}$/.test(plu) && { plu }),
      ...(marking && { markingType: marking.slice(0, 32) }),
      weighted: unitCode === '166',
      ...(group && { categoryId: catalogId(group) }),
      price: price ?? 0,
      barcodes: [...new Set(barcodes)].slice(0, 50),
    });
  }
  return { categories, products, unpriced, skipped };
}

/** Names of the requisites OpenKassa adds to a product for what CommerceML has no field for. */
const REQ = {
  vat: 'КодСтавкиНДС',
  paymentObject: 'ПризнакПредметаРасчета',
  plu: 'PLU',
  marking: 'ТипМаркировки',
} as const;

const CATALOG_ID = 'openkassa-catalog';
const PRICE_TYPE = 'openkassa-retail';

/** The opening of a CommerceML 2.05 file, in the namespace 1C's XDTO reads it in. */
export function header(generatedAt: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.05" ДатаФормирования="${xmlText(generatedAt.slice(0, 19))}">\n`;
}

export const el = (name: string, value: string) => `<${name}>${xmlText(value)}</${name}>`;

export const requisite = (name: string, value: string) =>
  `<ЗначениеРеквизита>${el('Наименование', name)}${el('Значение', value)}</ЗначениеРеквизита>`;

/**
 * The catalogue as 1C reads it: `import.xml` (group tree and goods) and `offers.xml` (the base
 * price as one retail price type). Reading them back with `readCommerceMl` gives the same
 * categories and products (store and group prices are not part of this exchange).
 */
export function writeCommerceMl(
  categories: readonly CatalogCategory[],
  products: readonly CatalogProduct[],
  generatedAt: string,
): { importXml: string; offersXml: string } {
  const children = new Map<string, CatalogCategory[]>();
  const known = new Set(categories.map((c) => c.id));
  for (const c of categories) {
    const parent = c.parentId !== undefined && known.has(c.parentId) ? c.parentId : '';
    children.set(parent, [...(children.get(parent) ?? []), c]);
  }
  const groups = (parent: string): string => {
    const cs = children.get(parent) ?? [];
    if (cs.length === 0) return '';
    return `<Группы>${cs.map((c) => `<Группа>${el('Ид', c.id)}${el('Наименование', c.name)}${groups(c.id)}</Группа>`).join('')}</Группы>`;
  };
  const goods = products.map((p) => {
    const reqs = [
      requisite(REQ.vat, String(p.vat)),
      requisite(REQ.paymentObject, String(p.paymentObject)),
      ...(p.plu !== undefined ? [requisite(REQ.plu, p.plu)] : []),
      ...(p.markingType !== undefined ? [requisite(REQ.marking, p.markingType)] : []),
    ];
    return (
      // in the schema's order (Ид, Штрихкод, Артикул, Наименование, БазоваяЕдиница, Группы, …); the
      // schema has one Штрихкод, and a product with several gets one element each so none is lost
      `<Товар>${el('Ид', p.id)}` +
      p.barcodes.map((b) => el('Штрихкод', b)).join('') +
      (p.article !== undefined ? el('Артикул', p.article) : '') +
      el('Наименование', p.name) +
      `<БазоваяЕдиница Код="${p.weighted ? '166' : '796'}">${xmlText(p.unit)}</БазоваяЕдиница>` +
      (p.categoryId !== undefined ? `<Группы>${el('Ид', p.categoryId)}</Группы>` : '') +
      `<СтавкиНалогов><СтавкаНалога>${el('Наименование', 'НДС')}${el('Ставка', vatRate(p.vat))}</СтавкаНалога></СтавкиНалогов>` +
      `<ЗначенияРеквизитов>${reqs.join('')}</ЗначенияРеквизитов></Товар>\n`
    );
  });
  const importXml =
    header(generatedAt) +
    `<Классификатор>${el('Ид', CATALOG_ID)}${el('Наименование', 'Классификатор OpenKassa')}${groups('')}</Классификатор>\n` +
    `<Каталог СодержитТолькоИзменения="false">${el('Ид', CATALOG_ID)}${el('ИдКлассификатора', CATALOG_ID)}${el('Наименование', 'Каталог OpenKassa')}<Товары>\n` +
    goods.join('') +
    '</Товары></Каталог>\n</КоммерческаяИнформация>\n';
  const offers = products.map(
    (p) =>
      `<Предложение>${el('Ид', p.id)}${el('Наименование', p.name)}<Цены><Цена>${el('Представление', `${roubles(p.price)} RUB за ${p.unit}`)}${el('ИдТипаЦены', PRICE_TYPE)}${el('ЦенаЗаЕдиницу', roubles(p.price))}${el('Валюта', 'RUB')}${el('Единица', p.unit)}${el('Коэффициент', '1')}</Цена></Цены></Предложение>\n`,
  );
  const offersXml =
    header(generatedAt) +
    `<ПакетПредложений СодержитТолькоИзменения="false">${el('Ид', `${CATALOG_ID}#`)}${el('Наименование', 'Пакет предложений OpenKassa')}${el('ИдКаталога', CATALOG_ID)}${el('ИдКлассификатора', CATALOG_ID)}` +
    `<ТипыЦен><ТипЦены>${el('Ид', PRICE_TYPE)}${el('Наименование', 'Розничная')}${el('Валюта', 'RUB')}</ТипЦены></ТипыЦен><Предложения>\n` +
    offers.join('') +
    '</Предложения></ПакетПредложений>\n</КоммерческаяИнформация>\n';
  return { importXml, offersXml };
}
