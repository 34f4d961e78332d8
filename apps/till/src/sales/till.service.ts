import type { Database, Tx } from '@openkassa/db';
import {
  kindTotals,
  salesDocumentRefusalRu,
  type KindTotals,
  type DocumentKind,
  type FiscalParams,
  type SalesDocument,
  type ShiftTotals,
} from '@openkassa/contracts';
import { lineAmount, parseDecimal, VatRate, type WeightedLayout } from '@openkassa/fiscal';
import { scan, type ScannedLine } from '../catalog/index.js';
import { catalogCursor } from '../catalog/index.js';
import { can, userByPin, type Permission, type User } from '../auth/index.js';
import { AtolClient, KktUnreachable, type RequestOutcome, type TaskResult } from '../kkt/index.js';
import { readSetting, writeSetting } from '../settings.js';
import type { DocumentsTable, TillSchema } from '../schema.js';

export type Refusal = { readonly ok: false; readonly code: string; readonly message: string };
export type Outcome<T> = { readonly ok: true; readonly value: T } | Refusal;

const refuse = (code: string, message: string): Refusal => ({ ok: false, code, message });

export interface ShiftState {
  readonly number: number;
  readonly open: boolean;
  readonly openedAt: string | null;
}

export interface TillTotals {
  readonly sale: KindTotals;
  readonly return: KindTotals;
  readonly cashIn: number;
  readonly cashOut: number;
  /** Cash that should be in the drawer by the till's own documents. */
  readonly cashInDrawer: number;
}

export interface ShiftReportView {
  readonly shift: number;
  readonly till: TillTotals;
  readonly kkt: ShiftTotals | null;
  /** The till's documents and the ККТ's counters give the same totals. */
  readonly agree: boolean | null;
}

export interface DocumentView {
  readonly id: string;
  readonly number: number;
  readonly kind: string;
  readonly state: string;
  readonly shift: number;
  readonly cashier: string;
  readonly createdAt: string;
  readonly total: number;
  readonly cash: number;
  readonly card: number;
  readonly tendered: number;
  readonly change: number;
  readonly lines: ScannedLine[];
  readonly originalId: string | null;
  readonly fiscal: FiscalParams | null;
  readonly error: string | null;
}

export interface SaleRequest {
  /** `price`: another price than the catalogue's for this line (kopecks): a price override. */
  readonly lines: readonly {
    readonly barcode: string;
    readonly quantity?: string;
    readonly price?: number;
  }[];
  /** Card part in kopecks; the rest is cash. */
  readonly card: number;
  /** Cash handed over by the customer (≥ the cash part); the difference is change. */
  readonly cashTendered: number;
}

export interface TillDeps {
  readonly db: Database<TillSchema>;
  readonly kkt: AtolClient;
  readonly store: string;
  readonly till: string;
  readonly clock: { now(): Date };
  readonly ids: { uuid(): string };
  readonly layouts: () => readonly WeightedLayout[];
  readonly taxation?: string;
  /** The store lets a return go without the sale's receipt (by the goods, with a manager). */
  readonly allowReturnWithoutReceipt?: boolean;
  /** A finished document went into the outbox. */
  readonly onDocument: () => void;
  readonly log: { warn(m: string): void };
}

