import type { User } from '../auth/index.js';
import { cashMove } from './cash.js';
import { returnByReceipt, returnWithoutReceipt } from './return.js';
import { recordVoid, sell } from './sale.js';
import { closeShift, openShift, syncShift, xReport } from './shift.js';
import { TillCore } from './till.core.js';
import * as repo from './till.repo.js';
import {
  view,
  type DocumentView,
  type Outcome,
  type SaleRequest,
  type ShiftReportView,
  type TillDeps,
  type TillTotals,
} from './till.types.js';

export { printedNotice } from './kkt.documents.js';
export { isoLocal } from './till.format.js';
export type { ShiftState } from './till.repo.js';
export type * from './till.types.js';

/**
 * The till's operations, as the sale screen's API and the till's workers call them. Each is in
 * the module of what it does (shift, sale, return, cash); they share the ККТ orchestration and
 * recovery of `TillCore`, and read and write through `till.repo.ts`.
 */
export class TillService {
  readonly #core: TillCore;

  constructor(deps: TillDeps) {
    this.#core = new TillCore(deps);
  }

  shift(): Promise<repo.ShiftState> {
    return this.#core.shift();
  }

  pendingCount(): Promise<number> {
    return repo.pendingCount(this.#core.d.db);
  }

  openShift(user: User): Promise<Outcome<DocumentView>> {
    return openShift(this.#core, user);
  }

  sell(user: User, req: SaleRequest, approvalPin?: string): Promise<Outcome<DocumentView>> {
    return sell(this.#core, user, req, approvalPin);
  }

  returnWithoutReceipt(
    user: User,
    req: { readonly lines: SaleRequest['lines']; readonly card: number },
    approvalPin?: string,
  ): Promise<Outcome<DocumentView>> {
    return returnWithoutReceipt(this.#core, user, req, approvalPin);
  }

  returnByReceipt(
    user: User,
    req: { readonly number: number; readonly lines?: readonly number[] },
    approvalPin?: string,
  ): Promise<Outcome<DocumentView>> {
    return returnByReceipt(this.#core, user, req, approvalPin);
  }

  cashMove(
    user: User,
    direction: 'in' | 'out',
    amount: number,
    approvalPin?: string,
  ): Promise<Outcome<DocumentView>> {
    return cashMove(this.#core, user, direction, amount, approvalPin);
  }

  recordVoid(user: User, wanted: SaleRequest['lines'], approvalPin?: string): Promise<Outcome<DocumentView>> {
    return recordVoid(this.#core, user, wanted, approvalPin);
  }

  xReport(user: User): Promise<Outcome<ShiftReportView>> {
    return xReport(this.#core, user);
  }

  closeShift(user: User): Promise<Outcome<{ document: DocumentView; report: ShiftReportView }>> {
    return closeShift(this.#core, user);
  }

  tillTotals(shift: number): Promise<TillTotals> {
    return this.#core.tillTotals(shift);
  }

  async document(where: { number: number } | { id: string }): Promise<DocumentView | undefined> {
    const r = await repo.findDocument(this.#core.d.db, where);
    return r ? view(r) : undefined;
  }

  async recentDocuments(limit: number): Promise<DocumentView[]> {
    return (await repo.recentDocuments(this.#core.d.db, limit)).map(view);
  }

  syncShift(): Promise<repo.ShiftState> {
    return syncShift(this.#core);
  }

  /** Settles documents left pending by a crash or a lost ККТ answer (see TillCore.recoverNow). */
  recover() {
    return this.#core.exclusive(() => this.#core.recoverNow());
  }
}
