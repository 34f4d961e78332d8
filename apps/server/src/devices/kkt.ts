import type { Database } from '@openkassa/db';
import type { ServerSchema } from '../schema.js';
import { fnBacklog, type FnBacklog, type WarnAge } from '../fiscal/index.js';
import { listDevices } from './devices.repo.js';

/**
 * Each ККТ by its ФН, from the two places that know it: the till that drives it (its store,
 * till, the ККТ's address, the last ФД the till saw) and the relay (documents received, how many
 * the OFD has not confirmed yet and since when, the warning level).
 */
export interface KktView {
  readonly fn: string;
  readonly store: string | null;
  readonly till: string | null;
  /** The ККТ's address as the till reaches it. */
  readonly address: string | null;
  readonly tillOnline: boolean;
  /** The newest fiscal document number the till has from this ФН. */
  readonly tillLastFd: number | null;
  readonly relay: Omit<FnBacklog, 'fn'> | null;
}

export async function listKkt(
  db: Database<ServerSchema>,
  now: Date,
  warnAges: readonly WarnAge[],
  store?: string,
): Promise<KktView[]> {
  const [devices, backlog] = await Promise.all([
    listDevices(db, now, { ...(store !== undefined && { store }) }),
    fnBacklog(db, now, warnAges, false),
  ]);
  const out = new Map<string, KktView>();
  for (const d of devices) {
    const fn = d.status.fn;
    if (d.kind !== 'till' || typeof fn !== 'string') continue;
    out.set(fn, {
      fn,
      store: d.store,
      till: d.id,
      address: typeof d.status.kkt === 'string' ? d.status.kkt : null,
      tillOnline: d.online,
      tillLastFd: typeof d.status.lastFd === 'number' ? d.status.lastFd : null,
      relay: null,
    });
  }
  for (const { fn, ...relay } of backlog) {
    const known = out.get(fn);
    if (known) out.set(fn, { ...known, relay });
    // A ФН only the relay knows: shown unless the list is for one store (its store is unknown).
    else if (store === undefined)
      out.set(fn, { fn, store: null, till: null, address: null, tillOnline: false, tillLastFd: null, relay });
  }
  return [...out.values()].sort((a, b) => a.fn.localeCompare(b.fn));
}