const VAT_NAME: Record<number, string> = Object.fromEntries(Object.entries(VatRate).map(([n, c]) => [c, n]));
const rub = (k: number) => k / 100;
const RUB = new Intl.NumberFormat('ru-RU', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
/** Kopecks as the cashier reads them: "1 234,50 ₽". */
const fmt = (k: number) => `${RUB.format(k / 100)} ₽`;
const kop = (r: unknown) => Math.round(Number(r ?? 0) * 100);

/** Local time with the machine's offset: the business day is the store's, not UTC's. */
export function isoLocal(d: Date): string {
  const off = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + off * 60_000).toISOString().slice(0, 19);
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

function fiscalFrom(r: TaskResult | undefined): FiscalParams | undefined {
  const p = r?.result?.fiscalParams as Record<string, unknown> | undefined;
  if (!p) return undefined;
  return {
    fn: String(p.fnNumber),
    fd: Number(p.fiscalDocumentNumber),
    fp: String(p.fiscalDocumentSign),
    shift: Number(p.shiftNumber),
    ...(p.fiscalReceiptNumber !== undefined && { receiptNumber: Number(p.fiscalReceiptNumber) }),
    at: String(p.fiscalDocumentDateTime),
  };
}

function totalsFrom(r: TaskResult | undefined): ShiftTotals | undefined {
  const t = r?.result?.shiftTotals as
    { receipts?: Record<string, { count?: number; sum?: number }>; cashSum?: number } | undefined;
  if (!t) return undefined;
  const op = (k: string) => ({ count: t.receipts?.[k]?.count ?? 0, sum: kop(t.receipts?.[k]?.sum) });
  return { sell: op('sell'), sellReturn: op('sellReturn'), cashInDrawer: kop(t.cashSum) };
}

/**
 * The till's operations. Every fiscal operation is first committed locally as a pending
 * document carrying the uuid of its ККТ request, then sent to the ККТ; its outcome is recorded
 * when the ККТ answers, or recovered from the ККТ by that uuid after a crash or a lost answer.
 * So a receipt is never fiscalised twice and never lost. One ККТ operation at a time.
 */
export class TillService {
  readonly #d: TillDeps;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(deps: TillDeps) {
    this.#d = deps;
  }

  /** Runs `fn` after every earlier ККТ operation of this till has finished. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn, fn);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async shift(): Promise<ShiftState> {
    return (
      (await readSetting<ShiftState>(this.#d.db.db, 'shift')) ?? { number: 0, open: false, openedAt: null }
    );
  }

  async #setShift(tx: Tx<TillSchema>, s: ShiftState): Promise<void> {
    await writeSetting(tx.db, 'shift', s);
  }

  async pendingCount(): Promise<number> {
    const r = await this.#d.db.db
      .selectFrom('documents')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('state', '=', 'pending')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  // ---- the fiscal operations -------------------------------------------------------------

  openShift(user: User): Promise<Outcome<DocumentView>> {
    return this.#operation(user, 'shift', undefined, async () => {
      const s = await this.shift();
      if (s.open) return refuse('shift-open', `Смена ${s.number} уже открыта`);
      return this.#fiscalise({
        kind: 'shiftOpen',
        user,
        shift: s.number + 1,
        total: 0,
        tasks: [{ type: 'openShift', operator: { name: user.name } }],
      });
    });
  }

  sell(user: User, req: SaleRequest, approvalPin?: string): Promise<Outcome<DocumentView>> {
    // a price other than the catalogue's is a price override: the role for it, or an approval
    const override = req.lines.some((l) => l.price !== undefined);
    return this.#operation(user, override ? 'priceOverride' : 'sell', approvalPin, async (approval) => {
      const priced = await this.#price(req.lines, req.card, {
        empty: 'В чеке нет товаров',
        cardTooBig: 'Сумма по карте больше суммы чека',
      });
      if (!priced.ok) return priced;
      const { shift, lines, total, cash } = priced.value;
      if (!Number.isSafeInteger(req.cashTendered) || req.cashTendered < cash)
        return refuse('bad-payment', `Недостаточно наличных: нужно ${fmt(cash)}`);
      return this.#fiscalise({
        kind: 'sale',
        user,
        shift,
        total,
        cash,
        card: req.card,
        tendered: req.cashTendered,
        lines,
        approval,
        tasks: [this.#receiptTask('sell', user, lines, cash, req.card, total)],
      });
    });
  }

  /**
   * A return without the sale's receipt: the goods are scanned again and the money goes back in
   * cash (or to the card given). Only where the store allows it, and only with the right role.
   */
  returnWithoutReceipt(
    user: User,
    req: { readonly lines: SaleRequest['lines']; readonly card: number },
    approvalPin?: string,
  ): Promise<Outcome<DocumentView>> {
    if (req.lines.some((l) => l.price !== undefined))
      return Promise.resolve(refuse('bad-price', 'Цену меняют только при продаже'));
    return this.#operation(user, 'returnWithoutReceipt', approvalPin, async (approval) => {
      if (!this.#d.allowReturnWithoutReceipt)
        return refuse('not-allowed', 'Возврат без чека в этом магазине не разрешён');
      const priced = await this.#price(req.lines, req.card, {
        empty: 'Нечего возвращать',
        cardTooBig: 'Сумма на карту больше суммы возврата',
      });
      if (!priced.ok) return priced;
      const { shift, lines, total, cash } = priced.value;
      if (cash > 0) {
        const t = await this.tillTotals(shift);
        if (cash > t.cashInDrawer) return refuse('not-enough-cash', `В кассе только ${fmt(t.cashInDrawer)}`);
      }
      return this.#fiscalise({
        kind: 'return',
        user,
        shift,
        total,
        cash,
        card: req.card,
        tendered: cash,
        lines,
        approval,
        tasks: [this.#receiptTask('sellReturn', user, lines, cash, req.card, total)],
      });
    });
  }

  /** A return of some lines (by index; all if omitted) of an earlier sale of this till. */
  returnByReceipt(
    user: User,
    req: { readonly number: number; readonly lines?: readonly number[] },
    approvalPin?: string,
  ): Promise<Outcome<DocumentView>> {
    return this.#operation(user, 'return', approvalPin, async (approval) => {
      const s = await this.shift();
      if (!s.open) return refuse('no-shift', 'Смена не открыта: откройте смену');
      const orig = await this.#d.db.db
        .selectFrom('documents')
        .selectAll()
        .where('number', '=', req.number)
        .executeTakeFirst();
      if (!orig || orig.kind !== 'sale' || orig.state !== 'done')
        return refuse('no-receipt', `Чек продажи № ${req.number} не найден`);
      const origLines = JSON.parse(orig.lines_json) as ScannedLine[];
      const previous = await this.#d.db.db
        .selectFrom('documents')
        .select(['lines_json', 'card'])
        .where('original_id', '=', orig.id)
        .where('state', '!=', 'failed')
        .execute();
      const returned = new Set(
        previous.flatMap((p) =>
          (JSON.parse(p.lines_json) as (ScannedLine & { origIndex?: number })[]).map((l) => l.origIndex),
        ),
      );
      const wanted = req.lines ?? origLines.map((_, i) => i);
      const lines: (ScannedLine & { origIndex: number })[] = [];
      for (const i of wanted) {
        const l = origLines[i];
        if (!l) return refuse('bad-line', `В чеке № ${req.number} нет позиции ${i + 1}`);
        if (returned.has(i)) return refuse('already-returned', `Позиция «${l.name}» уже возвращена`);
        lines.push({ ...l, origIndex: i });
      }
      if (lines.length === 0) return refuse('empty', 'Нечего возвращать');
      const total = lines.reduce((a, l) => a + l.sum, 0);
      // Money goes back the way it came: card first, up to what the card paid and is not yet refunded.
      const cardLeft = orig.card - previous.reduce((a, p) => a + p.card, 0);
      const card = Math.max(0, Math.min(cardLeft, total));
      const cash = total - card;
      if (cash > 0) {
        const t = await this.tillTotals(s.number);
        if (cash > t.cashInDrawer) return refuse('not-enough-cash', `В кассе только ${fmt(t.cashInDrawer)}`);
      }
      return this.#fiscalise({
        kind: 'return',
        user,
        shift: s.number,
        total,
        cash,
        card,
        tendered: cash,
        lines,
        originalId: orig.id,
        approval,
        tasks: [this.#receiptTask('sellReturn', user, lines, cash, card, total)],
      });
    });
  }

  cashMove(
    user: User,
    direction: 'in' | 'out',
    amount: number,
    approvalPin?: string,
  ): Promise<Outcome<DocumentView>> {
    return this.#operation(user, direction === 'in' ? 'cashIn' : 'cashOut', approvalPin, async (approval) => {
      const s = await this.shift();
      if (!s.open) return refuse('no-shift', 'Смена не открыта: откройте смену');
      if (!Number.isSafeInteger(amount) || amount <= 0)
        return refuse('bad-amount', 'Сумма должна быть больше нуля');
      if (direction === 'out') {
        const t = await this.tillTotals(s.number);
        if (amount > t.cashInDrawer)
          return refuse('not-enough-cash', `В кассе только ${fmt(t.cashInDrawer)}`);
      }
      return this.#fiscalise({
        kind: direction === 'in' ? 'cashIn' : 'cashOut',
        user,
        shift: s.number,
        total: amount,
        cash: amount,
        approval,
        tasks: [
          {
            type: direction === 'in' ? 'cashIn' : 'cashOut',
            cashSum: rub(amount),
            operator: { name: user.name },
          },
        ],
      });
    });
  }

  /**
   * Lines taken off a receipt before payment (one line, or the whole receipt voided) are kept as
   * a `void` document: not fiscal, so the ККТ never hears of it, but uploaded like the others so
   * the head office sees voids per cashier.
   */
  recordVoid(user: User, wanted: SaleRequest['lines'], approvalPin?: string): Promise<Outcome<DocumentView>> {
    if (wanted.some((l) => l.price !== undefined))
      return Promise.resolve(refuse('bad-price', 'Цену меняют только при продаже'));
    return this.#operation(user, 'void', approvalPin, async (approval) => {
      const priced = await this.#price(wanted, 0, {
        empty: 'Нечего аннулировать',
        cardTooBig: 'Сумма по карте больше суммы чека',
      });
      if (!priced.ok) return priced;
      const { shift, lines, total } = priced.value;
      const catalogVersion = await catalogCursor(this.#d.db);
      const doc = await this.#d.db.transaction(async (tx) => {
        const last = await tx.db
          .selectFrom('documents')
          .select((eb) => eb.fn.max('number').as('n'))
          .executeTakeFirst();
        const row: DocumentsTable = {
          id: this.#d.ids.uuid(),
          number: (last?.n ?? 0) + 1,
          kind: 'void',
          state: 'done',
          shift,
          cashier: user.name,
          created_at: isoLocal(this.#d.clock.now()),
          total,
          cash: 0,
          card: 0,
          tendered: 0,
          change: 0,
          lines_json: JSON.stringify(lines),
          original_id: null,
          // never sent: the ККТ has no part in a void
          kkt_uuid: this.#d.ids.uuid(),
          kkt_tasks_json: '[]',
          fiscal_json: null,
          kkt_totals_json: null,
          error: null,
          doc_json: null,
          catalog_version: catalogVersion,
          approval_json: approval ? JSON.stringify(approval) : null,
        };
        row.doc_json = JSON.stringify(
          uploadForm(row, this.#d.store, this.#d.till, shift, undefined, undefined),
        );
        await tx.db.insertInto('documents').values(row).execute();
        await tx.db
          .insertInto('outbox')
          .values({ doc_id: row.id, seq: row.number, state: 'pending', last_error: null })
          .execute();
        tx.onCommit(this.#d.onDocument);
        return row;
      });
      return { ok: true, value: view(doc) };
    });
  }

  /** X report: the ККТ prints it; the screen shows the till's and the ККТ's totals side by side. */
  xReport(user: User): Promise<Outcome<ShiftReportView>> {
    return this.#operation(user, 'xReport', undefined, async () => {
      const s = await this.shift();
      if (!s.open) return refuse('no-shift', 'Смена не открыта');
      const o = await this.#d.kkt.run(this.#d.ids.uuid(), [
        { type: 'getShiftTotals' },
        { type: 'reportX', operator: { name: user.name } },
      ]);
      if (o.kind !== 'done')
        return refuse('kkt', o.kind === 'failed' ? `ККТ: ${o.message}` : 'ККТ не приняла запрос');
      return { ok: true, value: await this.#report(s.number, totalsFrom(o.results[0]) ?? null) };
    });
  }

  /** Z report: the ККТ's totals and the shift close in one request, then the comparison. */
  closeShift(user: User): Promise<Outcome<{ document: DocumentView; report: ShiftReportView }>> {
    return this.#operation(user, 'shift', undefined, async () => {
      const s = await this.shift();
      if (!s.open) return refuse('no-shift', 'Смена не открыта');
      const r = await this.#fiscalise({
        kind: 'shiftClose',
        user,
        shift: s.number,
        total: 0,
        tasks: [{ type: 'getShiftTotals' }, { type: 'closeShift', operator: { name: user.name } }],
      });
      if (!r.ok) return r;
      const kkt = await this.#d.db.db
        .selectFrom('documents')
        .select('kkt_totals_json')
        .where('id', '=', r.value.id)
        .executeTakeFirstOrThrow();
      const totals = kkt.kkt_totals_json ? (JSON.parse(kkt.kkt_totals_json) as ShiftTotals) : null;
      return { ok: true, value: { document: r.value, report: await this.#report(s.number, totals) } };
    });
  }

  async tillTotals(shift: number): Promise<TillTotals> {
    const rows = await this.#d.db.db
      .selectFrom('documents')
      .select((eb) => [
        'kind',
        eb.fn.countAll<number | string>().as('count'),
        eb.fn.sum<number | string>('total').as('total'),
        eb.fn.sum<number | string>('cash').as('cash'),
        eb.fn.sum<number | string>('card').as('card'),
      ])
      .where('shift', '=', shift)
      .where('state', '=', 'done')
      .groupBy('kind')
      .execute();
    const by = (k: DocumentKind) => kindTotals(rows, k);
    const sale = by('sale');
    const ret = by('return');
    const cashIn = by('cashIn').total;
    const cashOut = by('cashOut').total;
    return { sale, return: ret, cashIn, cashOut, cashInDrawer: sale.cash - ret.cash + cashIn - cashOut };
  }

  async #report(shift: number, kkt: ShiftTotals | null): Promise<ShiftReportView> {
    const till = await this.tillTotals(shift);
    const agree =
      kkt === null
        ? null
        : kkt.sell.count === till.sale.count &&
          kkt.sell.sum === till.sale.total &&
          kkt.sellReturn.count === till.return.count &&
          kkt.sellReturn.sum === till.return.total;
    return { shift, till, kkt, agree };
  }

  async document(where: { number: number } | { id: string }): Promise<DocumentView | undefined> {
    let q = this.#d.db.db.selectFrom('documents').selectAll();
    q = 'id' in where ? q.where('id', '=', where.id) : q.where('number', '=', where.number);
    const r = await q.executeTakeFirst();
    return r ? view(r) : undefined;
  }

  async recentDocuments(limit: number): Promise<DocumentView[]> {
    const rows = await this.#d.db.db
      .selectFrom('documents')
      .selectAll()
      .orderBy('number', 'desc')
      .limit(limit)
      .execute();
    return rows.map(view);
  }

  /**
   * Takes the shift state from the ККТ (the authority): a till whose database is new, or that
   * missed a shift change, starts from what the ККТ says.
   */
  syncShift(): Promise<ShiftState> {
    return this.#exclusive(async () => {
      const o = await this.#d.kkt.run(this.#d.ids.uuid(), [{ type: 'getShiftStatus' }]);
      const st =
        o.kind === 'done'
          ? (o.results[0]?.result?.shiftStatus as { state?: string; number?: number } | undefined)
          : undefined;
      const current = await this.shift();
      if (!st || typeof st.number !== 'number') return current;
      const open = st.state === 'opened' || st.state === 'expired';
      if (current.number === st.number && current.open === open) return current;
      const next: ShiftState = {
        number: st.number,
        open,
        openedAt: open ? (current.openedAt ?? isoLocal(this.#d.clock.now())) : null,
      };
      await this.#d.db.transaction((tx) => this.#setShift(tx, next));
      return next;
    });
  }

  // ---- recovery ----------------------------------------------------------------------------

  /**
   * Settles documents left pending by a crash or a lost ККТ answer, oldest first, by asking the
   * ККТ about their request uuid: finished → recorded as the ККТ did it; never arrived → the
   * uuid is taken by a harmless status request, so a late copy of the receipt can never run,
   * and the document is recorded as not fiscalised. Nothing is fiscalised behind the cashier's
   * back. Returns what was settled and how many stay pending (the ККТ is unreachable).
   */
  recover(): Promise<{ settled: DocumentsTable[]; pending: number }> {
    return this.#exclusive(() => this.#recoverNow());
  }

  async #recoverNow(): Promise<{ settled: DocumentsTable[]; pending: number }> {
    const pending = await this.#d.db.db
      .selectFrom('documents')
      .selectAll()
      .where('state', '=', 'pending')
      .orderBy('number')
      .execute();
    const settled: DocumentsTable[] = [];
    for (const doc of pending) {
      try {
        settled.push(await this.#settle(doc, await this.#ask(doc.kkt_uuid)));
      } catch (e) {
        if (e instanceof KktUnreachable) return { settled, pending: await this.pendingCount() };
        throw e;
      }
    }
    return { settled, pending: 0 };
  }

  /** What became of a request, from the ККТ; a request it never got is made impossible first. */
  async #ask(uuid: string): Promise<RequestOutcome> {
    const o = await this.#d.kkt.outcome(uuid);
    if (o.kind === 'running') return this.#d.kkt.wait(uuid);
    if (o.kind !== 'unknown-request') return o;
    const burn = await this.#d.kkt.submit(uuid, [{ type: 'getShiftStatus' }]);
    // 'exists': the original arrived after all, just now; its outcome is the answer.
    return burn === 'exists' ? this.#d.kkt.wait(uuid) : { kind: 'unknown-request' };
  }

  // ---- internals ---------------------------------------------------------------------------

  /**
   * An operation of the cashier's, one at a time. One beyond the cashier's role goes ahead only
   * with the PIN of someone whose role allows it, given on the spot; the approval is recorded with
   * the document.
   */
  async #operation<T>(
    user: User,
    p: Permission,
    approvalPin: string | undefined,
    fn: (approval: Approval | undefined) => Promise<Outcome<T>>,
  ): Promise<Outcome<T>> {
    let approval: Approval | undefined;
    if (!can(user, p)) {
      if (approvalPin === undefined)
        return refuse(
          'approval-needed',
          `Нужно подтверждение: ${PERMISSION_NAMES[p] ?? 'операция'} — введите PIN старшего кассира или управляющего`,
        );
      const by = await userByPin(this.#d.db, approvalPin);
      if (!by || !can(by, p)) return refuse('forbidden', 'Этот PIN не даёт права подтвердить операцию');
      approval = { by: by.id, name: by.name, role: by.role, permission: p };
    }
    return this.#exclusive(async () => {
      // A document the ККТ has not settled yet comes first: the ККТ does one thing at a time.
      const r = await this.#recoverNow();
      if (r.pending > 0)
        return refuse(
          'kkt-unreachable',
          'ККТ не отвечает. Незавершённый документ будет выяснен у ККТ, когда она ответит; до тех пор касса ждёт',
        );
      // The cashier was told a receipt did not finish, but the ККТ did print it: say so before
      // anything else, so it is not rung up twice.
      const late = printedNotice(r.settled);
      if (late) return refuse('previous-done', `${late}; повторите операцию`);
      try {
        return await fn(approval);
      } catch (e) {
        if (e instanceof KktUnreachable) return refuse('kkt-unreachable', `ККТ не отвечает: ${e.message}`);
        throw e;
      }
    });
  }

  /**
   * In an open shift, lines priced from the catalogue now (never from the screen, unless a sale's
   * line carries an override its caller was allowed), and the split of the total.
   */
  async #price(
    wanted: SaleRequest['lines'],
    card: number,
    say: { readonly empty: string; readonly cardTooBig: string },
  ): Promise<Outcome<{ shift: number; lines: ScannedLine[]; total: number; cash: number }>> {
    const s = await this.shift();
    if (!s.open) return refuse('no-shift', 'Смена не открыта: откройте смену');
    if (wanted.length === 0) return refuse('empty', say.empty);
    const lines: ScannedLine[] = [];
    for (const l of wanted) {
      const r = await scan(this.#d.db, l.barcode, this.#d.layouts(), l.quantity);
      if (!r.ok) return refuse('unknown-barcode', r.message);
      if (l.price === undefined || l.price === r.line.price) {
        lines.push(r.line);
        continue;
      }
      if (!Number.isSafeInteger(l.price) || l.price <= 0)
        return refuse('bad-price', `${r.line.name}: цена должна быть больше нуля`);
      const qty = parseDecimal(r.line.quantity)!;
      lines.push({ ...r.line, price: l.price, sum: lineAmount(l.price, qty), listPrice: r.line.price });
    }
    const total = lines.reduce((a, l) => a + l.sum, 0);
    if (!Number.isSafeInteger(card) || card < 0 || card > total) return refuse('bad-payment', say.cardTooBig);
    return { ok: true, value: { shift: s.number, lines, total, cash: total - card } };
  }

  #receiptTask(
    type: 'sell' | 'sellReturn',
    user: User,
    lines: readonly ScannedLine[],
    cash: number,
    card: number,
    total: number,
  ) {
    return {
      type,
      ...(this.#d.taxation && { taxationType: this.#d.taxation }),
      operator: { name: user.name },
      items: lines.map((l) => ({
        type: 'position',
        name: l.name,
        price: rub(l.price),
        quantity: Number(l.quantity),
        amount: rub(l.sum),
        tax: { type: VAT_NAME[l.vat] ?? 'none' },
        paymentMethod: 'fullPayment',
        paymentObject: 'commodity',
        measurementUnit: l.weighted ? 11 : 0,
      })),
      payments: [
        ...(cash > 0 ? [{ type: 'cash', sum: rub(cash) }] : []),
        ...(card > 0 ? [{ type: 'electronically', sum: rub(card) }] : []),
      ],
      total: rub(total),
    };
  }

  async #fiscalise(o: {
    kind: SalesDocument['kind'];
    user: User;
    shift: number;
    total: number;
    cash?: number;
    card?: number;
    tendered?: number;
    lines?: readonly ScannedLine[];
    originalId?: string;
    approval?: Approval | undefined;
    tasks: readonly unknown[];
  }): Promise<Outcome<DocumentView>> {
    const id = this.#d.ids.uuid();
    const kktUuid = this.#d.ids.uuid();
    const cash = o.cash ?? 0;
    const tendered = o.tendered ?? cash;
    const catalogVersion = await catalogCursor(this.#d.db);
    const createdAt = isoLocal(this.#d.clock.now());
    const fields = {
      id,
      kind: o.kind,
      shift: o.shift,
      cashier: o.user.name,
      created_at: createdAt,
      total: o.total,
      cash,
      card: o.card ?? 0,
      tendered,
      change: tendered - cash,
      lines_json: JSON.stringify(o.lines ?? []),
      original_id: o.originalId ?? null,
      catalog_version: catalogVersion,
      approval_json: o.approval ? JSON.stringify(o.approval) : null,
    };
    // 0. Checked against the rules every server applies before the ККТ is asked: a document the
    // ККТ has fiscalised must never be refused upstream.
    const refusal = salesDocumentRefusalRu(
      uploadForm(
        { ...fields, number: 1 },
        this.#d.store,
        this.#d.till,
        o.shift,
        { fn: '0000000000000000', fd: 1, fp: '0', shift: o.shift, at: createdAt },
        undefined,
      ),
    );
    if (refusal) return refuse('invalid-document', `Операция не проведена: ${refusal}`);
    // 1. The document is committed before the ККТ hears of it.
    await this.#d.db.transaction(async (tx) => {
      const last = await tx.db
        .selectFrom('documents')
        .select((eb) => eb.fn.max('number').as('n'))
        .executeTakeFirst();
      await tx.db
        .insertInto('documents')
        .values({
          ...fields,
          number: (last?.n ?? 0) + 1,
          state: 'pending',
          kkt_uuid: kktUuid,
          kkt_tasks_json: JSON.stringify(o.tasks),
          fiscal_json: null,
          kkt_totals_json: null,
          error: null,
          doc_json: null,
        })
        .execute();
    });
    // 2. The ККТ; if its answer is lost the document stays pending and recovery settles it.
    let outcome: RequestOutcome;
    try {
      outcome = await this.#d.kkt.run(kktUuid, o.tasks);
    } catch (e) {
      if (!(e instanceof KktUnreachable)) throw e;
      // The answer (or the request) was lost: ask the ККТ a few times before telling the cashier.
      const got = await this.#askFor(kktUuid, 3);
      if (!got)
        return refuse(
          'kkt-unreachable',
          `ККТ не отвечает (${e.message}). Документ не завершён: касса выяснит у ККТ, пробит ли он, прежде чем продолжить`,
        );
      outcome = got;
    }
    const row = await this.#d.db.db
      .selectFrom('documents')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const settled = await this.#settle(row, outcome);
    if (settled.state === 'failed') return refuse('kkt', `ККТ: ${settled.error ?? 'ошибка'}`);
    return { ok: true, value: view(settled) };
  }

  async #askFor(uuid: string, attempts: number): Promise<RequestOutcome | undefined> {
    for (let i = 0; i < attempts; i++) {
      try {
        return await this.#ask(uuid);
      } catch (e) {
        if (!(e instanceof KktUnreachable)) throw e;
        await new Promise((r) => setTimeout(r, 300 * (i + 1)));
      }
    }
    return undefined;
  }

  /** Records the ККТ's outcome of a pending document (and queues it for upload when done). */
  async #settle(doc: DocumentsTable, o: RequestOutcome): Promise<DocumentsTable> {
    if (o.kind === 'failed' || o.kind === 'unknown-request') {
      const error = o.kind === 'failed' ? o.message : 'ККТ не получила запрос; документ не пробит';
      await this.#d.db.db
        .updateTable('documents')
        .set({ state: 'failed', error })
        .where('id', '=', doc.id)
        .where('state', '=', 'pending')
        .execute();
      return { ...doc, state: 'failed', error };
    }
    const fiscal = fiscalFrom(o.results.find((r) => r.result?.fiscalParams));
    const kktTotals = totalsFrom(o.results.find((r) => r.result?.shiftTotals));
    const shift = fiscal?.shift ?? doc.shift;
    const upload = uploadForm(doc, this.#d.store, this.#d.till, shift, fiscal, kktTotals);
    const done: DocumentsTable = {
      ...doc,
      state: 'done',
      shift,
      fiscal_json: fiscal ? JSON.stringify(fiscal) : null,
      kkt_totals_json: kktTotals ? JSON.stringify(kktTotals) : null,
      doc_json: JSON.stringify(upload),
    };
    await this.#d.db.transaction(async (tx) => {
      const r = await tx.db
        .updateTable('documents')
        .set({
          state: 'done',
          shift,
          fiscal_json: done.fiscal_json,
          kkt_totals_json: done.kkt_totals_json,
          doc_json: done.doc_json,
        })
        .where('id', '=', doc.id)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return;
      await tx.db
        .insertInto('outbox')
        .values({ doc_id: doc.id, seq: doc.number, state: 'pending', last_error: null })
        .execute();
      if (doc.kind === 'shiftOpen')
        await this.#setShift(tx, { number: shift, open: true, openedAt: doc.created_at });
      if (doc.kind === 'shiftClose') await this.#setShift(tx, { number: shift, open: false, openedAt: null });
      tx.onCommit(this.#d.onDocument);
    });
    return done;
  }
}

