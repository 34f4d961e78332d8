import type { Database } from '@openkassa/db';
import type { ServerSchema } from '../schema.js';
import { milli } from '../sales/index.js';
import {
  el,
  header,
  list,
  obj,
  parseCommerceMl,
  requisite,
  requisites,
  text,
  vatCode,
  vatRate,
  CommerceMlError,
} from './commerceml.js';
import { csvLine, parseCsv, parseRoubles, quantityText, roubles, CsvError } from '../text.js';

/**
 * Sales per day and store for the accounting system: for each day, store and kind (sales,
 * returns) the number of receipts, the money by payment type and the goods with quantity, sum
 * and VAT rate. Read from the till documents (the live tables and the archive alike).
 */
export interface ExportLine {
  readonly productId: string | null;
  readonly name: string;
  /** Decimal text, as the till documents carry it. */
  readonly quantity: string;
  readonly sum: number;
  readonly vat: number;
}

export interface StoreDaySales {
  readonly day: string;
  readonly store: string;
  readonly kind: 'sale' | 'return';
  readonly receipts: number;
  readonly total: number;
  readonly cash: number;
  readonly card: number;
  readonly lines: ExportLine[];
}

const KINDS = ['sale', 'return'] as const;

export async function storeDaySales(
  db: Database<ServerSchema>,
  from: string,
  to: string,
  store?: string,
): Promise<StoreDaySales[]> {
  let docs = db.db
    .selectFrom('all_sales_documents')
    .select((eb) => [
      'day',
      'store',
      'kind',
      eb.fn.countAll<number | string>().as('receipts'),
      eb.fn.sum<number | string>('total').as('total'),
      eb.fn.sum<number | string>('cash').as('cash'),
      eb.fn.sum<number | string>('card').as('card'),
    ])
    .where('day', '>=', from)
    .where('day', '<=', to)
    .where('kind', 'in', KINDS)
    .groupBy(['day', 'store', 'kind']);
  let lines = db.db
    .selectFrom('all_sales_lines as l')
    .innerJoin('all_sales_documents as d', 'd.id', 'l.doc_id')
    .select(['d.day', 'd.store', 'd.kind', 'l.product_id', 'l.name', 'l.quantity', 'l.sum', 'l.vat'])
    .where('d.day', '>=', from)
    .where('d.day', '<=', to)
    .where('d.kind', 'in', KINDS);
  if (store !== undefined) {
    docs = docs.where('store', '=', store);
    lines = lines.where('d.store', '=', store);
  }
  const [docRows, lineRows] = await Promise.all([docs.execute(), lines.execute()]);
  const key = (day: string, st: string, kind: string) => `${day}\u0000${st}\u0000${kind}`;
  const out = new Map<string, StoreDaySales & { sums: Map<string, { line: ExportLine; milli: number }> }>();
  for (const r of docRows)
    out.set(key(r.day, r.store, r.kind), {
      day: r.day,
      store: r.store,
      kind: r.kind as 'sale' | 'return',
      receipts: Number(r.receipts),
      total: Number(r.total),
      cash: Number(r.cash),
      card: Number(r.card),
      lines: [],
      sums: new Map(),
    });
  for (const l of lineRows) {
    const g = out.get(key(l.day, l.store, l.kind));
    if (!g) continue;
    const k = `${l.product_id ?? `name:${l.name}`}\u0000${l.vat}`;
    const s = g.sums.get(k);
    if (s) {
      s.milli += milli(l.quantity);
      s.line = { ...s.line, sum: s.line.sum + l.sum };
    } else
      g.sums.set(k, {
        milli: milli(l.quantity),
        line: { productId: l.product_id, name: l.name, quantity: '', sum: l.sum, vat: l.vat },
      });
  }
  return [...out.values()]
    .map(({ sums, ...g }) => ({
      ...g,
      lines: [...sums.values()]
        .map((s) => ({ ...s.line, quantity: quantityText(s.milli) }))
        .sort((a, b) => (a.productId ?? a.name).localeCompare(b.productId ?? b.name) || a.vat - b.vat),
    }))
    .sort(
      (a, b) => a.day.localeCompare(b.day) || a.store.localeCompare(b.store) || a.kind.localeCompare(b.kind),
    );
}

const OPERATION = { sale: 'Отпуск товара', return: 'Возврат товара' } as const;
const DOC_KIND = { sale: 'Отчет о розничных продажах', return: 'Возврат розничных продаж' } as const;
/** The other side of a day's retail sales: the retail customer (1C's «Розничный покупатель»). */
const RETAIL_CUSTOMER = { id: 'retail-customer', name: 'Розничный покупатель' } as const;

/**
 * CommerceML 2.05 documents, one per day, store and kind: "Отпуск товара" for the day's retail
 * sales and "Возврат товара" for its returns, each with its goods, and in ЗначенияРеквизитов the
 * store, the receipt count and the cash and card sums.
 *
 * Elements follow the schema's sequences (commerceml_2_05.xsd): a Документ is Ид, Номер, Дата,
 * ХозОперация, Роль, Валюта, Курс, Сумма, Контрагенты (required), …, Товары, ЗначенияРеквизитов;
 * a Товар of a document is the catalogue's Товар (Ид, Наименование, …, СтавкиНалогов, …,
 * ЗначенияРеквизитов) followed by its own ЦенаЗаЕдиницу, Количество, Сумма.
 */
