import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildKktApp } from './app.js';
import { RequestQueue, type TaskResult } from './atol/queue.js';
import { OfdExchange } from './exchange/ofd-exchange.js';
import { testDrive } from './test-support.js';

const running: { app: FastifyInstance; stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});

async function emulator(dir?: string) {
  const t = await testDrive('1.2', '9999000000000042', dir);
  // The exchange never runs here: these tests are about the task API, not delivery.
  const exchange = new OfdExchange({
    db: t.db,
    signer: t.signer,
    clock: t.clock,
    log: { warn: () => undefined },
    config: {
      fn: '9999000000000042',
      ofd: { host: '127.0.0.1', port: 1 },
      answerTimeoutMs: 100,
      retryMinMs: 10,
      retryMaxMs: 10,
    },
  });
  const queue = new RequestQueue({ db: t.db, drive: t.drive, exchange, clock: t.clock });
  const loop = queue.run();
  const app = buildKktApp({ db: t.db, drive: t.drive, queue, exchange });
  const handle = {
    app,
    async stop() {
      queue.stop();
      await loop;
      await app.close();
      await t.db.close();
    },
  };
  running.push(handle);
  return { ...t, app, handle };
}

async function post(app: FastifyInstance, uuid: string, request: unknown) {
  return app.inject({ method: 'POST', url: '/api/v2/requests', payload: { uuid, request } });
}

