import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Tx } from '@openkassa/db';
import type { EmulatedSigner } from '@openkassa/emulation';
import {
  buildMessage,
  buildReceipt,
  encodeDocument,
  encodeFields,
  fiscalTimeAt,
  lineAmount,
  padInn,
  printedFiscalSign,
  type Field,
  type FiscalDocument,
  type FormCode,
  type ReceiptLine,
} from '@openkassa/fiscal';
import { DriverError, failure, type DriverFailure } from '../atol/errors.js';
import type { KktSchema } from '../store.js';

export type FfdMode = '1.05' | '1.2';

/** What the ККТ was registered with (goes into the registration report and every document). */
export interface Registration {
  readonly user: string;
  readonly userInn: string;
  readonly kktRegId: string;
  readonly kktSerial: string;
  readonly address: string;
  readonly place: string;
  /** Tag 1062 bit set. */
  readonly taxationSystems: number;
  readonly ofdInn: string;
  readonly ofdName: string;
  readonly fnsUrl: string;
  readonly senderEmail: string;
}

export interface DriveConfig {
  readonly fn: string;
  readonly ffd: FfdMode;
  /** The place of settlement's offset from UTC; fiscal times are its wall clock. */
  readonly tzOffsetMinutes: number;
  readonly registration: Registration;
}

export interface Clock {
  now(): Date;
}

export const SHIFT_LIMIT_MS = 24 * 3600_000;
export const OFD_BLOCK_MS = 30 * 24 * 3600_000;
/** Tag 1053 is raised when a document waits longer than this for its OFD confirmation. */
export const OFD_WARN_MS = 2 * 24 * 3600_000;

/** Per operation type 1..4: what the counters of the shift and of the ФН hold. */
export interface OperationTotals {
  count: number;
  total: number;
  cash: number;
  ecash: number;
  prepaid: number;
  credit: number;
  provision: number;
}
export type Totals = Record<'1' | '2' | '3' | '4', OperationTotals> & { corrections: number };

export function emptyTotals(): Totals {
  const z = (): OperationTotals => ({
    count: 0,
    total: 0,
    cash: 0,
    ecash: 0,
    prepaid: 0,
    credit: 0,
    provision: 0,
  });
  return { '1': z(), '2': z(), '3': z(), '4': z(), corrections: 0 };
}

export interface FiscalParams {
  readonly fiscalDocumentNumber: number;
  /** ISO 8601 with the place's offset, as the driver reports it. */
  readonly fiscalDocumentDateTime: string;
  readonly fiscalDocumentSign: string;
  readonly fnNumber: string;
  readonly registrationNumber: string;
  readonly shiftNumber: number;
  readonly fnsUrl: string;
  readonly fiscalReceiptNumber?: number;
  readonly total?: number;
  readonly receiptsCount?: number;
}

export interface OfdBacklog {
  readonly count: number;
  readonly oldest?: { fd: number; created_at: string; fiscal_time: number };
  readonly ageMs?: number;
  readonly late: boolean;
  readonly blocked: boolean;
}

export type DriveResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DriverFailure };
const ok = <T>(value: T): DriveResult<T> => ({ ok: true, value });
const fail = <T>(error: DriverFailure): DriveResult<T> => ({ ok: false, error });

export interface Payments {
  cash: number;
  card: number;
  prepaid: number;
  credit: number;
  provision: number;
}

export interface ReceiptCommand {
  /** 1 приход, 2 возврат прихода, 3 расход, 4 возврат расхода. */
  readonly operationType: 1 | 2 | 3 | 4;
  readonly taxation?: number;
  readonly operator?: { readonly name: string; readonly vatin?: string };
  readonly lines: readonly ReceiptLine[];
  /** What the buyer handed over; cash beyond the total is change. */
  readonly payments: Payments;
  /** The total the client computed, checked against the lines. */
  readonly total?: number;
  readonly buyerContact?: string;
  readonly place?: string;
  readonly address?: string;
  readonly correction?: {
    readonly type: 0 | 1;
    readonly baseDate: number;
    readonly baseNumber: string;
    readonly baseName?: string;
  };
}

type State = KktSchema['fn_state'];

/**
 * The fiscal drive: numbering, shift rules, the archive and the message for the OFD. Every
 * operation runs inside the caller's transaction, so a document, its counters and the task
 * result that reports it are committed together or not at all (a SIGKILL can't split them).
 */
export class FiscalDrive {
  readonly #db: Database<KktSchema>;
  readonly #signer: EmulatedSigner;
  readonly #clock: Clock;
  readonly config: DriveConfig;

