import { join } from 'node:path';
import { openDatabase } from '@openkassa/db';
import { DEFAULT_EMULATOR_KEY, EmulatedSigner } from '@openkassa/emulation';
import { buildOfdApp } from './app.js';
import type { FaultState } from './faults.js';
import { ofdMigrations, type OfdSchema } from './store.js';
import { closeHttp } from '@openkassa/runtime';
import { startOfdTcpServer } from './tcp-server.js';

export interface OfdEmulatorConfig {
  readonly listen: { host: string; port: number };
  readonly http: { host: string; port: number };
  readonly dataDir: string;
  readonly inn?: string;
  readonly emulatorKey?: string;
  readonly tzOffsetMinutes?: number;
  readonly faults?: FaultState;
}

export interface RunningOfdEmulator {
  readonly tcp: { host: string; port: number };
  readonly httpUrl: string;
  close(): Promise<void>;
}

export async function startOfdEmulator(
  config: OfdEmulatorConfig,
  log = consoleLog,
): Promise<RunningOfdEmulator> {
  const db = openDatabase<OfdSchema>(
    { kind: 'sqlite', file: join(config.dataDir, 'ofd.sqlite') },
    { migrations: ofdMigrations },
  );
  await db.migrate();
  const tcp = await startOfdTcpServer(
    {
      db,
      signer: new EmulatedSigner(config.emulatorKey ?? DEFAULT_EMULATOR_KEY),
      clock: { now: () => new Date() },
      inn: config.inn ?? '7799000000',
      tzOffsetMinutes: config.tzOffsetMinutes ?? 180,
      log,
    },
    config.listen.host,
    config.listen.port,
    config.faults ?? { mode: 'normal', delayMs: 5000 },
  );
  const app = buildOfdApp({ db, faults: { get: () => tcp.faults(), set: (f) => tcp.setFaults(f) } });
  const httpUrl = await app.listen({ host: config.http.host, port: config.http.port });
  return {
    tcp: tcp.address(),
    httpUrl,
    async close() {
      await closeHttp(app);
      await tcp.close();
      await db.close();
    },
  };
}

const consoleLog = {
  warn: (m: string) => {
    console.warn(`ofd-emulator: ${m}`);
  },
};