async function results(app: FastifyInstance, uuid: string): Promise<TaskResult[]> {
  for (let i = 0; i < 200; i++) {
    const r = await app.inject({ method: 'GET', url: `/api/v2/requests/${uuid}` });
    const body = r.json<{ results: TaskResult[] }>();
    if (body.results.every((x) => x.status !== 'wait' && x.status !== 'inProgress')) return body.results;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error('request did not finish');
}

async function lastFd(app: FastifyInstance): Promise<number> {
  return (await app.inject({ method: 'GET', url: '/api/v1/fn' })).json<{ lastFd: number }>().lastFd;
}

const sell = (extra: Record<string, unknown> = {}) => ({
  type: 'sell',
  items: [
    {
      type: 'position',
      name: 'Кофе',
      price: 150,
      quantity: 2,
      amount: 300,
      tax: { type: 'vat22' },
      paymentMethod: 'fullPayment',
      paymentObject: 'commodity',
    },
  ],
  payments: [{ type: 'cash', sum: 500 }],
  ...extra,
});

describe('ATOL JSON-task API', () => {
  it('runs a request of several tasks and reports fiscalParams like the driver', async () => {
    const { app } = await emulator();
    const p = await post(app, 'req-1', [
      { type: 'openShift', operator: { name: 'Иванова' } },
      sell(),
      { type: 'getShiftStatus' },
      { type: 'cashOut', cashSum: 100 },
    ]);
    expect(p.statusCode).toBe(201);
    expect(p.json()).toEqual({ number: 1, uuid: 'req-1', isBlocked: false, blockedUUID: '' });
    const r = await results(app, 'req-1');
    expect(r.map((x) => x.status)).toEqual(['ready', 'ready', 'ready', 'ready']);
    expect(r[1]!.result).toEqual({
      fiscalParams: {
        fiscalDocumentNumber: 3,
        fiscalDocumentDateTime: '2026-11-20T10:00:00+03:00',
        fiscalDocumentSign: expect.stringMatching(/^\d+$/),
        fiscalReceiptNumber: 1,
        fnNumber: '9999000000000042',
        registrationNumber: '0000000000000042',
        shiftNumber: 1,
        total: 300,
        fnsUrl: 'www.nalog.gov.ru',
      },
      warnings: { notPrinted: false },
    });
    expect(r[2]!.result).toMatchObject({ shiftStatus: { state: 'opened', number: 1 } });
    expect(r[3]!.result).toEqual({ counters: { cashSum: 200 } });
  });

  it('rejects an invalid task with the driver error, fiscalises nothing from it and interrupts the rest', async () => {
    const { app } = await emulator();
    await post(app, 'open', { type: 'openShift' });
    await results(app, 'open');
    const before = await lastFd(app);
    const cases: [unknown, number, RegExp][] = [
      [{ ...sell(), items: undefined }, 501, /Поле "items" отсутствует/],
      [sell({ payments: [{ type: 0, sum: 300 }] }), 501, /Поле "payments\[0\]\.type" имеет неверный тип/],
      [
        sell({ items: [{ type: 'position', name: 'Кофе', price: 'сто', quantity: 1, amount: 100 }] }),
        501,
        /items\[0\]\.price/,
      ],
      [
        sell({ items: [{ type: 'position', name: 'Кофе', price: 1.005, quantity: 1, amount: 1 }] }),
        501,
        /Некорректное значение поля "items\[0\]\.price"/,
      ],
      [
        sell({
          items: [
            { type: 'position', name: 'Кофе', price: 150, quantity: 2, amount: 300, tax: { type: 'vat99' } },
          ],
        }),
        144,
        /vat99/,
      ],
      [sell({ payments: [{ type: 'cash', sum: 100 }] }), 66, /Чек оплачен не полностью/],
      [sell({ total: 299 }), 227, /total/],
      [{ type: 'launchRocket' }, 11, /launchRocket/],
    ];
    for (const [i, [task, code, text]] of cases.entries()) {
      await post(app, `bad-${i}`, [task, sell()]);
      const r = await results(app, `bad-${i}`);
      expect(r[0]).toMatchObject({ status: 'error', errorCode: code, error: { code } });
      expect(r[0]!.errorDescription).toMatch(text);
      expect(r[1]).toMatchObject({ status: 'interrupted', errorCode: 502 });
    }
    expect(await lastFd(app)).toBe(before);
  });

  it('answers 400 for malformed requests and 409 for a repeated uuid', async () => {
    const { app } = await emulator();
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/v2/requests',
          payload: '[1,2]',
          headers: { 'content-type': 'application/json' },
        })
      ).statusCode,
    ).toBe(400);
    expect((await post(app, '', sell())).statusCode).toBe(400);
    expect((await post(app, 'ok-id', [])).statusCode).toBe(400);
    expect((await post(app, 'x'.repeat(200), sell())).statusCode).toBe(400);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/v2/requests',
          payload: '{"uuid":',
          headers: { 'content-type': 'application/json' },
        })
      ).statusCode,
    ).toBe(400);
    expect((await post(app, 'dup', { type: 'getDeviceStatus' })).statusCode).toBe(201);
    const again = await post(app, 'dup', { type: 'getDeviceStatus' });
    expect(again.statusCode).toBe(409);
    expect((await app.inject({ method: 'GET', url: '/api/v2/requests/nope' })).statusCode).toBe(404);
  });

  it('keeps results across a restart, and finishes a request the restart interrupted exactly once', async () => {
    const first = await emulator();
    await post(first.app, 'before', [{ type: 'openShift' }, sell()]);
    const r1 = await results(first.app, 'before');
    // A request stored but not yet run (as if the process died right after answering 201).
    await first.db.db
      .insertInto('kkt_requests')
      .values({
        uuid: 'pending',
        number: 99,
        tasks_json: JSON.stringify([sell(), sell()]),
        results_json: JSON.stringify([
          r1[1],
          {
            status: 'wait',
            errorCode: 0,
            errorDescription: '',
            error: { code: 0, description: '' },
            result: null,
          },
        ]),
        state: 'inProgress',
        created_at: 'x',
        updated_at: 'x',
      })
      .execute();
    await first.handle.stop();
    running.splice(running.indexOf(first.handle), 1);

    const second = await emulator(first.dir);
    expect(await results(second.app, 'before')).toEqual(r1);
    const resumed = await results(second.app, 'pending');
    expect(resumed[0]).toEqual(r1[1]); // already done: not run again
    expect(resumed[1]).toMatchObject({
      status: 'ready',
      result: { fiscalParams: { fiscalDocumentNumber: 4 } },
    });
    expect(await lastFd(second.app)).toBe(4);
  });

  it('reports the ФН status, device status, FN info and exchange status', async () => {
    const { app } = await emulator();
    const fn = (await app.inject({ method: 'GET', url: '/api/v1/fn' })).json();
    expect(fn).toMatchObject({
      fnNumber: '9999000000000042',
      emulated: true,
      lastFd: 1,
      unconfirmed: 1,
      oldestUnconfirmed: { fd: 1 },
      blocked: false,
      shift: { state: 'closed' },
    });
    await post(app, 'info', [
      { type: 'getDeviceStatus' },
      { type: 'getFnInfo' },
      { type: 'ofdExchangeStatus' },
      { type: 'getShiftTotals' },
    ]);
    const r = await results(app, 'info');
    expect(r.map((x) => x.status)).toEqual(['ready', 'ready', 'ready', 'ready']);
    expect(r[0]!.result).toMatchObject({ deviceStatus: { shift: 'closed', blocked: false, emulated: true } });
    expect(r[1]!.result).toMatchObject({
      fnInfo: { serial: '9999000000000042', ffdVersion: '1.2', lastDocumentNumber: 1 },
    });
    expect(r[2]!.result).toMatchObject({ status: { notSentCount: 1, notSentFirstDocNumber: 1 } });
    expect(r[3]!.result).toMatchObject({
      shiftTotals: { receipts: { sell: { count: 0, sum: 0 } }, cashSum: 0 },
    });
  });
});
