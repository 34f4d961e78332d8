import { z } from 'zod';

/**
 * Sales documents as tills upload them and store servers forward them: one shape at every
 * level, identified by the id the till generated, so a re-sent document is recognised anywhere.
 * Money is integer kopecks; quantities are decimal text ("1.234"), never binary floats.
 */

const kopecks = z
  .number()
  .int()
  .min(0)
  .max(2 ** 47);
const code = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w.-]+$/, 'letters, digits, "_", "." or "-"');

/** `void`: lines taken off a receipt before payment (not fiscal; for loss-prevention reports). */
export const DOCUMENT_KINDS = [
  'sale',
  'return',
  'cashIn',
  'cashOut',
  'shiftOpen',
  'shiftClose',
  'void',
] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export const salesLine = z.object({
  productId: z.string().max(128).optional(),
  barcode: z.string().max(64).optional(),
  name: z.string().min(1).max(128),
  /** Decimal text with up to three decimals ("2", "0.345"). */
  quantity: z.string().regex(/^\d{1,9}(\.\d{1,3})?$/, 'a decimal with up to 3 decimals'),
  price: kopecks,
  sum: kopecks,
  /** VAT rate code of the ФФД (1–12). */
  vat: z.number().int().min(1).max(12),
  weighted: z.boolean().optional(),
  /** The catalogue's price, when the cashier sold at another (a price override, with its approval). */
  listPrice: kopecks.optional(),
});
export type SalesLine = z.infer<typeof salesLine>;

/** What the ККТ reported for the document (absent when it printed nothing fiscal). */
export const fiscalParams = z.object({
  fn: z.string().regex(/^\d{16}$/),
  fd: z.number().int().min(1),
  fp: z.string().max(20),
  shift: z.number().int().min(0),
  receiptNumber: z.number().int().min(0).optional(),
  at: z.string().max(40),
});
export type FiscalParams = z.infer<typeof fiscalParams>;

/** The ККТ's own shift totals at close, kept with the shift-close document. */
export const shiftTotals = z.object({
  sell: z.object({ count: z.number().int().min(0), sum: kopecks }),
  sellReturn: z.object({ count: z.number().int().min(0), sum: kopecks }),
  cashInDrawer: z.number().int(),
});
export type ShiftTotals = z.infer<typeof shiftTotals>;

export const salesDocument = z.object({
  id: z.uuid(),
  store: code,
  till: code,
  kind: z.enum(DOCUMENT_KINDS),
  /** When the till recorded it, UTC ISO. */
  at: z.iso.datetime({ offset: true }),
  /** The ККТ shift it belongs to. */
  shift: z.number().int().min(0),
  /** The till's own running number, unique per till. */
  number: z.number().int().min(1),
  cashier: z.string().min(1).max(64),
  total: kopecks,
  lines: z.array(salesLine).max(1000).default([]),
  payments: z.object({ cash: kopecks, card: kopecks }).default({ cash: 0, card: 0 }),
  /** For a return: the id of the sale it returns. */
  originalId: z.uuid().optional(),
  fiscal: fiscalParams.optional(),
  kktTotals: shiftTotals.optional(),
  /** A supervisor's PIN allowed what the cashier's role does not (a return, a void, a cash-out…). */
  approval: z
    .object({
      by: z.string().min(1).max(64),
      name: z.string().min(1).max(64),
      role: z.string().min(1).max(32),
      permission: z.string().min(1).max(32),
    })
    .optional(),
  catalogVersion: z.number().int().min(0).optional(),
});
export type SalesDocument = z.infer<typeof salesDocument>;
export type SalesDocumentInput = z.input<typeof salesDocument>;

export const MAX_BATCH = 500;

export const salesBatch = z.object({ documents: z.array(salesDocument).min(1).max(MAX_BATCH) });
export type SalesBatch = z.infer<typeof salesBatch>;

export type ItemStatus = 'stored' | 'duplicate' | 'rejected';
export interface ItemResult {
  readonly id: string;
  readonly status: ItemStatus;
  /** Why it was rejected; a rejected document is not stored and must not be re-sent unchanged. */
  readonly reason?: string;
  /**
   * A fiscalised document that breaks a rule is stored all the same, held for review with this
   * reason (it happened: the ККТ printed it), never refused.
   */
  readonly review?: string;
}
export interface BatchResult {
  readonly results: ItemResult[];
}

/**
 * Checks a document beyond its shape: sums agree. Returns the reason it cannot be stored, or
 * undefined. The same rule runs on the till before upload and on every server.
 */
