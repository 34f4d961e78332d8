import {
  kindTotals,
  salesDocumentRefusalRu,
  type DocumentKind,
  type SalesDocument,
  type ShiftTotals,
} from '@openkassa/contracts';
import { lineAmount, parseDecimal } from '@openkassa/fiscal';
import { can, userByPin, type Permission, type User } from '../auth/index.js';
import { catalogCursor, scan, type ScannedLine } from '../catalog/index.js';
import { KktUnreachable, type RequestOutcome } from '../kkt/index.js';
import type { DocumentsTable } from '../schema.js';
import { fiscalFrom, printedNotice, totalsFrom, uploadForm } from './kkt.documents.js';
import { isoLocal, rub, VAT_NAME } from './till.format.js';
import * as repo from './till.repo.js';
import {
  refuse,
  view,
  type Approval,
  type DocumentView,
  type Outcome,
  type SaleRequest,
  type ShiftReportView,
  type TillDeps,
  type TillTotals,
} from './till.types.js';

const PERMISSION_NAMES: Partial<Record<Permission, string>> = {
  return: 'возврат',
  returnWithoutReceipt: 'возврат без чека',
  void: 'аннулирование',
  cashOut: 'выплата из кассы',
  priceOverride: 'изменение цены',
};

/**
 * What every operation of the till stands on: one ККТ operation at a time, the cashier's role or
 * a supervisor's approval, pricing from the catalogue, and the ККТ orchestration. Every fiscal
 * operation is first committed locally as a pending document carrying the uuid of its ККТ
 * request, then sent to the ККТ; its outcome is recorded when the ККТ answers, or recovered from
 * the ККТ by that uuid after a crash or a lost answer. So a receipt is never fiscalised twice and
 * never lost. The operations themselves (shift, sale, return, cash) are in their own modules.
 */
export class TillCore {
  readonly d: TillDeps;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(deps: TillDeps) {
    this.d = deps;
  }