/** A till document as it is uploaded: what the store server and the head office store. */
function uploadForm(
  doc: Pick<
    DocumentsTable,
    | 'id'
    | 'kind'
    | 'created_at'
    | 'number'
    | 'cashier'
    | 'total'
    | 'lines_json'
    | 'cash'
    | 'card'
    | 'original_id'
    | 'catalog_version'
    | 'approval_json'
  >,
  store: string,
  till: string,
  shift: number,
  fiscal: FiscalParams | undefined,
  kktTotals: ShiftTotals | undefined,
): SalesDocument {
  return {
    id: doc.id,
    store,
    till,
    kind: doc.kind as SalesDocument['kind'],
    at: doc.created_at,
    shift,
    number: doc.number,
    cashier: doc.cashier,
    total: doc.total,
    lines: (JSON.parse(doc.lines_json) as ScannedLine[]).map((l) => ({
      productId: l.productId,
      barcode: l.barcode,
      name: l.name,
      quantity: l.quantity,
      price: l.price,
      sum: l.sum,
      vat: l.vat,
      ...(l.weighted && { weighted: true }),
      ...(l.listPrice !== undefined && { listPrice: l.listPrice }),
    })),
    payments:
      doc.kind === 'sale' || doc.kind === 'return'
        ? { cash: doc.cash, card: doc.card }
        : { cash: 0, card: 0 },
    ...(doc.original_id !== null && { originalId: doc.original_id }),
    ...(fiscal && { fiscal }),
    ...(kktTotals && { kktTotals }),
    ...(doc.catalog_version !== null && { catalogVersion: doc.catalog_version }),
    ...(doc.approval_json !== null && { approval: JSON.parse(doc.approval_json) as Approval }),
  };
}

