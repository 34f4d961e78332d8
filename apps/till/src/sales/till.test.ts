import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@openkassa/db';
import { startKktEmulator, type RunningKktEmulator } from '@openkassa/kkt-emulator';
import { addUser, type User } from '../auth/users.js';
import { importProducts } from '../catalog/catalog.repo.js';
import { demoCatalog, ean13 } from '../demo.js';
import { AtolClient, KktUnreachable } from '../kkt/atol-client.js';
import { DEFAULT_LAYOUTS } from '../main.js';
import { tillMigrations } from '../migrations/index.js';
import type { TillSchema } from '../schema.js';
import { printedNotice, TillService } from './till.service.js';
import { salesDocument, salesDocumentProblem } from '@openkassa/contracts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

const senior: User = { id: 'petrova', name: 'Петрова Е.', role: 'senior' };
const cashier: User = { id: 'ivanova', name: 'Иванова А.', role: 'cashier' };
const MILK = ean13('460000000001');
const BREAD = ean13('460000000002');
const CHEESE_1234G = ean13('210010101234');

async function kkt(): Promise<RunningKktEmulator & { lastFd(): Promise<number> }> {
  const k = await startKktEmulator(
    {
      fn: '9999000000000777',
      ofd: { host: '127.0.0.1', port: 9 }, // no OFD: documents stay unconfirmed, which is fine here
      http: { host: '127.0.0.1', port: 0 },
      dataDir: mkdtempSync(join(tmpdir(), 'till-kkt-')),
      ffd: '1.2',
      retryMinMs: 60_000,
      retryMaxMs: 60_000,
    },
    { warn: () => undefined },
  );
  closers.push(() => k.close());
  return {
    ...k,
    lastFd: async () => ((await (await fetch(`${k.httpUrl}/api/v1/fn`)).json()) as { lastFd: number }).lastFd,
  };
}

async function tillDb(): Promise<Database<TillSchema>> {
  const db = openDatabase<TillSchema>(
    { kind: 'sqlite', file: join(mkdtempSync(join(tmpdir(), 'till-')), 'till.sqlite'), checkNesting: true },
    { migrations: tillMigrations },
  );
  await db.migrate();
  await importProducts(db, demoCatalog(50));
  await addUser(db, { ...senior, pin: '2222' });
  closers.push(() => db.close());
  return db;
}

/**
 * A link to the ККТ that can lose the answer of the next receipt request, or the request
 * itself, and can be cut off altogether (an outage) for every later call.
 */
class FlakyAtol extends AtolClient {
  mode: 'ok' | 'lose-answer' | 'lose-request' = 'ok';
  outage = false;
  override async run(uuid: string, tasks: readonly unknown[]) {
    const isReceipt = tasks.some((t) => (t as { type?: string }).type === 'sell');
    if (isReceipt && this.mode === 'lose-request') {
      this.mode = 'ok';
      throw new KktUnreachable('connection reset before the request arrived');
    }
    if (isReceipt && this.mode === 'lose-answer') {
      this.mode = 'ok';
      await super.submit(uuid, tasks);
      await super.wait(uuid); // the ККТ did it...
      throw new KktUnreachable('connection reset before the answer arrived'); // ...but we never heard
    }
    return super.run(uuid, tasks);
  }
  override outcome(uuid: string) {
    if (this.outage) return Promise.reject(new KktUnreachable('no route to the ККТ'));
    return super.outcome(uuid);
  }
  override submit(uuid: string, tasks: readonly unknown[]) {
    if (this.outage) return Promise.reject(new KktUnreachable('no route to the ККТ'));
    return super.submit(uuid, tasks);
  }
}

function service(db: Database<TillSchema>, atol: AtolClient, uploaded: { n: number }, allowFree = true) {
  return new TillService({
    allowReturnWithoutReceipt: allowFree,
    db,
    kkt: atol,
    store: 'S1',
    till: 'T1',
    clock: { now: () => new Date() },
    ids: { uuid: randomUUID },
    layouts: () => DEFAULT_LAYOUTS,
    onDocument: () => {
      uploaded.n++;
    },
    log: { warn: () => undefined },
  });
}

