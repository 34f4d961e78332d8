import { afterEach, describe, expect, it } from 'vitest';
import {
  startKkt,
  startOfd,
  startServerRole,
  startTillRole,
  stopAll,
  tempDir,
  tillSession,
  tillStatus,
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

const devices = async (api: string) =>
  ((await (await fetch(`${api}/api/v1/devices?store=S1`)).json()) as { devices: Device[] }).devices;

describe('devices: registry, heartbeat, remote commands', () => {
  it('a till reports itself with its state and runs the commands the office sends it', async () => {
    const ofd = await startOfd(tempDir('de-ofd'));
    const server = await startServerRole([
      '--data',
      tempDir('de-srv'),
      '--relay',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
      '--ofd',
      `127.0.0.1:${ofd.port}`,
    ]);
    const kkt = await startKkt('9999000000000951', server.relayPort, tempDir('de-kkt'));
    const till = await startTillRole([
      '--kkt',
      kkt.url,
      '--server',
      server.api,
      '--data',
      tempDir('de-till'),
      '--http',
      '127.0.0.1:0',
      '--store',
      'S1',
      '--till',
      'T7',
      '--demo-catalog',
      '50',
      '--heartbeat',
      '1',
    ]);
    const s = await tillSession(till.url, '2222');
    expect((await s.call('POST', '/api/shift/open')).status).toBe(200);
    await expect
      .poll(async () => (await devices(server.api)).find((d) => d.id === 'till:S1/T7')?.status.fn, {
        timeout: 10_000,
      })
      .toBe('9999000000000951');
    const d = (await devices(server.api)).find((x) => x.id === 'till:S1/T7')!;
    expect(d).toMatchObject({
      kind: 'till',
      store: 'S1',
      online: true,
      status: { uploadQueue: 0, shift: { open: true, number: 1 } },
    });

    const send = async (body: unknown) =>
      fetch(`${server.api}/api/v1/devices/till:S1%2FT7/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await send({ kind: 'launch' })).status).toBe(400);
    expect((await send({ kind: 'message' })).status).toBe(400);
    const unknown = await fetch(`${server.api}/api/v1/devices/till:S9%2FT1/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
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
          ((await tillStatus(till.url)) as unknown as { messages: { text: string }[] }).messages.map(
            (m) => m.text,
          ),
        { timeout: 10_000 },
      )
      .toEqual(['Инвентаризация в 20:00', 'Офис просит закрыть смену']);
    await expect
      .poll(
        async () =>
          (await devices(server.api))[0]!.commands
            .filter((c) => c.state === 'done')
            .map((c) => c.id)
            .sort(),
        { timeout: 10_000 },
      )
      .toEqual([msg.id, close.id, reload.id].sort());
  }, 60_000);
});