  constructor(deps: { db: Database<KktSchema>; signer: EmulatedSigner; clock: Clock; config: DriveConfig }) {
    this.#db = deps.db;
    this.#signer = deps.signer;
    this.#clock = deps.clock;
    this.config = deps.config;
  }

  /** Creates the state and the registration report (form 1) on first start. */
  async init(): Promise<void> {
    await this.#db.transaction(async (tx) => {
      const existing = await tx.db.selectFrom('fn_state').selectAll().executeTakeFirst();
      if (existing) {
        if (existing.fn !== this.config.fn)
          throw new Error(`the data folder belongs to ФН ${existing.fn}, not ${this.config.fn}`);
        return;
      }
      const st: State = {
        fn: this.config.fn,
        ffd: this.config.ffd,
        registration_json: JSON.stringify(this.config.registration),
        last_fd: 0,
        shift_number: 0,
        shift_open: 0,
        shift_opened_at: null,
        receipts_in_shift: 0,
        docs_in_shift: 0,
        cash_in_drawer: 0,
        shift_totals_json: JSON.stringify(emptyTotals()),
        fn_totals_json: JSON.stringify(emptyTotals()),
      };
      await tx.db.insertInto('fn_state').values(st).execute();
      const r = await this.#issue(tx, st, 1, (ctx) => ok(this.#registrationFields(ctx)));
      if (!r.ok) throw new Error(`registration failed: ${r.error.description}`);
    });
  }

  async #state(tx: Tx<KktSchema>): Promise<State> {
    return tx.db.selectFrom('fn_state').selectAll().executeTakeFirstOrThrow();
  }

  #now(): Date {
    return this.#clock.now();
  }

  fiscalTime(at: Date = this.#now()): number {
    return fiscalTimeAt(at, this.config.tzOffsetMinutes);
  }

  /** ISO 8601 with the place's offset, e.g. 2026-11-21T18:40:00+03:00. */
  isoLocal(fiscalTime: number): string {
    const off = this.config.tzOffsetMinutes;
    const sign = off < 0 ? '-' : '+';
    const a = Math.abs(off);
    return `${new Date(fiscalTime * 1000).toISOString().slice(0, 19)}${sign}${String(Math.trunc(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
  }

  shiftState(st: Pick<State, 'shift_open' | 'shift_opened_at'>): 'closed' | 'opened' | 'expired' {
    if (st.shift_open !== 1) return 'closed';
    const opened = st.shift_opened_at ? Date.parse(st.shift_opened_at) : 0;
    return this.#now().getTime() - opened > SHIFT_LIMIT_MS ? 'expired' : 'opened';
  }

  /**
   * What the ФН holds unconfirmed by the OFD, and what that means under its rules: `late` raises
   * tag 1053 after two days, `blocked` refuses new documents after thirty.
   */
  async ofdBacklog(db: Kysely<KktSchema>): Promise<OfdBacklog> {
    const count = await db
      .selectFrom('fn_documents')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('confirmed_at', 'is', null)
      .executeTakeFirstOrThrow();
    const oldest = await db
      .selectFrom('fn_documents')
      .select(['fd', 'created_at', 'fiscal_time'])
      .where('confirmed_at', 'is', null)
      .orderBy('fd')
      .limit(1)
      .executeTakeFirst();
    const age = oldest ? this.#now().getTime() - Date.parse(oldest.created_at) : 0;
    return {
      count: count.n,
      ...(oldest && { oldest, ageMs: age }),
      late: age > OFD_WARN_MS,
      blocked: age > OFD_BLOCK_MS,
    };
  }

  async openShift(
    tx: Tx<KktSchema>,
    operator?: { name: string; vatin?: string },
  ): Promise<DriveResult<FiscalParams>> {
    const st = await this.#state(tx);
    if (st.shift_open === 1)
      return fail(
        this.shiftState(st) === 'expired' ? DriverError.shiftExpired : DriverError.deniedInOpenedShift,
      );
    const shift = st.shift_number + 1;
    const next: State = {
      ...st,
      shift_number: shift,
      shift_open: 1,
      shift_opened_at: this.#now().toISOString(),
      receipts_in_shift: 0,
      docs_in_shift: 0,
      shift_totals_json: JSON.stringify(emptyTotals()),
    };
    const flags = await this.#warningFlags(tx);
    return this.#issue(tx, next, 2, (ctx) =>
      ok([
        ...this.#header(),
        ...this.#operator(operator),
        { tag: 1012, value: ctx.fiscalTime },
        { tag: 1038, value: shift },
        { tag: 1037, value: this.#regId() },
        ...(this.config.ffd === '1.2' ? flags : flags.filter((f) => f.tag === 1053 && f.value === 1)),
        { tag: 1188, value: 'EMU 1.0' },
        { tag: 1189, value: this.#ffdCode() },
        { tag: 1040, value: ctx.fd },
        { tag: 1041, value: this.config.fn },
      ]),
    );
  }

  async closeShift(
    tx: Tx<KktSchema>,
    operator?: { name: string; vatin?: string },
  ): Promise<DriveResult<FiscalParams>> {
    const st = await this.#state(tx);
    if (st.shift_open !== 1) return fail(DriverError.deniedInClosedShift);
    const backlog = await this.ofdBacklog(tx.db);
    const flags = await this.#warningFlags(tx);
    const next: State = { ...st, shift_open: 0, shift_opened_at: null };
    const shiftTotals = JSON.parse(st.shift_totals_json) as Totals;
    const fnTotals = JSON.parse(st.fn_totals_json) as Totals;
    const r = await this.#issue(tx, next, 5, (ctx) =>
      ok([
        ...this.#header(),
        ...this.#operator(operator),
        { tag: 1012, value: ctx.fiscalTime },
        { tag: 1038, value: st.shift_number },
        { tag: 1037, value: this.#regId() },
        { tag: 1118, value: st.receipts_in_shift },
        { tag: 1111, value: st.docs_in_shift + 1 },
        { tag: 1097, value: backlog.count },
        ...(backlog.oldest ? [{ tag: 1098, value: backlog.oldest.fiscal_time }] : []),
        ...(this.config.ffd === '1.2' ? flags : flags.filter((f) => f.tag === 1053 && f.value === 1)),
        ...(this.config.ffd === '1.2'
          ? [
              { tag: 1213, value: 400 },
              { tag: 1194, value: countersFields(shiftTotals) },
              { tag: 1157, value: countersFields(fnTotals) },
            ]
          : []),
        { tag: 1040, value: ctx.fd },
        { tag: 1041, value: this.config.fn },
      ]),
    );
    return r.ok ? ok({ ...r.value, receiptsCount: st.receipts_in_shift }) : r;
  }

  /** Receipts and correction receipts (forms 3 and 31). */
  async receipt(tx: Tx<KktSchema>, cmd: ReceiptCommand): Promise<DriveResult<FiscalParams>> {
    const st = await this.#state(tx);
    const shift = this.shiftState(st);
    if (shift === 'closed') return fail(DriverError.deniedInClosedShift);
    if (shift === 'expired') return fail(DriverError.shiftExpired);
    const reg = JSON.parse(st.registration_json) as Registration;
    const taxation = cmd.taxation ?? lowestBit(reg.taxationSystems);
    if ((reg.taxationSystems & taxation) === 0)
      return fail(failure(DriverError.invalidTaxationType, `${taxation} is not registered`));
    const due = cmd.lines.reduce((a, l) => a + lineAmount(l.price, l.quantity), 0);
    if (cmd.total !== undefined && cmd.total !== due)
      return fail(failure(DriverError.invalidTotal, `total ${cmd.total} ≠ sum of items ${due}`));
    const p = cmd.payments;
    const nonCash = p.card + p.prepaid + p.credit + p.provision;
    if (nonCash > due) return fail(DriverError.nonCashTooMuch);
    if (nonCash + p.cash < due)
      return fail(failure(DriverError.notFullyPaid, `paid ${nonCash + p.cash} of ${due}`));
    const cashKept = due - nonCash;
    const outgoing = cmd.operationType === 2 || cmd.operationType === 3;
    if (outgoing && cashKept > st.cash_in_drawer)
      return fail(failure(DriverError.noCash, `${cashKept} needed, ${st.cash_in_drawer} in the drawer`));

    const receiptNumber = st.receipts_in_shift + 1;
    const totals = (json: string) => {
      const t = JSON.parse(json) as Totals;
      const o = t[String(cmd.operationType) as '1'];
      o.count++;
      o.total += due;
      o.cash += cashKept;
      o.ecash += p.card;
      o.prepaid += p.prepaid;
      o.credit += p.credit;
      o.provision += p.provision;
      if (cmd.correction) t.corrections++;
      return JSON.stringify(t);
    };
    const next: State = {
      ...st,
      receipts_in_shift: receiptNumber,
      cash_in_drawer: st.cash_in_drawer + (outgoing ? -cashKept : cashKept),
      shift_totals_json: totals(st.shift_totals_json),
      fn_totals_json: totals(st.fn_totals_json),
    };
    const correction = cmd.correction;
    const form: FormCode = correction ? 31 : 3;
    const r = await this.#issue(tx, next, form, (ctx) => {
      const built = buildReceipt({
        ffd: this.config.ffd,
        form,
        operationType: cmd.operationType,
        taxation,
        lines: cmd.lines,
        payments: {
          cash: cashKept,
          card: p.card,
          prepaid: p.prepaid,
          credit: p.credit,
          provision: p.provision,
        },
        user: reg.user,
        userInn: reg.userInn,
        kktRegId: reg.kktRegId,
        address: cmd.address ?? reg.address,
        place: cmd.place ?? reg.place,
        ...(cmd.operator && { cashier: cmd.operator.name }),
        ...(cmd.operator?.vatin !== undefined && { cashierInn: cmd.operator.vatin }),
        ...(cmd.buyerContact !== undefined && { buyerContact: cmd.buyerContact }),
        ...(correction && {
          extraFields: [
            { tag: 1173, value: correction.type },
            {
              tag: 1174,
              value: [
                ...(this.config.ffd === '1.05' && correction.baseName !== undefined
                  ? [{ tag: 1177, value: correction.baseName }]
                  : []),
                { tag: 1178, value: correction.baseDate },
                { tag: 1179, value: correction.baseNumber },
              ],
            },
          ],
        }),
        fnNumber: this.config.fn,
        fdNumber: ctx.fd,
        shiftNumber: st.shift_number,
        receiptNumber,
        dateTime: ctx.fiscalTime,
        fiscalSign: new Uint8Array(6),
      });
      if (!built.ok) return fail(failure(DriverError.invalidParam, built.error));
      return ok(built.value.fields.filter((f) => f.tag !== 1077));
    });
    return r.ok ? ok({ ...r.value, fiscalReceiptNumber: receiptNumber, total: due }) : r;
  }

  async cashMove(
    tx: Tx<KktSchema>,
    direction: 'in' | 'out',
    amount: number,
  ): Promise<DriveResult<{ cashSum: number }>> {
    const st = await this.#state(tx);
    const shift = this.shiftState(st);
    if (shift === 'closed') return fail(DriverError.deniedInClosedShift);
    if (shift === 'expired') return fail(DriverError.shiftExpired);
    if (direction === 'out' && amount > st.cash_in_drawer)
      return fail(failure(DriverError.noCash, `${st.cash_in_drawer} in the drawer`));
    const cash = st.cash_in_drawer + (direction === 'in' ? amount : -amount);
    await tx.db.updateTable('fn_state').set({ cash_in_drawer: cash }).execute();
    return ok({ cashSum: cash });
  }

  /** Issues one document: number, sign, archive row and message, all in the caller's transaction. */
  async #issue(
    tx: Tx<KktSchema>,
    next: State,
    form: FormCode,
    build: (ctx: { fd: number; fiscalTime: number }) => DriveResult<Field[]>,
  ): Promise<DriveResult<FiscalParams>> {
    if ((await this.ofdBacklog(tx.db)).blocked) return fail(DriverError.fnOfdTimeout);
    const now = this.#now();
    const fd = next.last_fd + 1;
    const fiscalTime = this.fiscalTime(now);
    const fields = build({ fd, fiscalTime });
    if (!fields.ok) return fields;
    const unsigned = encodeFields(fields.value);
    if (!unsigned.ok) return fail(failure(DriverError.invalidParam, unsigned.error.message));
    const doc: FiscalDocument = {
      form,
      fields: [
        ...fields.value,
        { tag: 1077, value: this.#signer.documentSign(this.config.fn, unsigned.value) },
      ],
    };
    const bytes = encodeDocument(doc);
    if (!bytes.ok) return fail(failure(DriverError.invalidParam, bytes.error.message));
    const message = buildMessage({
      pVersion: this.config.ffd === '1.2' ? 0x0120 : 0x0001,
      fnNumber: this.config.fn,
      fdNumber: fd,
      dataType: form,
      document: bytes.value,
      trailer: this.#signer.messageTrailer(this.config.fn, fd, bytes.value),
      serviceData2Prefix: createHmac('sha256', this.config.fn).update(String(fd)).digest().subarray(0, 10),
    });
    if (!message.ok) return fail(failure(DriverError.invalidParam, message.error.message));
    await tx.db
      .insertInto('fn_documents')
      .values({
        fd,
        form,
        fiscal_time: fiscalTime,
        created_at: now.toISOString(),
        shift_number: next.shift_number,
        document: bytes.value,
        message: message.value,
        confirmed_at: null,
        answer_code: null,
        answer: null,
        attempts: 0,
        last_error: null,
      })
      .execute();
    await tx.db
      .updateTable('fn_state')
      .set({
        ...next,
        last_fd: fd,
        docs_in_shift: next.shift_open === 1 || form === 5 ? next.docs_in_shift + 1 : next.docs_in_shift,
      })
      .execute();
    return ok({
      fiscalDocumentNumber: fd,
      fiscalDocumentDateTime: this.isoLocal(fiscalTime),
      fiscalDocumentSign: String(printedFiscalSign(doc) ?? 0),
      fnNumber: this.config.fn,
      registrationNumber: this.config.registration.kktRegId.trim(),
      shiftNumber: next.shift_number,
      fnsUrl: this.config.registration.fnsUrl,
    });
  }

  #ffdCode(): number {
    return this.config.ffd === '1.2' ? 4 : 2;
  }

  #regId(): string {
    return this.config.registration.kktRegId.padEnd(20, ' ');
  }

  #header(): Field[] {
    const r = this.config.registration;
    return [
      { tag: 1209, value: this.#ffdCode() },
      { tag: 1048, value: r.user },
      { tag: 1018, value: padInn(r.userInn) },
      { tag: 1009, value: r.address },
      { tag: 1187, value: r.place },
    ];
  }

  #operator(op?: { name: string; vatin?: string }): Field[] {
    if (!op) return [];
    return [
      { tag: 1021, value: op.name },
      ...(op.vatin !== undefined ? [{ tag: 1203, value: padInn(op.vatin) }] : []),
    ];
  }

  async #warningFlags(tx: Tx<KktSchema>): Promise<Field[]> {
    const { late } = await this.ofdBacklog(tx.db);
    return [
      { tag: 1050, value: 0 },
      { tag: 1051, value: 0 },
      { tag: 1052, value: 0 },
      { tag: 1053, value: late ? 1 : 0 },
    ];
  }

  #registrationFields(ctx: { fd: number; fiscalTime: number }): Field[] {
    const r = this.config.registration;
    const v12 = this.config.ffd === '1.2';
    return [
      ...this.#header(),
      { tag: 1021, value: 'Администратор' },
      { tag: 1012, value: ctx.fiscalTime },
      { tag: 1037, value: this.#regId() },
      { tag: 1062, value: r.taxationSystems },
      { tag: 1017, value: padInn(r.ofdInn) },
      { tag: 1046, value: r.ofdName },
      { tag: 1060, value: r.fnsUrl },
      { tag: 1117, value: r.senderEmail },
      { tag: 1013, value: r.kktSerial },
      { tag: 1188, value: 'EMU 1.0' },
      { tag: 1189, value: this.#ffdCode() },
      { tag: 1190, value: this.#ffdCode() },
      { tag: 1001, value: 0 },
      { tag: 1002, value: 0 },
      { tag: 1056, value: 0 },
      ...(v12
        ? [{ tag: 1290, value: 0 }]
        : [
            { tag: 1108, value: 0 },
            { tag: 1109, value: 0 },
            { tag: 1110, value: 0 },
            { tag: 1126, value: 0 },
            { tag: 1193, value: 0 },
            { tag: 1207, value: 0 },
            { tag: 1221, value: 0 },
          ]),
      { tag: 1213, value: 400 },
      { tag: 1040, value: ctx.fd },
      { tag: 1041, value: this.config.fn },
    ];
  }
}

function lowestBit(mask: number): number {
  for (let b = 1; b <= 32; b <<= 1) if (mask & b) return b;
  return 1;
}

const COUNTER_TAGS = { '1': 1129, '2': 1130, '3': 1131, '4': 1132 } as const;

/** Counters STLV (1194 / 1157): receipt count and, per operation, count and sums. */
function countersFields(t: Totals): Field[] {
  const all = (['1', '2', '3', '4'] as const).reduce((a, k) => a + t[k].count, 0);
  return [
    { tag: 1134, value: all },
    ...(['1', '2', '3', '4'] as const).map((k) => ({
      tag: COUNTER_TAGS[k],
      value: [
        { tag: 1135, value: t[k].count },
        { tag: 1201, value: t[k].total },
        { tag: 1136, value: t[k].cash },
        { tag: 1138, value: t[k].ecash },
        { tag: 1218, value: t[k].prepaid },
        { tag: 1219, value: t[k].credit },
        { tag: 1220, value: t[k].provision },
      ],
    })),
  ];
}
