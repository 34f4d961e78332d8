import { mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatedSigner } from '@openkassa/emulation';
import { concatBytes, frameLength, fromHex, parseMessage, readOperatorAck } from '@openkassa/fiscal';
import { startOfdEmulator, type RunningOfdEmulator } from './main.js';

const VECTORS = join(import.meta.dirname, '../../../../shared/vectors/ofd');
const vector = (name: string) => fromHex(readFileSync(join(VECTORS, name), 'utf8'))!;

type Exchange =
  | { kind: 'answer'; bytes: Uint8Array; ms: number }
  | { kind: 'closed'; ms: number }
  | { kind: 'refused' }
  | { kind: 'timeout' };

/** Sends one message the way a ККТ does and reports what came back. */
function exchange(port: number, message: Uint8Array, timeoutMs = 2000): Promise<Exchange> {
  return new Promise((resolve) => {
    const started = Date.now();
    const s = connect({ host: '127.0.0.1', port });
    let buf: Uint8Array = new Uint8Array(0);
    let done = false;
    const finish = (e: Exchange) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      s.destroy();
      resolve(e);
    };
    const t = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    s.on('connect', () => s.write(message));
    s.on('data', (c: Buffer) => {
      buf = concatBytes([buf, c]);
      const len = frameLength(buf);
      if (len.ok && len.value !== undefined && buf.length >= len.value)
        finish({ kind: 'answer', bytes: buf.slice(0, len.value), ms: Date.now() - started });
    });
    s.on('error', (e: NodeJS.ErrnoException) =>
      finish(e.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'closed', ms: Date.now() - started }),
    );
    s.on('close', () => finish({ kind: 'closed', ms: Date.now() - started }));
  });
}

