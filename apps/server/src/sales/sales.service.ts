import { GroupCommitter, type Database } from '@openkassa/db';
import {
  describeZodError,
  salesApi,
  salesDocument,
  salesDocumentProblem,
  type ItemResult,
  type SalesDocument,
} from '@openkassa/contracts';
import type { ServerSchema } from '../schema.js';
import { storeSalesDocuments } from './sales.repo.js';
import { salesArchive } from './sales.archive.js';
import { keepForReview } from './sales.review.js';

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
  readonly #db: Database<ServerSchema>;
  readonly #opts: { clock: { now(): Date }; forwardUpstream: boolean };
  /** Documents refused since start, for /metrics; the reason is in the sender's outbox and log. */
  rejected = 0;

  constructor(
    db: Database<ServerSchema>,
    opts: { clock: { now(): Date }; forwardUpstream: boolean; onStored?: () => void },
  ) {
    this.#db = db;
    this.#opts = opts;
    this.#onStored = opts.onStored ?? (() => undefined);
    const archive = salesArchive(db);
    this.#gc = new GroupCommitter(db, async (tx, docs) => {
      const now = opts.clock.now().toISOString();
      const out = await storeSalesDocuments(tx, docs, now, opts.forwardUpstream, archive);
      if (opts.forwardUpstream && out.some((r) => r.status === 'stored')) tx.onCommit(this.#onStored);
      return out;
    });
  }

  /** A batch as it came: refused whole if it is not one, else each document on its own. */
  async ingest(body: unknown): Promise<BatchOutcome> {
    const batch = salesApi.batch.body.safeParse(body);
    if (!batch.success) return { ok: false, reason: batch.error.issues[0]?.message ?? 'not a batch' };
    return { ok: true, results: await this.ingestDocuments(batch.data.documents) };
  }

  /** The documents of a batch, each checked on its own: a bad one is refused (or held) alone. */
  ingestDocuments(raw: readonly unknown[]): Promise<ItemResult[]> {
    return Promise.all(
      raw.map(async (r, i): Promise<ItemResult> => {
        const rawId = typeof r === 'object' && r !== null && 'id' in r ? r.id : undefined;
        const id = typeof rawId === 'string' ? rawId.slice(0, 64) : `#${i}`;
        const parsed = salesDocument.safeParse(r);
        if (!parsed.success) return this.#refuse(r, id, describeZodError(parsed.error));
        const problem = salesDocumentProblem(parsed.data);
        return problem ? this.#refuse(r, id, problem) : this.#gc.submit(parsed.data);
      }),
    );
  }

  /** A document that breaks a rule: kept for review when the ККТ fiscalised it, else refused. */
  async #refuse(raw: unknown, id: string, reason: string): Promise<ItemResult> {
    const now = this.#opts.clock.now().toISOString();
    const kept = await keepForReview(this.#db, raw, reason, now, this.#opts.forwardUpstream);
    if (kept?.status === 'stored' && this.#opts.forwardUpstream) this.#onStored();
    if (kept) return kept;
    this.rejected++;
    return { id, status: 'rejected', reason };
  }
}
