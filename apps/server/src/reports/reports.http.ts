import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '@openkassa/db';
import { audit } from '../audit/index.js';
import { actorOf, scoped, storeScope, type Principal } from '../auth/index.js';
import { refuse } from '../errors.js';
import type { ServerSchema } from '../schema.js';
import { TABLE_FORMATS, tableCsv, tableXlsx, type Table, type TableFormat } from './table.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A period asked of a report: the days, and the stores the caller may read of those it asked for. */
export type Period = { from: string; to: string; stores?: string[] };

/**
 * The from/to days (and an optional store list) of a report query; undefined once a refusal
 * saying what is wrong has been sent (as `scoped` does for a store scope).
 */
export function period(
  reply: FastifyReply,
  q: { readonly from: string; readonly to: string; readonly store?: string | undefined },
  p: Principal | null,
): Period | undefined {
  if (!DAY.test(q.from) || !DAY.test(q.to) || q.from > q.to) {
    void refuse(reply, 'bad-request', 'from and to are days (YYYY-MM-DD), from ≤ to');
    return undefined;
  }
  const asked = q.store?.split(',').filter((x) => x !== '');
  if (asked?.some((x) => !/^[\w.-]{1,64}$/.test(x))) {
    void refuse(reply, 'bad-request', 'store is a comma-separated list of store codes');
    return undefined;
  }
  // a user limited to some stores reads those, and asks for others in vain
  const s = storeScope(p, asked);
  if (!scoped(reply, s)) return undefined;
  return { from: q.from, to: q.to, ...(s.stores && { stores: s.stores }) };
}

export const asFile = (f: string | undefined): f is TableFormat =>
  (TABLE_FORMATS as readonly (string | undefined)[]).includes(f);

/** Sends reports and exports as files; each is an export, so it goes to the audit log. */
export function fileReplies(ctx: { db: Database<ServerSchema>; clock: { now(): Date } }) {
  /** A report as a file (unless the route logged it already). */
  const fileReply = async (
    req: FastifyRequest,
    reply: FastifyReply,
    name: string,
    format: TableFormat,
    body: string | Uint8Array,
    logged = false,
  ) => {
    if (!logged)
      await audit(
        ctx.db,
        { actor: actorOf(req.principal), action: 'export.report', subject: name },
        ctx.clock.now().toISOString(),
      );
    return reply
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : XLSX_TYPE)
      .header('content-disposition', `attachment; filename="${name}.${format}"`)
      .send(typeof body === 'string' ? body : Buffer.from(body));
  };
  const tableReply = (req: FastifyRequest, reply: FastifyReply, format: TableFormat, t: Table) =>
    fileReply(req, reply, t.name, format, format === 'csv' ? tableCsv(t) : tableXlsx(t));
  return { fileReply, tableReply };
}