let ofd: RunningOfdEmulator;
const dataDir = mkdtempSync(join(tmpdir(), 'ok-ofd-'));
const signer = new EmulatedSigner();
const http = (path: string, init?: RequestInit) => fetch(`${ofd.httpUrl}${path}`, init);
const setFaults = (body: unknown) =>
  http('/api/v1/faults', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const docs = async (fn: string) =>
  ((await (await http(`/api/v1/documents?fn=${fn}`)).json()) as { documents: Record<string, unknown>[] })
    .documents;

beforeAll(async () => {
  ofd = await startOfdEmulator(
    {
      listen: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      dataDir,
    },
    { warn: () => undefined },
  );
});
afterAll(() => ofd.close());

describe('sandbox OFD', () => {
  it('accepts the real recorded doc-11 message and answers with a confirmation the ККТ can verify', async () => {
    const r = await exchange(ofd.tcp.port, vector('yandex-ofd_kkt-to-ofd_msg_doc11_ffd105.hex'));
    if (r.kind !== 'answer') throw new Error(r.kind);
    const m = parseMessage(r.bytes);
    if (!m.ok) throw new Error(m.error.message);
    const c = m.value.container!;
    expect(c.crcValid).toBe(true);
    expect(c.header).toMatchObject({ dataType: 7, fnNumber: '9999078900005488', fdNumber: 1 });
    // the answer repeats the start of the request's service data 2
    expect(Array.from(c.header.serviceData2.subarray(0, 10))).toEqual([
      0x84, 0xec, 0x4c, 0x14, 0xc2, 0x00, 0x00, 0x01, 0x00, 0x04,
    ]);
    const ack = readOperatorAck(c.document!)!;
    expect(ack).toMatchObject({ code: 0, fnNumber: '9999078900005488', fdNumber: 1, ofdInn: '7799000000  ' });
    expect(signer.verifyOperatorSign('9999078900005488', 1, 0, ack.dateTime!, ack.fpo!)).toBe(true);
    expect(signer.verifyTransferSign('9999078900005488', c.documentBytes!, c.trailer)).toBe(true);
    expect(new TextDecoder().decode(ack.fpo!.subarray(0, 4))).toBe('EMUL');
  });

  it('stores each document once, counting how often it came', async () => {
    await exchange(ofd.tcp.port, vector('yandex-ofd_kkt-to-ofd_msg_doc11_ffd105.hex'));
    const d = await docs('9999078900005488');
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({
      fd: 1,
      form: 11,
      ffd: '1.05',
      timesReceived: 2,
      flkOk: true,
      answerCode: 0,
    });
    expect((d[0]!.fnsJson as Record<string, Record<string, unknown>>).fiscalReportCorrection!.kktRegId).toBe(
      '0000000005008570    ',
    );
  });

  it('answers a document that fails ФЛК with code 14 (FFD 1.2: the ФЛК flag of 1206) and stores it', async () => {
    const r = await exchange(ofd.tcp.port, vector('synthetic_kkt-to-ofd_msg_receipt_ffd12_pver0120.hex'));
    if (r.kind !== 'answer') throw new Error(r.kind);
    const m = parseMessage(r.bytes);
    const ack = m.ok ? readOperatorAck(m.value.container!.document!) : undefined;
    expect(ack).toMatchObject({ code: 14, operatorFlags: 2, fdNumber: 36 });
    expect((await docs('9999078900001366')).find((x) => x.fd === 36)).toMatchObject({
      flkOk: false,
      answerCode: 14,
      total: 10000,
    });
  });

  it('accepts the synthetic doc-3 receipt with its over-wide sums (warnings only)', async () => {
    const r = await exchange(ofd.tcp.port, vector('synthetic_kkt-to-ofd_msg_receipt_doc3.hex'));
    expect(r.kind).toBe('answer');
    expect((await docs('9999078900001366')).find((x) => x.fd === 35)).toMatchObject({
      flkOk: true,
      answerCode: 0,
      total: 10750,
    });
  });

  it('closes the connection on bytes that are not an OFD message', async () => {
    const r = await exchange(ofd.tcp.port, new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(r.kind).toBe('closed');
  });

  it('fault modes: down, silent, slow, reject, drop, then normal', async () => {
    const msg = vector('synthetic_kkt-to-ofd_msg_receipt_doc3.hex');
    const count = async () =>
      (await docs('9999078900001366')).find((x) => x.fd === 35)!.timesReceived as number;
    const before = await count();

    expect((await setFaults({ mode: 'down' })).status).toBe(200);
    expect((await exchange(ofd.tcp.port, msg)).kind).toBe('refused');

    await setFaults({ mode: 'silent' });
    expect((await exchange(ofd.tcp.port, msg, 600)).kind).toBe('timeout');
    expect(await count()).toBe(before + 1); // read and stored, never answered

    await setFaults({ mode: 'slow', delayMs: 400 });
    const slow = await exchange(ofd.tcp.port, msg);
    expect(slow.kind).toBe('answer');
    expect(slow.kind === 'answer' && slow.ms).toBeGreaterThanOrEqual(390);

    await setFaults({ mode: 'reject' });
    const rej = await exchange(ofd.tcp.port, msg);
    const rm = rej.kind === 'answer' ? parseMessage(rej.bytes) : undefined;
    expect(rm?.ok && readOperatorAck(rm.value.container!.document!)?.code).toBe(14);

    await setFaults({ mode: 'drop' });
    const beforeDrop = await count();
    expect((await exchange(ofd.tcp.port, msg)).kind).toBe('closed');
    expect(await count()).toBe(beforeDrop); // dropped before processing

    await setFaults({ mode: 'normal' });
    const back = await exchange(ofd.tcp.port, msg);
    const bm = back.kind === 'answer' ? parseMessage(back.bytes) : undefined;
    expect(bm?.ok && readOperatorAck(bm.value.container!.document!)?.code).toBe(0);
  });

  it('keeps what it stored across a restart', async () => {
    const before = await docs('9999078900005488');
    await ofd.close();
    ofd = await startOfdEmulator(
      { listen: { host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 }, dataDir },
      { warn: () => undefined },
    );
    expect(await docs('9999078900005488')).toEqual(before);
    await exchange(ofd.tcp.port, vector('yandex-ofd_kkt-to-ofd_msg_doc11_ffd105.hex'));
    expect((await docs('9999078900005488'))[0]).toMatchObject({ fd: 1, timesReceived: 3 });
  });

  it('validates its HTTP input', async () => {
    expect((await setFaults({ mode: 'explode' })).status).toBe(400);
    expect((await setFaults({ mode: 'slow', delayMs: -1 })).status).toBe(400);
    expect((await http('/api/v1/documents?fn=123')).status).toBe(400);
    expect((await http('/api/v1/documents?limit=0')).status).toBe(400);
    const f = (await (await http('/api/v1/faults')).json()) as { mode: string };
    expect(f.mode).toBe('normal');
  });
});
