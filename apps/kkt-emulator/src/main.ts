import { join } from 'node:path';
import { openDatabase } from '@openkassa/db';
import { DEFAULT_EMULATOR_KEY, EmulatedSigner } from '@openkassa/emulation';
import { buildKktApp } from './app.js';
import { RequestQueue } from './atol/queue.js';
import { OfdExchange } from './exchange/ofd-exchange.js';
import { FiscalDrive, type FfdMode, type Registration } from './fn/fiscal-drive.js';
import { closeHttp } from '@openkassa/runtime';
import { kktMigrations, type KktSchema } from './store.js';

export interface KktEmulatorConfig {
  /** 16-digit ФН number. */
  readonly fn: string;
  readonly ofd: { host: string; port: number };
  readonly http: { host: string; port: number };
  readonly dataDir: string;
  readonly ffd: FfdMode;
  readonly tzOffsetMinutes?: number;
  readonly emulatorKey?: string;
  readonly answerTimeoutMs?: number;
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  readonly registration?: Partial<Registration>;
}

export interface RunningKktEmulator {
  readonly httpUrl: string;
  close(): Promise<void>;
}

/** Registration of an emulated ККТ; the numbers derive from the ФН so each emulator differs. */
export function defaultRegistration(fn: string): Registration {
  return {
    user: 'ООО "Песочница"',
    userInn: '7700000000',
    kktRegId: fn.slice(-10).padStart(16, '0'),
    kktSerial: `EMU${fn.slice(-9)}`,
    address: 'г. Москва, ул. Образцовая, д. 1',
    place: 'Магазин "Песочница"',
    taxationSystems: 1 | 2,
    ofdInn: '7799000000',
    ofdName: 'ОФД-эмулятор OpenKassa',
    fnsUrl: 'www.nalog.gov.ru',
    senderEmail: 'noreply@openkassa.local',
  };
}

export async function startKktEmulator(
  config: KktEmulatorConfig,
  log = consoleLog,
): Promise<RunningKktEmulator> {
  if (!/^\d{16}$/.test(config.fn)) throw new Error(`--fn must be 16 digits, got "${config.fn}"`);
  const clock = { now: () => new Date() };
  const db = openDatabase<KktSchema>(
    { kind: 'sqlite', file: join(config.dataDir, 'kkt.sqlite') },
    { migrations: kktMigrations },
  );
  await db.migrate();
  const signer = new EmulatedSigner(config.emulatorKey ?? DEFAULT_EMULATOR_KEY);
  const drive = new FiscalDrive({
    db,
    signer,
    clock,
    config: {
      fn: config.fn,
      ffd: config.ffd,
      tzOffsetMinutes: config.tzOffsetMinutes ?? 180,
      registration: { ...defaultRegistration(config.fn), ...config.registration },
    },
  });
  await drive.init();
  const exchange = new OfdExchange({
    db,
    signer,
    clock,
    log,
    config: {
      fn: config.fn,
      ofd: config.ofd,
      answerTimeoutMs: config.answerTimeoutMs ?? 10_000,
      retryMinMs: config.retryMinMs ?? 500,
      retryMaxMs: config.retryMaxMs ?? 60_000,
    },
  });
  const queue = new RequestQueue({ db, drive, exchange, clock });
  const loops = [exchange.run(), queue.run()].map((p) =>
    p.catch((e: unknown) => {
      log.warn(`worker stopped on an error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      process.exitCode = 1;
    }),
  );
  const app = buildKktApp({ db, drive, queue, exchange });
  const httpUrl = await app.listen({ host: config.http.host, port: config.http.port });
  return {
    httpUrl,
    async close() {
      await closeHttp(app);
      exchange.stop();
      queue.stop();
      await Promise.all(loops);
      await db.close();
    },
  };
}

const consoleLog = {
  warn: (m: string) => {
    console.warn(`kkt-emulator: ${m}`);
  },
};
