import type { ShiftTotals } from '@openkassa/contracts';
import type { User } from '../auth/index.js';
import { totalsFrom } from './kkt.documents.js';
import type { TillCore } from './till.core.js';
import { isoLocal } from './till.format.js';
import * as repo from './till.repo.js';
import { refuse, type DocumentView, type Outcome, type ShiftReportView } from './till.types.js';

/** Opening and closing the shift, the X report, and the shift state taken from the ККТ. */

export function openShift(core: TillCore, user: User): Promise<Outcome<DocumentView>> {
  return core.operation(user, 'shift', undefined, async () => {
    const s = await core.shift();
    if (s.open) return refuse('shift-open', `Смена ${s.number} уже открыта`);
    return core.fiscalise({
      kind: 'shiftOpen',
      user,
      shift: s.number + 1,
      total: 0,
      tasks: [{ type: 'openShift', operator: { name: user.name } }],
    });
  });
}

/** X report: the ККТ prints it; the screen shows the till's and the ККТ's totals side by side. */
export function xReport(core: TillCore, user: User): Promise<Outcome<ShiftReportView>> {
  return core.operation(user, 'xReport', undefined, async () => {
    const s = await core.shift();
    if (!s.open) return refuse('no-shift', 'Смена не открыта');
    const o = await core.d.kkt.run(core.d.ids.uuid(), [
      { type: 'getShiftTotals' },
      { type: 'reportX', operator: { name: user.name } },
    ]);
    if (o.kind !== 'done')
      return refuse('kkt', o.kind === 'failed' ? `ККТ: ${o.message}` : 'ККТ не приняла запрос');
    return { ok: true, value: await core.report(s.number, totalsFrom(o.results[0]) ?? null) };
  });
}

/** Z report: the ККТ's totals and the shift close in one request, then the comparison. */
export function closeShift(
  core: TillCore,
  user: User,
): Promise<Outcome<{ document: DocumentView; report: ShiftReportView }>> {
  return core.operation(user, 'shift', undefined, async () => {
    const s = await core.shift();
    if (!s.open) return refuse('no-shift', 'Смена не открыта');
    const r = await core.fiscalise({
      kind: 'shiftClose',
      user,
      shift: s.number,
      total: 0,
      tasks: [{ type: 'getShiftTotals' }, { type: 'closeShift', operator: { name: user.name } }],
    });
    if (!r.ok) return r;
    const doc = await repo.findDocument(core.d.db, { id: r.value.id });
    const totals = doc?.kkt_totals_json ? (JSON.parse(doc.kkt_totals_json) as ShiftTotals) : null;
    return { ok: true, value: { document: r.value, report: await core.report(s.number, totals) } };
  });
}

/**
 * Takes the shift state from the ККТ (the authority): a till whose database is new, or that
 * missed a shift change, starts from what the ККТ says.
 */
export function syncShift(core: TillCore): Promise<repo.ShiftState> {
  return core.exclusive(async () => {
    const o = await core.d.kkt.run(core.d.ids.uuid(), [{ type: 'getShiftStatus' }]);
    const st =
      o.kind === 'done'
        ? (o.results[0]?.result?.shiftStatus as { state?: string; number?: number } | undefined)
        : undefined;
    const current = await core.shift();
    if (!st || typeof st.number !== 'number') return current;
    const open = st.state === 'opened' || st.state === 'expired';
    if (current.number === st.number && current.open === open) return current;
    const next: repo.ShiftState = {
      number: st.number,
      open,
      openedAt: open ? (current.openedAt ?? isoLocal(core.d.clock.now())) : null,
    };
    await core.d.db.transaction((tx) => repo.writeShift(tx, next));
    return next;
  });
}