describe('till operations against the ККТ emulator', () => {
  it("refuses an absurd quantity or price before the ККТ, saying why in Russian, by the servers' own rules", async () => {
    const k = await kkt();
    const db = await tillDb();
    const till = service(db, new AtolClient(k.httpUrl), { n: 0 });
    expect((await till.openShift(senior)).ok).toBe(true);
    const fdBefore = await k.lastFd();
    // what a cashier typed as 1000000000*<barcode>: the scan itself is refused
    const huge = await till.sell(senior, {
      lines: [{ barcode: MILK, quantity: '1000000000' }],
      card: 0,
      cashTendered: 10 ** 15,
    });
    expect(huge).toMatchObject({ ok: false, code: 'unknown-barcode' });
    expect(!huge.ok && huge.message).toMatch(/количество 1000000000 недопустимо: не больше 999 999 999,999/);
    // a price override whose line sum no server would take
    const price = await till.sell(senior, {
      lines: [{ barcode: MILK, quantity: '1000', price: 2 ** 38 }],
      card: 0,
      cashTendered: 2 ** 38 * 1000,
    });
    expect(price).toMatchObject({ ok: false, code: 'invalid-document' });
    expect(!price.ok && price.message).toMatch(
      /^Операция не проведена: сумма документа 2 ?748 ?779 ?069 ?440,00 ₽ вне допустимых пределов/,
    );
    // nothing reached the ККТ and nothing waits in the till
    expect(await k.lastFd()).toBe(fdBefore);
    const docs = await db.db.selectFrom('documents').select('kind').execute();
    expect(docs.map((d) => d.kind)).toEqual(['shiftOpen']);
  });

  it('sells, returns by receipt, moves cash and closes the shift with totals equal to the ККТ', async () => {
    const k = await kkt();
    const db = await tillDb();
    const up = { n: 0 };
    const till = service(db, new AtolClient(k.httpUrl), up);
    expect(
      await till.sell(senior, { lines: [{ barcode: MILK }], card: 0, cashTendered: 10000 }),
    ).toMatchObject({
      ok: false,
      code: 'no-shift',
    });
    expect((await till.openShift(senior)).ok).toBe(true);
    const sale = await till.sell(senior, {
      lines: [{ barcode: MILK }, { barcode: BREAD, quantity: '2' }, { barcode: CHEESE_1234G }],
      card: 50000,
      cashTendered: 100000,
    });
    if (!sale.ok) throw new Error(sale.message);
    // 89.90 + 2 × 54.90 + 1.234 kg × 899.00 (= 1109.37) = 1309.07; cash part 809.07 from 1000.00
    expect(sale.value).toMatchObject({
      total: 130907,
      card: 50000,
      cash: 80907,
      change: 19093,
      state: 'done',
    });
    expect(sale.value.lines[2]).toMatchObject({ quantity: '1.234', sum: 110937, weighted: true });
    expect(sale.value.fiscal).toMatchObject({ fn: '9999000000000777', shift: 1, receiptNumber: 1 });

    // Lines taken off a receipt are kept as a void: never at the ККТ, uploaded like the rest.
    // A cashier may not void alone: the till asks for a supervisor's PIN and records who gave it.
    const fdBefore = await k.lastFd();
    const docsBefore = await db.db.selectFrom('documents').select('id').execute();
    expect(await till.recordVoid(cashier, [{ barcode: BREAD, quantity: '2' }])).toMatchObject({
      ok: false,
      code: 'approval-needed',
    });
    await addUser(db, { ...cashier, id: 'kuznetsova', name: 'Кузнецова О.', pin: '3333' });
    expect(await till.recordVoid(cashier, [{ barcode: BREAD, quantity: '2' }], '3333')).toMatchObject({
      ok: false,
      code: 'forbidden', // another cashier's PIN approves nothing
    });
    expect(await till.recordVoid(cashier, [{ barcode: BREAD, quantity: '2' }], '9999')).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
    expect(await db.db.selectFrom('documents').select('id').execute()).toEqual(docsBefore);
    const voided = await till.recordVoid(cashier, [{ barcode: BREAD, quantity: '2' }], '2222');
    expect(voided).toMatchObject({
      ok: true,
      value: { kind: 'void', total: 10980, cash: 0, card: 0, fiscal: null },
    });
    expect(await k.lastFd()).toBe(fdBefore);
    expect(await till.recordVoid(senior, [{ barcode: '4600000000999' }])).toMatchObject({
      ok: false,
      code: 'unknown-barcode',
    });
    const voidDoc = await db.db
      .selectFrom('documents')
      .select('doc_json')
      .where('kind', '=', 'void')
      .executeTakeFirstOrThrow();
    const uploadable = salesDocument.parse(JSON.parse(voidDoc.doc_json!));
    expect(salesDocumentProblem(uploadable)).toBeUndefined();
    expect(uploadable).toMatchObject({
      kind: 'void',
      cashier: 'Иванова А.',
      total: 10980,
      payments: { cash: 0, card: 0 },
      approval: { by: 'petrova', name: 'Петрова Е.', role: 'senior', permission: 'void' },
    });

    expect(
      await till.sell(senior, { lines: [{ barcode: '4600000000999' }], card: 0, cashTendered: 0 }),
    ).toMatchObject({
      ok: false,
      code: 'unknown-barcode',
    });
    expect(await till.returnByReceipt(cashier, { number: sale.value.number })).toMatchObject({
      ok: false,
      code: 'approval-needed',
    });
    const ret = await till.returnByReceipt(senior, { number: sale.value.number, lines: [0] });
    expect(ret).toMatchObject({ ok: true, value: { kind: 'return', total: 8990, card: 8990, cash: 0 } });
    expect(await till.returnByReceipt(senior, { number: sale.value.number, lines: [0] })).toMatchObject({
      ok: false,
      code: 'already-returned',
    });
    // Without a receipt: a manager only, and only where the store allows it.
    const manager: User = { id: 'sidorov', name: 'Сидоров П.', role: 'manager' };
    const free = { lines: [{ barcode: BREAD }], card: 0 };
    expect(await till.returnWithoutReceipt(senior, free)).toMatchObject({
      ok: false,
      code: 'approval-needed',
    });
    expect(
      await service(db, new AtolClient(k.httpUrl), up, false).returnWithoutReceipt(manager, free),
    ).toMatchObject({
      ok: false,
      code: 'not-allowed',
    });
    const freeRet = await till.returnWithoutReceipt(manager, free);
    expect(freeRet).toMatchObject({
      ok: true,
      value: { kind: 'return', total: 5490, cash: 5490, originalId: null },
    });
    expect((await till.cashMove(senior, 'in', 500000)).ok).toBe(true);
    expect((await till.cashMove(senior, 'out', 100000)).ok).toBe(true);
    expect(await till.cashMove(senior, 'out', 100_000_000)).toMatchObject({
      ok: false,
      code: 'not-enough-cash',
    });

    const x = await till.xReport(senior);
    expect(x).toMatchObject({ ok: true, value: { agree: true } });
    const z = await till.closeShift(senior);
    if (!z.ok) throw new Error(z.message);
    expect(z.value.report).toMatchObject({
      agree: true,
      till: {
        sale: { count: 1, total: 130907 },
        return: { count: 2, total: 14480 },
        cashIn: 500000,
        cashOut: 100000,
      },
      kkt: { sell: { count: 1, sum: 130907 }, sellReturn: { count: 2, sum: 14480 } },
    });
    // The ККТ's cash counter and the till's agree too: 809.07 in, 5000 in, 1000 out.
    expect(z.value.report.kkt?.cashInDrawer).toBe(z.value.report.till.cashInDrawer);
    // Queued for upload: each finished document once, in till order; nothing for refusals or X.
    const queued = await db.db
      .selectFrom('outbox as o')
      .innerJoin('documents as d', 'd.id', 'o.doc_id')
      .select('d.kind')
      .orderBy('o.seq')
      .execute();
    expect(queued.map((q) => q.kind)).toEqual([
      'shiftOpen',
      'sale',
      'void',
      'return',
      'return',
      'cashIn',
      'cashOut',
      'shiftClose',
    ]);
    expect(up.n).toBe(8);
  });

  it('sells at another price than the catalogue’s only with the role for it or a supervisor’s PIN', async () => {
    const k = await kkt();
    const db = await tillDb();
    await addUser(db, { ...cashier, id: 'kuznetsova', name: 'Кузнецова О.', pin: '3333' });
    const till = service(db, new AtolClient(k.httpUrl), { n: 0 });
    expect((await till.openShift(senior)).ok).toBe(true);
    // A price other than the catalogue's is a price override: a cashier needs a supervisor's PIN.
    const cheaper = { lines: [{ barcode: MILK, quantity: '2', price: 5000 }], card: 0, cashTendered: 10_000 };
    expect(await till.sell(cashier, cheaper)).toMatchObject({ ok: false, code: 'approval-needed' });
    expect(await till.sell(cashier, cheaper, '3333')).toMatchObject({ ok: false, code: 'forbidden' });
    const overridden = await till.sell(cashier, cheaper, '2222');
    if (!overridden.ok) throw new Error(overridden.message);
    expect(overridden.value).toMatchObject({ total: 10_000, lines: [{ price: 5000, sum: 10_000 }] });
    const overrideDoc = salesDocument.parse(
      JSON.parse(
        (
          await db.db
            .selectFrom('documents')
            .select('doc_json')
            .where('id', '=', overridden.value.id)
            .executeTakeFirstOrThrow()
        ).doc_json!,
      ),
    );
    expect(overrideDoc.lines[0]).toMatchObject({ price: 5000, sum: 10_000, listPrice: 8990 });
    expect(overrideDoc.approval).toMatchObject({ by: 'petrova', permission: 'priceOverride' });
    expect(salesDocumentProblem(overrideDoc)).toBeUndefined();
    // a senior cashier may; returns and voids never take a price from the screen
    expect((await till.sell(senior, cheaper)).ok).toBe(true);
    expect(
      await till.returnWithoutReceipt(senior, { lines: [{ barcode: MILK, price: 1 }], card: 0 }, '2222'),
    ).toMatchObject({ ok: false, code: 'bad-price' });
  });

  it('settles a receipt whose ККТ answer was lost from the ККТ itself: recorded once, never fiscalised twice', async () => {
    const k = await kkt();
    const db = await tillDb();
    const atol = new FlakyAtol(k.httpUrl);
    const up = { n: 0 };
    const till = service(db, atol, up);
    expect((await till.openShift(senior)).ok).toBe(true);
    const before = await k.lastFd();

    // A brief hiccup: the answer is lost, the till asks the ККТ at once and reports the truth.
    atol.mode = 'lose-answer';
    const quick = await till.sell(senior, { lines: [{ barcode: MILK }], card: 0, cashTendered: 8990 });
    expect(quick).toMatchObject({ ok: true, value: { state: 'done', fiscal: { fd: before + 1 } } });

    // The answer is lost and the ККТ stays out of reach: the sale stays unfinished, the till waits.
    atol.mode = 'lose-answer';
    atol.outage = true;
    const lost = await till.sell(senior, { lines: [{ barcode: MILK }], card: 0, cashTendered: 8990 });
    expect(lost).toMatchObject({ ok: false, code: 'kkt-unreachable' });
    expect(await till.pendingCount()).toBe(1);
    expect(await k.lastFd()).toBe(before + 2); // the ККТ did fiscalise it
    expect(
      await till.sell(senior, { lines: [{ barcode: BREAD }], card: 0, cashTendered: 5490 }),
    ).toMatchObject({
      ok: false,
      code: 'kkt-unreachable',
    });

    // The till restarts (a new service on the same database) with the ККТ back: it asks the ККТ.
    const restarted = service(db, new AtolClient(k.httpUrl), up);
    const r = await restarted.recover();
    expect(r.pending).toBe(0);
    expect(r.settled.map((d) => [d.number, d.state])).toEqual([[3, 'done']]);
    // the sale screen is told, so the cashier does not ring it up again
    expect(printedNotice(r.settled)).toMatch(
      /^Чек № 3 на .* всё же пробит ККТ\. Не пробивайте его повторно$/,
    );
    expect(await restarted.document({ number: 3 })).toMatchObject({
      state: 'done',
      fiscal: { fd: before + 2 },
    });
    expect(await k.lastFd()).toBe(before + 2); // not again

    // Without a restart: the next operation first learns the unfinished receipt did go through,
    // and says so instead of going on, so the cashier does not ring it up twice.
    atol.mode = 'lose-answer';
    expect((await till.sell(senior, { lines: [{ barcode: MILK }], card: 0, cashTendered: 8990 })).ok).toBe(
      false,
    );
    atol.outage = false;
    const told = await till.sell(senior, { lines: [{ barcode: BREAD }], card: 0, cashTendered: 5490 });
    expect(told).toMatchObject({ ok: false, code: 'previous-done' });
    expect(told.ok || told.message).toMatch(/^Чек № 4 на 89,90.₽ всё же пробит ККТ/);
    expect(await k.lastFd()).toBe(before + 3);

    // The request itself is lost during an outage: once the ККТ answers, it has never heard of
    // it, so the uuid is taken by a harmless request and the receipt recorded as not fiscalised —
    // a late copy can never print a receipt the cashier was told did not go through.
    atol.mode = 'lose-request';
    atol.outage = true;
    expect((await till.sell(senior, { lines: [{ barcode: BREAD }], card: 0, cashTendered: 5490 })).ok).toBe(
      false,
    );
    atol.outage = false;
    const next = await till.sell(senior, { lines: [{ barcode: MILK }], card: 0, cashTendered: 8990 });
    expect(next).toMatchObject({ ok: true, value: { number: 6, fiscal: { fd: before + 4 } } });
    const unsent = await till.document({ number: 5 });
    expect(unsent).toMatchObject({ state: 'failed', error: 'ККТ не получила запрос; документ не пробит' });
    // The taken uuid: a late copy of the lost request would be refused by the ККТ.
    const taken = await db.db
      .selectFrom('documents')
      .select('kkt_uuid')
      .where('number', '=', 5)
      .executeTakeFirstOrThrow();
    expect(await atol.submit(taken.kkt_uuid, [{ type: 'sell' }])).toBe('exists');
    expect(await k.lastFd()).toBe(before + 4);
    // Only what the ККТ fiscalised is queued for upload.
    const queued = await db.db
      .selectFrom('outbox as o')
      .innerJoin('documents as d', 'd.id', 'o.doc_id')
      .select('d.number')
      .orderBy('o.seq')
      .execute();
    expect(queued.map((x) => x.number)).toEqual([1, 2, 3, 4, 6]);
  });
});
