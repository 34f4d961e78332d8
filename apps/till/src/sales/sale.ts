import type { User } from '../auth/index.js';
import { catalogCursor } from '../catalog/index.js';
import type { DocumentsTable } from '../schema.js';
import { uploadForm } from './kkt.documents.js';
import type { TillCore } from './till.core.js';
import { fmt, isoLocal } from './till.format.js';
import * as repo from './till.repo.js';
import { refuse, view, type DocumentView, type Outcome, type SaleRequest } from './till.types.js';

/** A sale, and lines taken off a receipt before payment. */

export function sell(
  core: TillCore,
  user: User,
  req: SaleRequest,
  approvalPin?: string,
): Promise<Outcome<DocumentView>> {
  // a price other than the catalogue's is a price override: the role for it, or an approval
  const override = req.lines.some((l) => l.price !== undefined);
  return core.operation(user, override ? 'priceOverride' : 'sell', approvalPin, async (approval) => {
    const priced = await core.price(req.lines, req.card, {
      empty: 'В чеке нет товаров',
      cardTooBig: 'Сумма по карте больше суммы чека',
    });
    if (!priced.ok) return priced;
    const { shift, lines, total, cash } = priced.value;
    if (!Number.isSafeInteger(req.cashTendered) || req.cashTendered < cash)
      return refuse('bad-payment', `Недостаточно наличных: нужно ${fmt(cash)}`);
    return core.fiscalise({
      kind: 'sale',
      user,
      shift,
      total,
      cash,
      card: req.card,
      tendered: req.cashTendered,
      lines,
      approval,
      tasks: [core.receiptTask('sell', user, lines, cash, req.card, total)],
    });
  });
}

/**
 * Lines taken off a receipt before payment (one line, or the whole receipt voided) are kept as
 * a `void` document: not fiscal, so the ККТ never hears of it, but uploaded like the others so
 * the head office sees voids per cashier.
 */
export function recordVoid(
  core: TillCore,
  user: User,
  wanted: SaleRequest['lines'],
  approvalPin?: string,
): Promise<Outcome<DocumentView>> {
  if (wanted.some((l) => l.price !== undefined))
    return Promise.resolve(refuse('bad-price', 'Цену меняют только при продаже'));
  return core.operation(user, 'void', approvalPin, async (approval) => {
    const priced = await core.price(wanted, 0, {
      empty: 'Нечего аннулировать',
      cardTooBig: 'Сумма по карте больше суммы чека',
    });
    if (!priced.ok) return priced;
    const { shift, lines, total } = priced.value;
    const catalogVersion = await catalogCursor(core.d.db);
    const doc = await core.d.db.transaction(async (tx) => {
      const row: DocumentsTable = {
        id: core.d.ids.uuid(),
        number: await repo.nextNumber(tx),
        kind: 'void',
        state: 'done',
        shift,
        cashier: user.name,
        created_at: isoLocal(core.d.clock.now()),
        total,
        cash: 0,
        card: 0,
        tendered: 0,
        change: 0,
        lines_json: JSON.stringify(lines),
        original_id: null,
        // never sent: the ККТ has no part in a void
        kkt_uuid: core.d.ids.uuid(),
        kkt_tasks_json: '[]',
        fiscal_json: null,
        kkt_totals_json: null,
        error: null,
        doc_json: null,
        catalog_version: catalogVersion,
        approval_json: approval ? JSON.stringify(approval) : null,
      };
      row.doc_json = JSON.stringify(uploadForm(row, core.d.store, core.d.till, shift, undefined, undefined));
      await repo.insertDocument(tx, row);
      await repo.queueUpload(tx, row);
      tx.onCommit(core.d.onDocument);
      return row;
    });
    return { ok: true, value: view(doc) };
  });
}