  /** Runs `fn` after every earlier ККТ operation of this till has finished. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn, fn);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  shift(): Promise<repo.ShiftState> {
    return repo.readShift(this.d.db);
  }

  async tillTotals(shift: number): Promise<TillTotals> {
    const rows = await repo.shiftSums(this.d.db, shift);
    const by = (k: DocumentKind) => kindTotals(rows, k);
    const sale = by('sale');
    const ret = by('return');
    const cashIn = by('cashIn').total;
    const cashOut = by('cashOut').total;
    return { sale, return: ret, cashIn, cashOut, cashInDrawer: sale.cash - ret.cash + cashIn - cashOut };
  }

  async report(shift: number, kkt: ShiftTotals | null): Promise<ShiftReportView> {
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

  /**
   * An operation of the cashier's, one at a time. One beyond the cashier's role goes ahead only
   * with the PIN of someone whose role allows it, given on the spot; the approval is recorded with
   * the document.
   */
  async operation<T>(
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
      const by = await userByPin(this.d.db, approvalPin);
      if (!by || !can(by, p)) return refuse('forbidden', 'Этот PIN не даёт права подтвердить операцию');
      approval = { by: by.id, name: by.name, role: by.role, permission: p };
    }
    return this.exclusive(async () => {
      // A document the ККТ has not settled yet comes first: the ККТ does one thing at a time.
      const r = await this.recoverNow();
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
  async price(
    wanted: SaleRequest['lines'],
    card: number,
    say: { readonly empty: string; readonly cardTooBig: string },
  ): Promise<Outcome<{ shift: number; lines: ScannedLine[]; total: number; cash: number }>> {
    const s = await this.shift();
    if (!s.open) return refuse('no-shift', 'Смена не открыта: откройте смену');
    if (wanted.length === 0) return refuse('empty', say.empty);
    const lines: ScannedLine[] = [];
    for (const l of wanted) {
      const r = await scan(this.d.db, l.barcode, this.d.layouts(), l.quantity);
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

  /** The ККТ task of a receipt (a sale or a return) of these lines and payments. */
  receiptTask(
    type: 'sell' | 'sellReturn',
    user: User,
    lines: readonly ScannedLine[],
    cash: number,
    card: number,
    total: number,
  ) {
    return {
      type,
      ...(this.d.taxation && { taxationType: this.d.taxation }),
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

  /** A document made by the ККТ: committed pending, sent, settled by the ККТ's answer. */
  async fiscalise(o: {
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
    const id = this.d.ids.uuid();
    const kktUuid = this.d.ids.uuid();
    const cash = o.cash ?? 0;
    const tendered = o.tendered ?? cash;
    const catalogVersion = await catalogCursor(this.d.db);
    const createdAt = isoLocal(this.d.clock.now());
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
        this.d.store,
        this.d.till,
        o.shift,
        { fn: '0000000000000000', fd: 1, fp: '0', shift: o.shift, at: createdAt },
        undefined,
      ),
    );
    if (refusal) return refuse('invalid-document', `Операция не проведена: ${refusal}`);
    // 1. The document is committed before the ККТ hears of it.
    await this.d.db.transaction(async (tx) => {
      await repo.insertDocument(tx, {
        ...fields,
        number: await repo.nextNumber(tx),
        state: 'pending',
        kkt_uuid: kktUuid,
        kkt_tasks_json: JSON.stringify(o.tasks),
        fiscal_json: null,
        kkt_totals_json: null,
        error: null,
        doc_json: null,
      });
    });
    // 2. The ККТ; if its answer is lost the document stays pending and recovery settles it.
    let outcome: RequestOutcome;
    try {
      outcome = await this.d.kkt.run(kktUuid, o.tasks);
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
    const row = (await repo.findDocument(this.d.db, { id }))!;
    const settled = await this.#settle(row, outcome);
    if (settled.state === 'failed') return refuse('kkt', `ККТ: ${settled.error ?? 'ошибка'}`);
    return { ok: true, value: view(settled) };
  }

  // ---- recovery ----------------------------------------------------------------------------

  /**
   * Settles documents left pending by a crash or a lost ККТ answer, oldest first, by asking the
   * ККТ about their request uuid: finished → recorded as the ККТ did it; never arrived → the
   * uuid is taken by a harmless status request, so a late copy of the receipt can never run,
   * and the document is recorded as not fiscalised. Nothing is fiscalised behind the cashier's
   * back. Returns what was settled and how many stay pending (the ККТ is unreachable).
   */
  async recoverNow(): Promise<{ settled: DocumentsTable[]; pending: number }> {
    const settled: DocumentsTable[] = [];
    for (const doc of await repo.pendingDocuments(this.d.db)) {
      try {
        settled.push(await this.#settle(doc, await this.#ask(doc.kkt_uuid)));
      } catch (e) {
        if (e instanceof KktUnreachable) return { settled, pending: await repo.pendingCount(this.d.db) };
        throw e;
      }
    }
    return { settled, pending: 0 };
  }

  /** What became of a request, from the ККТ; a request it never got is made impossible first. */
  async #ask(uuid: string): Promise<RequestOutcome> {
    const o = await this.d.kkt.outcome(uuid);
    if (o.kind === 'running') return this.d.kkt.wait(uuid);
    if (o.kind !== 'unknown-request') return o;
    const burn = await this.d.kkt.submit(uuid, [{ type: 'getShiftStatus' }]);
    // 'exists': the original arrived after all, just now; its outcome is the answer.
    return burn === 'exists' ? this.d.kkt.wait(uuid) : { kind: 'unknown-request' };
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
      await repo.markFailed(this.d.db, doc.id, error);
      return { ...doc, state: 'failed', error };
    }
    const fiscal = fiscalFrom(o.results.find((r) => r.result?.fiscalParams));
    const kktTotals = totalsFrom(o.results.find((r) => r.result?.shiftTotals));
    const shift = fiscal?.shift ?? doc.shift;
    const upload = uploadForm(doc, this.d.store, this.d.till, shift, fiscal, kktTotals);
    const done: DocumentsTable = {
      ...doc,
      state: 'done',
      shift,
      fiscal_json: fiscal ? JSON.stringify(fiscal) : null,
      kkt_totals_json: kktTotals ? JSON.stringify(kktTotals) : null,
      doc_json: JSON.stringify(upload),
    };
    await this.d.db.transaction(async (tx) => {
      if (!(await repo.markDone(tx, done))) return;
      await repo.queueUpload(tx, doc);
      if (doc.kind === 'shiftOpen')
        await repo.writeShift(tx, { number: shift, open: true, openedAt: doc.created_at });
      if (doc.kind === 'shiftClose')
        await repo.writeShift(tx, { number: shift, open: false, openedAt: null });
      tx.onCommit(this.d.onDocument);
    });
    return done;
  }
}
