import type { User } from '../auth/index.js';
import type { TillCore } from './till.core.js';
import { fmt, rub } from './till.format.js';
import { refuse, type DocumentView, type Outcome } from './till.types.js';

/** Cash put into the drawer or taken out of it (внесение, выплата). */
export function cashMove(
  core: TillCore,
  user: User,
  direction: 'in' | 'out',
  amount: number,
  approvalPin?: string,
): Promise<Outcome<DocumentView>> {
  return core.operation(user, direction === 'in' ? 'cashIn' : 'cashOut', approvalPin, async (approval) => {
    const s = await core.shift();
    if (!s.open) return refuse('no-shift', 'Смена не открыта: откройте смену');
    if (!Number.isSafeInteger(amount) || amount <= 0)
      return refuse('bad-amount', 'Сумма должна быть больше нуля');
    if (direction === 'out') {
      const t = await core.tillTotals(s.number);
      if (amount > t.cashInDrawer) return refuse('not-enough-cash', `В кассе только ${fmt(t.cashInDrawer)}`);
    }
    return core.fiscalise({
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
