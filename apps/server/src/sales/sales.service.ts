import { GroupCommitter, type Database } from '@openkassa/db';
import {
  describeZodError,
  MAX_BATCH,
  salesDocument,
  salesDocumentProblem,
  type ItemResult,
  type SalesDocument,
} from '@openkassa/contracts';
import type { ServerSchema } from '../schema.js';
import { storeSalesDocuments } from './sales.repo.js';
import { salesArchive } from './sales.archive.js';

export type BatchOutcome =
  { readonly ok: true; readonly results: ItemResult[] } | { readonly ok: false; readonly reason: string };

/**
 * Sales ingest: each document of a batch is checked on its own (a bad one is rejected with its
 * reason, the others go on) and stored once per id. Documents of all batches arriving at once
 * share one commit; a batch is answered only after the commit that holds all its documents.
 */
export class SalesIngest {
  readonly #gc: GroupCommitter<ServerSchema, SalesDocument, ItemResult>;
  readonly #onStored: () => void;

  constructor(
    db: Database<ServerSchema>,
    opts: { clock: { now(): Date }; forwardUpstream: boolean; onStored?: () => void },
  ) {
    this.#onStored = opts.onStored ?? (() => undefined);
    const archive = salesArchive(db);
    this.#gc = new GroupCommitter(db, async (tx, docs) => {
      const now = opts.clock.now().toISOString();
      const out = await storeSalesDocuments(tx, docs, now, opts.forwardUpstream, archive);
      if (opts.forwardUpstream && out.some((r) => r.status === 'stored')) tx.onCommit(this.#onStored);
      return out;
    });
  }

  async ingest(body: unknown): Promise<BatchOutcome> {
    if (
      typeof body !== 'object' ||
      body === null ||
      !Array.isArray((body as { documents?: unknown }).documents)
    )
      return { ok: false, reason: 'body must be {"documents": [...]}' };
    const raw = (body as { documents: unknown[] }).documents;
    if (raw.length === 0) return { ok: false, reason: 'documents is empty' };
    if (raw.length > MAX_BATCH) return { ok: false, reason: `at most ${MAX_BATCH} documents per batch` };
    const results = await Promise.all(
      raw.map(async (r, i): Promise<ItemResult> => {
        const rawId = (r as { id?: unknown } | null)?.id;
        const id = typeof rawId === 'string' ? rawId.slice(0, 64) : `#${i}`;
        const parsed = salesDocument.safeParse(r);
        if (!parsed.success) return { id, status: 'rejected', reason: describeZodError(parsed.error) };
        const problem = salesDocumentProblem(parsed.data);
        if (problem) return { id, status: 'rejected', reason: problem };
        return this.#gc.submit(parsed.data);
      }),
    );
    return { ok: true, results };
  }
}
