import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Io } from '../io.js';
import { logFileFrom, logFileOptions, roleLog } from '../log.js';
import { hostPort, httpUrl, integer, untilSignal } from '../options.js';

type Addr = { host: string; port: number };

const code = (what: string) => (v: string) => {
  if (!/^[\w.-]{1,64}$/.test(v))
    throw new InvalidArgumentError(`${what} is letters, digits, "_", "." or "-"`);
  return v;
};

export function tillCommand(io: Io, stop: () => Promise<string> = untilSignal): Command {
  const [logFile, logMaxSize, logKeep] = logFileOptions();
  return new Command('till')
    .description(
      "Run a till: the cashier's workplace in a browser, selling offline and uploading to the cash server",
    )
    .addOption(
      new Option('--kkt <url>', 'the ККТ (ATOL Web Server) of this till')
        .argParser(httpUrl)
        .makeOptionMandatory(),
    )
    .addOption(new Option('--server <url>', 'the cash server documents go to').argParser(httpUrl))
    .addOption(
      new Option('--enroll <code>', 'one-time enrollment code from the cash server (first start)').env(
        'OPENKASSA_ENROLL',
      ),
    )
    .addOption(new Option('--data <dir>', "folder of the till's own database").makeOptionMandatory())
    .addOption(
      new Option('--http <host:port>', 'the sale screen and the local API (keep it on localhost)')
        .argParser(hostPort)
        .default(hostPort('127.0.0.1:8090'), '127.0.0.1:8090'),
    )
    .addOption(new Option('--store <code>', 'store code').argParser(code('store')).default('S1'))
    .addOption(
      new Option('--till <code>', 'till code, unique in the store').argParser(code('till')).default('T1'),
    )
    .addOption(
      new Option(
        '--demo-catalog <n>',
        'seed demo users (PIN 1111, 2222, 9999) and n demo products into an empty till',
      ).argParser(integer(0, 1_000_000)),
    )
    .addOption(
      new Option('--heartbeat <seconds>', 'report to the server and collect its commands this often')
        .argParser(integer(1, 3600))
        .default(30),
    )
    .addOption(logFile)
    .addOption(logMaxSize)
    .addOption(logKeep)
    .action(
      async (o: {
        kkt: string;
        server?: string;
        enroll?: string;
        data: string;
        http: Addr;
        store: string;
        till: string;
        demoCatalog?: number;
        heartbeat: number;
        logFile?: string;
        logMaxSize: number;
        logKeep: number;
      }) => {
        const log = roleLog('till', logFileFrom(io.cwd, o));
        // loaded here, not at the top: every other command (the server) runs without the till's code
        const { startTill } = await import('@openkassa/till');
        const till = await startTill(
          {
            dataDir: resolve(io.cwd, o.data),
            kkt: o.kkt,
            http: o.http,
            store: o.store,
            till: o.till,
            ...(o.server !== undefined && { server: o.server }),
            ...(o.enroll !== undefined && { enrollCode: o.enroll }),
            ...(o.demoCatalog !== undefined && { demoCatalog: o.demoCatalog }),
            heartbeatMs: o.heartbeat * 1000,
          },
          log,
        );
        io.out(
          `till ${o.store}/${o.till}: sale screen at ${till.url}/ ; ККТ ${o.kkt}; uploads to ${o.server ?? '(no server: documents stay queued)'}\n`,
        );
        await stop();
        await till.close();
      },
    );
}