/** Who allowed an operation beyond the cashier's role. */
export type Approval = NonNullable<SalesDocument['approval']>;

const PERMISSION_NAMES: Partial<Record<Permission, string>> = {
  return: 'возврат',
  returnWithoutReceipt: 'возврат без чека',
  void: 'аннулирование',
  cashOut: 'выплата из кассы',
  priceOverride: 'изменение цены',
};

/**
 * What the cashier must hear of receipts and returns the ККТ did print although the till could
 * not confirm them at the time (found on the next operation, or at a restart), or undefined.
 */
export function printedNotice(settled: readonly DocumentsTable[]): string | undefined {
  const late = settled.filter((d) => d.state === 'done' && (d.kind === 'sale' || d.kind === 'return'));
  if (late.length === 0) return undefined;
  const what = late.map((d) => `${d.kind === 'sale' ? 'Чек' : 'Возврат'} № ${d.number} на ${fmt(d.total)}`);
  return late.length === 1
    ? `${what[0]!} всё же пробит ККТ. Не пробивайте его повторно`
    : `${what.join(', ')} всё же пробиты ККТ. Не пробивайте их повторно`;
}

function view(r: DocumentsTable): DocumentView {
  return {
    id: r.id,
    number: r.number,
    kind: r.kind,
    state: r.state,
    shift: r.shift,
    cashier: r.cashier,
    createdAt: r.created_at,
    total: r.total,
    cash: r.cash,
    card: r.card,
    tendered: r.tendered,
    change: r.change,
    lines: JSON.parse(r.lines_json) as ScannedLine[],
    originalId: r.original_id,
    fiscal: r.fiscal_json ? (JSON.parse(r.fiscal_json) as FiscalParams) : null,
    error: r.error,
  };
}
