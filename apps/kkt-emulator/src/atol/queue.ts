import type { Database, Tx } from '@openkassa/db';
import { formatRoubles } from '@openkassa/fiscal';
import { Wakeup } from '@openkassa/runtime';
import { DriverError, type DriverFailure } from './errors.js';
import { parseTask, type Task } from './tasks.js';
import { SHIFT_LIMIT_MS, type FiscalDrive, type FiscalParams, type Totals } from '../fn/fiscal-drive.js';
import type { KktSchema } from '../store.js';
import type { OfdExchange } from '../exchange/ofd-exchange.js';

export type TaskStatus = 'wait' | 'inProgress' | 'ready' | 'error' | 'interrupted';

export interface TaskResult {
  status: TaskStatus;
  errorCode: number;
  errorDescription: string;
  /** Both shapes the web server is known to use are given (spec: open question). */
  error: { code: number; description: string };
  result: unknown;
}

const pending = (): TaskResult => ({
  status: 'wait',
  errorCode: 0,
  errorDescription: '',
  error: { code: 0, description: '' },
  result: null,
});
const done = (result: unknown): TaskResult => ({
  status: 'ready',
  errorCode: 0,
  errorDescription: DriverError.ok.description,
  error: { code: 0, description: DriverError.ok.description },
  result,
});
const failed = (e: DriverFailure, status: TaskStatus = 'error'): TaskResult => ({
  status,
  errorCode: e.code,
  errorDescription: e.description,
  error: { code: e.code, description: e.description },
  result: null,
});

/** Roubles as the driver reports them (a JSON number). */
const rub = (kop: number) => Number(formatRoubles(kop));

/**
 * The web server's request queue: requests are stored before 201 is returned, run one task at a
 * time in order, and each task's fiscal effect commits together with its result.
 */
export class RequestQueue {
  readonly #db: Database<KktSchema>;
  readonly #drive: FiscalDrive;
  readonly #exchange: OfdExchange;
  readonly #now: () => Date;
  readonly #requests = new Wakeup();
  #stopped = false;
  #current: { uuid: string; index: number } | undefined;

  constructor(deps: {
    db: Database<KktSchema>;
    drive: FiscalDrive;
    exchange: OfdExchange;
    clock: { now(): Date };
  }) {
    this.#db = deps.db;
    this.#drive = deps.drive;
    this.#exchange = deps.exchange;
    this.#now = () => deps.clock.now();
  }

