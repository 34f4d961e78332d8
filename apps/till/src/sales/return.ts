import type { User } from '../auth/index.js';
import type { ScannedLine } from '../catalog/index.js';
import type { TillCore } from './till.core.js';
import { fmt } from './till.format.js';
import * as repo from './till.repo.js';
import { refuse, type DocumentView, type Outcome, type SaleRequest } from './till.types.js';

/** Returns: of lines of an earlier sale of this till, or without the receipt where the store allows it. */

/** A return of some lines (by index; all if omitted) of an earlier sale of this till. */
export function returnByReceipt(
  core: TillCore,
  user: User,
  req: { readonly number: number; readonly lines?: readonly number[] },
  approvalPin?: string,
): Promise<Outcome<DocumentView>> {
  return core.operation(user, 'return', approvalPin, async (approval) => {
    const s = await core.shift();
    if (!s.open) return refuse('no-shift', 'Смена не открыта: откройте смену');
    const orig = await repo.findDocument(core.d.db, { number: req.number });
    if (!orig || orig.kind !== 'sale' || orig.state !== 'done')
      return refuse('no-receipt', `Чек продажи № ${req.number} не найден`);
    const origLines = JSON.parse(orig.lines_json) as ScannedLine[];
    const previous = await repo.returnsOf(core.d.db, orig.id);
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
      const t = await core.tillTotals(s.number);
      if (cash > t.cashInDrawer) return refuse('not-enough-cash', `В кассе только ${fmt(t.cashInDrawer)}`);
    }
    return core.fiscalise({
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
      tasks: [core.receiptTask('sellReturn', user, lines, cash, card, total)],
    });
  });
}

/**
 * A return without the sale's receipt: the goods are scanned again and the money goes back in
 * cash (or to the card given). Only where the store allows it, and only with the right role.
 */
export function returnWithoutReceipt(
  core: TillCore,
  user: User,
  req: { readonly lines: SaleRequest['lines']; readonly card: number },
  approvalPin?: string,
): Promise<Outcome<DocumentView>> {
  if (req.lines.some((l) => l.price !== undefined))
    return Promise.resolve(refuse('bad-price', 'Цену меняют только при продаже'));
  return core.operation(user, 'returnWithoutReceipt', approvalPin, async (approval) => {
    if (!core.d.allowReturnWithoutReceipt)
      return refuse('not-allowed', 'Возврат без чека в этом магазине не разрешён');
    const priced = await core.price(req.lines, req.card, {
      empty: 'Нечего возвращать',
      cardTooBig: 'Сумма на карту больше суммы возврата',
    });
    if (!priced.ok) return priced;
    const { shift, lines, total, cash } = priced.value;
    if (cash > 0) {
      const t = await core.tillTotals(shift);
      if (cash > t.cashInDrawer) return refuse('not-enough-cash', `В кассе только ${fmt(t.cashInDrawer)}`);
    }
    return core.fiscalise({
      kind: 'return',
      user,
      shift,
      total,
      cash,
      card: req.card,
      tendered: cash,
      lines,
      approval,
      tasks: [core.receiptTask('sellReturn', user, lines, cash, req.card, total)],
    });
  });
}