export function salesDocumentProblem(d: SalesDocument, lang: 'en' | 'ru' = 'en'): string | undefined {
  const say = (en: string, ru: string) => (lang === 'ru' ? ru : en);
  const linesSum = d.lines.reduce((s, l) => s + l.sum, 0);
  switch (d.kind) {
    case 'sale':
    case 'return': {
      if (d.lines.length === 0) return say(`${d.kind} has no lines`, 'в документе нет строк');
      if (linesSum !== d.total)
        return say(
          `lines add up to ${linesSum}, total is ${d.total}`,
          `строки дают ${rubText(linesSum)}, а сумма документа ${rubText(d.total)}`,
        );
      const paid = d.payments.cash + d.payments.card;
      if (paid !== d.total)
        return say(
          `payments add up to ${paid}, total is ${d.total}`,
          `оплата ${rubText(paid)} не равна сумме документа ${rubText(d.total)}`,
        );
      if (d.kind === 'return' && d.originalId === d.id)
        return say('a return cannot return itself', 'возврат не может возвращать сам себя');
      return undefined;
    }
    case 'void': {
      if (d.lines.length === 0) return say('void has no lines', 'в аннулировании нет строк');
      if (linesSum !== d.total)
        return say(
          `lines add up to ${linesSum}, total is ${d.total}`,
          `строки дают ${rubText(linesSum)}, а сумма документа ${rubText(d.total)}`,
        );
      if (d.payments.cash + d.payments.card !== 0)
        return say('a void carries no payments', 'аннулирование не содержит оплат');
      if (d.fiscal) return say('a void is not fiscal', 'аннулирование не фискальный документ');
      return undefined;
    }
    case 'cashIn':
    case 'cashOut':
      if (d.lines.length > 0)
        return say(`${d.kind} carries no lines`, 'внесение и выплата не содержат строк');
      if (d.total <= 0) return say(`${d.kind} of zero`, 'сумма внесения или выплаты должна быть больше нуля');
      return undefined;
    case 'shiftOpen':
    case 'shiftClose':
      if (d.lines.length > 0)
        return say(`${d.kind} carries no lines`, 'открытие и закрытие смены не содержат строк');
      return undefined;
  }
}

/** Russian names of a sales document's fields, for the cashier's screen. */
const FIELD_NAMES_RU: Record<string, string> = {
  quantity: 'количество',
  price: 'цена',
  sum: 'сумма строки',
  listPrice: 'цена по каталогу',
  name: 'наименование',
  vat: 'ставка НДС',
  barcode: 'штрихкод',
  productId: 'код товара',
  total: 'сумма документа',
  cash: 'наличные',
  card: 'оплата картой',
  lines: 'строки',
  cashier: 'кассир',
  shift: 'смена',
  number: 'номер документа',
};

/** A money amount in roubles for a message: 1234567 → "12345,67 ₽". */
const rubText = (kopecks: unknown) =>
  typeof kopecks === 'number' ? `${(kopecks / 100).toFixed(2).replace('.', ',')} ₽` : String(kopecks);

/** The first issue of a failed parse of `root`, in Russian, naming the line and the field. */
function issueRu(issue: z.core.$ZodIssue, root: unknown, lineNo?: number): string {
  const field = [...issue.path].reverse().find((p) => typeof p === 'string') ?? '';
  const n = issue.path[0] === 'lines' && typeof issue.path[1] === 'number' ? issue.path[1] + 1 : lineNo;
  let value: unknown = root;
  for (const p of issue.path) value = (value as Record<PropertyKey, unknown> | null | undefined)?.[p];
  const where = n !== undefined ? `строка ${n}: ` : '';
  const name = FIELD_NAMES_RU[field] ?? field;
  switch (field) {
    case 'quantity':
      return `${where}количество ${String(value)} недопустимо: не больше 999 999 999,999 и не больше трёх знаков после запятой`;
    case 'price':
    case 'sum':
    case 'listPrice':
    case 'total':
    case 'cash':
    case 'card':
      return `${where}${name} ${rubText(value)} вне допустимых пределов (от 0 до ${rubText(2 ** 47)})`;
    case 'name':
      return `${where}наименование должно быть от 1 до 128 символов`;
    case 'lines':
      return 'в документе больше 1000 строк';
    default:
      return `${where}${name || 'документ'}: ${issue.message}`;
  }
}

/**
 * Why a document the till is about to send to the ККТ would be refused by its server — the same
 * schema and rules every server applies — in Russian for the cashier, or undefined. A document
 * the ККТ has fiscalised must reach the servers, so the till asks this first.
 */
export function salesDocumentRefusalRu(d: unknown): string | undefined {
  const parsed = salesDocument.safeParse(d);
  if (!parsed.success) return issueRu(parsed.error.issues[0]!, d);
  return salesDocumentProblem(parsed.data, 'ru');
}

/** The same for one line as it is scanned (`lineNo` from 1), so a line no server takes never joins a receipt. */
export function salesLineRefusalRu(line: unknown, lineNo?: number): string | undefined {
  const parsed = salesLine.safeParse(line);
  return parsed.success ? undefined : issueRu(parsed.error.issues[0]!, line, lineNo);
}

/** A zod error as one line naming the fields: "documents.0.total: Too small…". */
export function describeZodError(e: z.ZodError): string {
  return e.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
    .join('; ');
}

/** Count and sums of one kind of document (sales, returns…) in a shift. */
export interface KindTotals {
  readonly count: number;
  readonly total: number;
  readonly cash: number;
  readonly card: number;
}

/**
 * Totals of `kind` from rows grouped by kind, as SQL gives them (PostgreSQL sums arrive as
 * text, missing kinds as no row): the shape every X/Z report uses, on the till and the server.
 */
export function kindTotals(
  rows: readonly { kind: string; count: unknown; total: unknown; cash: unknown; card: unknown }[],
  kind: DocumentKind,
): KindTotals {
  const r = rows.find((x) => x.kind === kind);
  return {
    count: Number(r?.count ?? 0),
    total: Number(r?.total ?? 0),
    cash: Number(r?.cash ?? 0),
    card: Number(r?.card ?? 0),
  };
}