  async submit(
    uuid: string,
    tasks: readonly unknown[],
  ): Promise<{ ok: true; number: number } | { ok: false; reason: 'duplicate' }> {
    const now = this.#now().toISOString();
    const r = await this.#db.transaction(async (tx) => {
      const existing = await tx.db
        .selectFrom('kkt_requests')
        .select('uuid')
        .where('uuid', '=', uuid)
        .executeTakeFirst();
      if (existing) return { ok: false as const, reason: 'duplicate' as const };
      const last = await tx.db
        .selectFrom('kkt_requests')
        .select((eb) => eb.fn.max('number').as('n'))
        .executeTakeFirst();
      const number = (last?.n ?? 0) + 1;
      await tx.db
        .insertInto('kkt_requests')
        .values({
          uuid,
          number,
          tasks_json: JSON.stringify(tasks),
          results_json: JSON.stringify(tasks.map(pending)),
          state: 'wait',
          created_at: now,
          updated_at: now,
        })
        .execute();
      return { ok: true as const, number };
    });
    if (r.ok) this.#requests.notify();
    return r;
  }

  async results(uuid: string): Promise<TaskResult[] | undefined> {
    const row = await this.#db.db
      .selectFrom('kkt_requests')
      .select('results_json')
      .where('uuid', '=', uuid)
      .executeTakeFirst();
    if (!row) return undefined;
    const results = JSON.parse(row.results_json) as TaskResult[];
    const cur = this.#current;
    if (cur?.uuid === uuid && results[cur.index]?.status === 'wait')
      results[cur.index]!.status = 'inProgress';
    return results;
  }

  /** Runs requests until stopped; resumes unfinished ones after a restart. */
  async run(): Promise<void> {
    while (!this.#stopped) {
      const next = await this.#db.db
        .selectFrom('kkt_requests')
        .selectAll()
        .where('state', 'in', ['wait', 'inProgress'])
        .orderBy('number')
        .limit(1)
        .executeTakeFirst();
      if (!next) {
        await this.#requests.wait(60_000);
        continue;
      }
      await this.#process(
        next.uuid,
        JSON.parse(next.tasks_json) as unknown[],
        JSON.parse(next.results_json) as TaskResult[],
      );
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#requests.notify();
  }

  async #process(uuid: string, tasks: unknown[], results: TaskResult[]): Promise<void> {
    let failedBefore = results.some((r) => r.status === 'error');
    for (let i = 0; i < tasks.length; i++) {
      if (results[i]!.status !== 'wait') continue;
      if (this.#stopped) return;
      this.#current = { uuid, index: i };
      const issued = { fiscal: false };
      await this.#db.transaction(async (tx) => {
        let r: TaskResult;
        if (failedBefore) r = failed(DriverError.interrupted, 'interrupted');
        else {
          const parsed = parseTask(tasks[i], this.#drive.config.ffd);
          r = parsed.ok ? await this.#execute(tx, parsed.value, issued) : failed(parsed.error);
        }
        results[i] = r;
        const finished = i === tasks.length - 1;
        await tx.db
          .updateTable('kkt_requests')
          .set({
            results_json: JSON.stringify(results),
            state: finished ? (results.some((x) => x.status !== 'ready') ? 'error' : 'ready') : 'inProgress',
            updated_at: this.#now().toISOString(),
          })
          .where('uuid', '=', uuid)
          .execute();
        if (issued.fiscal) tx.onCommit(() => this.#exchange.wake());
      });
      if (results[i]!.status !== 'ready') failedBefore = true;
    }
    this.#current = undefined;
  }

  async #execute(tx: Tx<KktSchema>, task: Task, issued: { fiscal: boolean }): Promise<TaskResult> {
    const fiscal = (r: { ok: true; value: FiscalParams } | { ok: false; error: DriverFailure }) => {
      if (!r.ok) return failed(r.error);
      issued.fiscal = true;
      const p = r.value;
      return done({
        fiscalParams: p.total !== undefined ? { ...p, total: rub(p.total) } : p,
        warnings: { notPrinted: false },
      });
    };
    switch (task.type) {
      case 'receipt':
        return fiscal(await this.#drive.receipt(tx, task.command));
      case 'openShift':
        return fiscal(await this.#drive.openShift(tx, task.operator));
      case 'closeShift':
        return fiscal(await this.#drive.closeShift(tx, task.operator));
      case 'reportX':
        return done({});
      case 'cashIn':
      case 'cashOut': {
        const r = await this.#drive.cashMove(tx, task.type === 'cashIn' ? 'in' : 'out', task.amount);
        return r.ok ? done({ counters: { cashSum: rub(r.value.cashSum) } }) : failed(r.error);
      }
      case 'getShiftStatus':
      case 'getShiftTotals':
      case 'getDeviceStatus':
      case 'getFnInfo':
      case 'ofdExchangeStatus':
        return done(await this.#info(tx, task.type));
    }
  }

  async #info(
    tx: Tx<KktSchema>,
    type: 'getShiftStatus' | 'getShiftTotals' | 'getDeviceStatus' | 'getFnInfo' | 'ofdExchangeStatus',
  ): Promise<unknown> {
    const st = await tx.db.selectFrom('fn_state').selectAll().executeTakeFirstOrThrow();
    const d = this.#drive;
    const shift = d.shiftState(st);
    const backlog = await d.ofdBacklog(tx.db);
    const oldest = backlog.oldest;
    switch (type) {
      case 'getShiftStatus':
        return {
          shiftStatus: {
            state: shift,
            number: st.shift_number,
            ...(st.shift_opened_at && {
              expiredTime: d.isoLocal(
                d.fiscalTime(new Date(Date.parse(st.shift_opened_at) + SHIFT_LIMIT_MS)),
              ),
            }),
            documentsCount: st.docs_in_shift,
          },
        };
      case 'getShiftTotals': {
        const t = JSON.parse(st.shift_totals_json) as Totals;
        const op = (k: '1' | '2' | '3' | '4') => ({
          count: t[k].count,
          sum: rub(t[k].total),
          cash: rub(t[k].cash),
          electronically: rub(t[k].ecash),
        });
        return {
          shiftTotals: {
            shiftNumber: st.shift_number,
            receipts: { sell: op('1'), sellReturn: op('2'), buy: op('3'), buyReturn: op('4') },
            cashSum: rub(st.cash_in_drawer),
          },
        };
      }
      case 'getDeviceStatus':
        return {
          deviceStatus: {
            currentDateTime: d.isoLocal(d.fiscalTime()),
            fiscal: true,
            fnFiscal: true,
            fnPresent: true,
            invalidFn: false,
            blocked: backlog.blocked,
            shift,
            coverOpened: false,
            paperPresent: true,
            cashDrawerOpened: false,
            model: 'OpenKassa ККТ emulator',
            emulated: true,
          },
        };
      case 'getFnInfo':
        return {
          fnInfo: {
            serial: st.fn,
            ffdVersion: st.ffd,
            fnFfdVersion: st.ffd,
            state: 'fiscalMode',
            execution: 'emulator',
            lastDocumentNumber: st.last_fd,
            warnings: {
              ofdTimeout: backlog.late,
              criticalError: false,
              memoryOverflow: false,
              resourceExhausted: false,
            },
          },
        };
      case 'ofdExchangeStatus': {
        const x = this.#exchange.status();
        return {
          status: {
            notSentCount: backlog.count,
            notSentFirstDocNumber: oldest?.fd ?? 0,
            ...(oldest && { notSentFirstDocDateTime: d.isoLocal(oldest.fiscal_time) }),
            ...(x.lastSuccessAt && { lastSuccessConnectionDateTime: x.lastSuccessAt }),
            ...(x.lastError && { lastError: x.lastError }),
          },
        };
      }
    }
  }
}