export function salesCommerceMl(days: readonly StoreDaySales[], generatedAt: string): string {
  const docs = days.map((g) => {
    const goods = g.lines
      .map((l) => {
        const q = milli(l.quantity);
        const price = q === 0 ? 0 : Math.round((l.sum * 1000) / q);
        return (
          `<Товар>${l.productId !== null ? el('Ид', l.productId) : ''}${el('Наименование', l.name)}` +
          `<СтавкиНалогов><СтавкаНалога>${el('Наименование', 'НДС')}${el('Ставка', vatRate(l.vat))}</СтавкаНалога></СтавкиНалогов>` +
          `<ЗначенияРеквизитов>${requisite('КодСтавкиНДС', String(l.vat))}</ЗначенияРеквизитов>` +
          `${el('ЦенаЗаЕдиницу', roubles(price))}${el('Количество', l.quantity)}${el('Сумма', roubles(l.sum))}</Товар>\n`
        );
      })
      .join('');
    const number = `${g.store}-${g.day}-${g.kind === 'sale' ? 'П' : 'В'}`;
    return (
      `<Документ>${el('Ид', number)}${el('Номер', number)}${el('Дата', g.day)}` +
      `${el('ХозОперация', OPERATION[g.kind])}${el('Роль', 'Продавец')}${el('Валюта', 'RUB')}${el('Курс', '1')}` +
      el('Сумма', roubles(g.total)) +
      `<Контрагенты><Контрагент>${el('Ид', RETAIL_CUSTOMER.id)}${el('Наименование', RETAIL_CUSTOMER.name)}${el('Роль', 'Покупатель')}</Контрагент></Контрагенты>` +
      `<Товары>\n${goods}</Товары><ЗначенияРеквизитов>` +
      requisite('ВидДокумента', DOC_KIND[g.kind]) +
      requisite('Магазин', g.store) +
      requisite('КоличествоЧеков', String(g.receipts)) +
      requisite('ОплатаНаличными', roubles(g.cash)) +
      requisite('ОплатаКартой', roubles(g.card)) +
      '</ЗначенияРеквизитов></Документ>\n'
    );
  });
  return header(generatedAt) + docs.join('') + '</КоммерческаяИнформация>\n';
}

/** Reads documents written by salesCommerceMl back. */
export function readSalesCommerceMl(xml: string): StoreDaySales[] {
  const root = parseCommerceMl(xml, 'the sales file');
  return list(root['Документ']).map((d, i) => {
    const req = requisites(d);
    const op = text(d['ХозОперация']);
    const kind = op === OPERATION.sale ? 'sale' : op === OPERATION.return ? 'return' : undefined;
    const money = (v: string | undefined, what: string) => {
      const k = parseRoubles(v);
      if (k === undefined)
        throw new CommerceMlError(`document ${i + 1}: ${what} "${v ?? ''}" is not an amount`);
      return k;
    };
    const day = text(d['Дата']) ?? '';
    const store = req.get('Магазин');
    if (!kind || !/^\d{4}-\d{2}-\d{2}$/.test(day) || !store)
      throw new CommerceMlError(`document ${i + 1} is not a day's retail sales or returns of a store`);
    return {
      day,
      store,
      kind,
      receipts: Number(req.get('КоличествоЧеков') ?? 0),
      total: money(text(d['Сумма']), 'Сумма'),
      cash: money(req.get('ОплатаНаличными'), 'ОплатаНаличными'),
      card: money(req.get('ОплатаКартой'), 'ОплатаКартой'),
      lines: list(obj(d['Товары'])['Товар']).map((t) => {
        const code = Number(requisites(t).get('КодСтавкиНДС'));
        const rate = list(obj(t['СтавкиНалогов'])['СтавкаНалога'])[0];
        return {
          productId: text(t['Ид']) ?? null,
          name: text(t['Наименование']) ?? '',
          quantity: text(t['Количество']) ?? '0',
          sum: money(text(t['Сумма']), 'Сумма of a line'),
          vat: Number.isInteger(code) && code >= 1 && code <= 12 ? code : vatCode(text(rate?.['Ставка'])),
        };
      }),
    };
  });
}

const CSV_HEAD = ['day', 'store', 'kind', 'product_id', 'name', 'quantity', 'sum', 'vat_code'];

/** The goods lines of the same export as CSV (";"-separated), one line per day, store, kind and product. */
export function salesCsv(days: readonly StoreDaySales[]): string {
  const rows = days.flatMap((g) =>
    g.lines.map((l) =>
      csvLine([g.day, g.store, g.kind, l.productId ?? '', l.name, l.quantity, roubles(l.sum), l.vat], ';'),
    ),
  );
  return `\uFEFF${[csvLine(CSV_HEAD, ';'), ...rows].join('\r\n')}\r\n`;
}

/** Reads salesCsv back: the goods lines of each day, store and kind. */
export function readSalesCsv(csv: string): Pick<StoreDaySales, 'day' | 'store' | 'kind' | 'lines'>[] {
  const { header, rows } = parseCsv(csv);
  if (header.join(',') !== CSV_HEAD.join(',')) throw new CsvError(`the header is not ${CSV_HEAD.join(';')}`);
  const out = new Map<string, { day: string; store: string; kind: 'sale' | 'return'; lines: ExportLine[] }>();
  for (const { line, fields } of rows) {
    const [day = '', store = '', kind = '', productId = '', name = '', quantity = '', sum = '', vat = ''] =
      fields;
    const s = parseRoubles(sum);
    if ((kind !== 'sale' && kind !== 'return') || s === undefined)
      throw new CsvError(`line ${line} is not a sales line`);
    const k = `${day}\u0000${store}\u0000${kind}`;
    const g = out.get(k) ?? { day, store, kind, lines: [] };
    g.lines.push({ productId: productId || null, name, quantity, sum: s, vat: Number(vat) });
    out.set(k, g);
  }
  return [...out.values()];
}
