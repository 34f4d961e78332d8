import { afterEach, describe, expect, it } from 'vitest';
import { ean13 } from '@openkassa/till';
import {
  enrollCode,
  sleep,
  startLocalServer,
  startOfd,
  startTillRole,
  startTillWithKkt,
  stopAll,
  tempDir,
  tillSession,
} from './support.js';

afterEach(stopAll);

interface Device {
  id: string;
  kind: string;
  store: string;
  online: boolean;
  status: { uploadQueue?: number; fn?: string; shift?: { open: boolean; number: number } };
  commands: { id: string; kind: string; state: string; result: unknown }[];
}

const devices = async (server: { api: string; auth: Record<string, string> }) =>
  (
    (await (await fetch(`${server.api}/api/v1/devices?store=S1`, { headers: server.auth })).json()) as {
      devices: Device[];
    }
  ).devices;

describe('devices: registry, heartbeat, remote commands', () => {
  it('a till reports itself with its state and runs the commands the office sends it', async () => {
    const ofd = await startOfd(tempDir('de-ofd'));
    const server = await startLocalServer('de-srv', ['--ofd', `127.0.0.1:${ofd.port}`]);
    const till = await startTillWithKkt(server, {
      fn: '9999000000000951',
      tag: 'de',
      extra: ['--store', 'S1', '--till', 'T7', '--demo-catalog', '50', '--heartbeat', '1'],
    });
    const s = await tillSession(till.url, '2222');
    expect((await s.call('POST', '/api/shift/open')).status).toBe(200);
    await expect
      .poll(async () => (await devices(server)).find((d) => d.id === 'till:S1/T7')?.status.fn, {
        timeout: 10_000,
      })
      .toBe('9999000000000951');
    const d = (await devices(server)).find((x) => x.id === 'till:S1/T7')!;
    expect(d).toMatchObject({
      kind: 'till',
      store: 'S1',
      online: true,
      status: { uploadQueue: 0, shift: { open: true, number: 1 } },
    });

    const send = async (body: unknown) =>
      fetch(`${server.api}/api/v1/devices/till:S1%2FT7/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...server.auth },
        body: JSON.stringify(body),
      });
    expect((await send({ kind: 'launch' })).status).toBe(400);
    expect((await send({ kind: 'message' })).status).toBe(400);
    const unknown = await fetch(`${server.api}/api/v1/devices/till:S9%2FT1/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...server.auth },
      body: JSON.stringify({ kind: 'reloadCatalog' }),
    });
    expect(unknown.status).toBe(404);
    const msg = (await (
      await send({ kind: 'message', payload: { text: 'Инвентаризация в 20:00' } })
    ).json()) as { id: string };
    const close = (await (await send({ kind: 'requestShiftClose' })).json()) as { id: string };
    const reload = (await (await send({ kind: 'reloadCatalog' })).json()) as { id: string };
    // Delivered with the next heartbeat, shown to the cashier, answered.
    await expect
      .poll(
        async () =>
          // the office's messages are for a logged-in cashier only
          ((await s.call('GET', '/api/status')).body as { messages: { text: string }[] }).messages.map(
            (m) => m.text,
          ),
        { timeout: 10_000 },
      )
      .toEqual(['Инвентаризация в 20:00', 'Офис просит закрыть смену']);
    await expect
      .poll(
        async () =>
          (await devices(server))[0]!.commands
            .filter((c) => c.state === 'done')
            .map((c) => c.id)
            .sort(),
        { timeout: 10_000 },
      )
      .toEqual([msg.id, close.id, reload.id].sort());
  }, 60_000);

  it('a head office sees each store server, the tills and ККТ behind it; scales are entered by hand', async () => {
    const ofd = await startOfd(tempDir('dh-ofd'));
    const hq = await startLocalServer('dh-hq', ['--ofd', `127.0.0.1:${ofd.port}`]);
    const store = await startLocalServer('dh-store', [
      '--upstream-relay',
      `127.0.0.1:${hq.relayPort}`,
      '--upstream-server',
      hq.api,
      '--upstream-enroll',
      await enrollCode(hq, 'S1', 'store-server'),
      '--store',
      'S1',
      '--report-every',
      '1',
    ]);
    const till = await startTillWithKkt(store, {
      fn: '9999000000000952',
      tag: 'dh',
      extra: ['--store', 'S1', '--till', 'T8', '--demo-catalog', '50', '--heartbeat', '1'],
    });
    const tillArgs = till.args;
    const s = await tillSession(till.url, '2222');
    expect((await s.call('POST', '/api/shift/open')).status).toBe(200);
    const sale = await s.call('POST', '/api/sale', {
      lines: [{ barcode: ean13('460000000001') }],
      card: 0,
      cashTendered: 100_000,
    });
    expect(sale.status).toBe(200);

    // The head office lists the store server with its state, and the till as the store last heard it.
    await expect
      .poll(async () => (await devices(hq)).find((d) => d.id === 'till:S1/T8')?.status.fn, {
        timeout: 15_000,
      })
      .toBe('9999000000000952');
    const atHq = await devices(hq);
    expect(atHq.find((d) => d.id === 'store-server:S1')).toMatchObject({
      kind: 'store-server',
      store: 'S1',
      online: true,
      status: { uplink: { pending: expect.any(Number) as number }, devices: { count: 1, online: 1 } },
    });
    expect(atHq.find((d) => d.id === 'till:S1/T8')).toMatchObject({
      kind: 'till',
      store: 'S1',
      online: true,
      status: { reportedBy: 'store-server:S1', shift: { open: true, number: 1 } },
    });

    // Each ККТ by its ФН: the till that drives it and what the relay has of it, on both servers.
    interface Kkt {
      fn: string;
      till: string | null;
      tillLastFd: number | null;
      relay: { documents: number; unconfirmed: number } | null;
    }
    const kktAt = async (server: { api: string; auth: Record<string, string> }) =>
      (
        (await (
          await fetch(`${server.api}/api/v1/devices/kkt?store=S1`, { headers: server.auth })
        ).json()) as {
          kkt: Kkt[];
        }
      ).kkt;
    for (const server of [store, hq])
      await expect
        .poll(async () => (await kktAt(server)).find((k) => k.fn === '9999000000000952'), { timeout: 15_000 })
        // ФД 1 is the ККТ's registration report, 2 the shift opening, 3 the sale
        .toMatchObject({ till: 'till:S1/T8', tillLastFd: 3, relay: { documents: 3, unconfirmed: 0 } });

    // Scales before their server reports: entered by hand, known and never heard from.
    const register = (id: string, body: unknown) =>
      fetch(`${hq.api}/api/v1/devices/${encodeURIComponent(id)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...hq.auth },
        body: JSON.stringify(body),
      });
    const scales = {
      kind: 'scales',
      store: 'S1',
      name: 'Весы в мясном отделе',
      status: { address: '10.0.0.7:1111', protocol: 'cas-lp' },
    };
    expect((await register('scales:S1/1', scales)).status).toBe(200);
    expect((await register('scales:S1/2', { ...scales, kind: 'toaster' })).status).toBe(400);
    expect((await register('till:S1/T8', { ...scales, kind: 'till' })).status).toBe(409);
    expect((await devices(hq)).find((d) => d.id === 'scales:S1/1')).toMatchObject({
      kind: 'scales',
      online: false,
      lastSeenAt: null,
      status: { address: '10.0.0.7:1111' },
    });

    // A command for the store server is delivered with its next report and answered.
    const cmd = (await (
      await fetch(`${hq.api}/api/v1/devices/store-server:S1/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...hq.auth },
        body: JSON.stringify({ kind: 'reloadCatalog' }),
      })
    ).json()) as { id: string };
    await expect
      .poll(
        async () =>
          (await devices(hq)).find((d) => d.id === 'store-server:S1')?.commands.find((c) => c.id === cmd.id)
            ?.state,
        { timeout: 10_000 },
      )
      .toBe('done');

    // A message from the head office to the till behind the store: passed on by the store server,
    // shown at the till, and its answer comes back to the head office.
    const toTill = (await (
      await fetch(`${hq.api}/api/v1/devices/till:S1%2FT8/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...hq.auth },
        body: JSON.stringify({ kind: 'message', payload: { text: 'Инвентаризация в 21:00' } }),
      })
    ).json()) as { id: string };
    await expect
      .poll(
        async () =>
          (await devices(hq)).find((d) => d.id === 'till:S1/T8')?.commands.find((c) => c.id === toTill.id)
            ?.state,
        { timeout: 15_000 },
      )
      .toBe('done');
    expect(
      (await devices(store)).find((d) => d.id === 'till:S1/T8')?.commands.find((c) => c.id === toTill.id)
        ?.state,
    ).toBe('done');

    // A till that is off when the command is issued gets it when it is back.
    await till.role.stop('SIGKILL');
    const later = (await (
      await fetch(`${hq.api}/api/v1/devices/till:S1%2FT8/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...hq.auth },
        body: JSON.stringify({ kind: 'message', payload: { text: 'Смену закрыть в 22:00' } }),
      })
    ).json()) as { id: string };
    const stateAtHq = async (id: string) =>
      (await devices(hq)).find((d) => d.id === 'till:S1/T8')?.commands.find((c) => c.id === id)?.state;
    // passed to the store server with its next report, and not answered while the till is away
    await expect.poll(() => stateAtHq(later.id), { timeout: 15_000 }).toBe('delivered');
    await sleep(2500); // a few more reports of the store server
    expect(await stateAtHq(later.id)).toBe('delivered');
    const back = await startTillRole(tillArgs);
    await expect.poll(() => stateAtHq(later.id), { timeout: 15_000 }).toBe('done');
    const cashier = await tillSession(back.url, '2222');
    expect(
      ((await cashier.call('GET', '/api/status')).body as { messages: { text: string }[] }).messages.map(
        (m) => m.text,
      ),
    ).toContain('Смену закрыть в 22:00');
  }, 60_000);
});
