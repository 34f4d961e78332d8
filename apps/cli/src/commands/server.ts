import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseDbUrl } from '@openkassa/db/light';
import { DEFAULT_ARCHIVE_AFTER_DAYS } from '@openkassa/server/defaults';
import type { WarnAge } from '@openkassa/server';
import type { Io } from '../io.js';
import { logFileFrom, logFileOptions, roleLog } from '../log.js';
import { hostPort, httpUrl, integer, untilSignal } from '../options.js';

type Addr = { host: string; port: number };

/** "24h,5d" → warning ages. */
function warnAges(value: string): WarnAge[] {
  return value.split(',').map((part) => {
    const m = /^(\d+)([mhd])$/.exec(part.trim());
    if (!m) throw new InvalidArgumentError(`expected ages like 24h,5d, got "${value}"`);
    return {
      label: part.trim(),
      seconds: Number(m[1]) * { m: 60, h: 3600, d: 86400 }[m[2] as 'm' | 'h' | 'd'],
    };
  });
}

export function serverCommand(io: Io, stop: () => Promise<string> = untilSignal): Command {
  const [logFile, logMaxSize, logKeep] = logFileOptions();
  return new Command('server')
    .description(
      'Run a cash server: the fiscal relay (store-and-forward to the OFD or another cash server) and its HTTP API',
    )
    .addOption(new Option('--data <dir>', 'folder of the embedded SQLite database').default('.'))
    .addOption(new Option('--db <url>', 'postgres://user@host:port/db[?schema=name] instead of SQLite'))
    .addOption(
      new Option('--http <host:port>', 'HTTP API, /healthz, /metrics')
        .argParser(hostPort)
        .default(hostPort('127.0.0.1:8080'), '127.0.0.1:8080'),
    )
    .addOption(
      new Option('--relay <host:port>', 'OFD-protocol port the ККТ (or store servers) send to')
        .argParser(hostPort)
        .default(hostPort('0.0.0.0:7777'), '0.0.0.0:7777'),
    )
    .addOption(
      new Option('--ofd <host:port>', 'the operator (OFD) to forward to')
        .argParser(hostPort)
        .conflicts('upstreamRelay'),
    )
    .addOption(
      new Option(
        '--upstream-relay <host:port>',
        'another cash server to forward to (e.g. the head office)',
      ).argParser(hostPort),
    )
    .addOption(
      new Option(
        '--upstream-server <url>',
        'head-office cash server (http://host:port) this store server forwards sales documents to',
      ).argParser(httpUrl),
    )
    .addOption(
      new Option(
        '--answer-wait <ms>',
        'how long a ККТ connection waits for the answer before it is told to retry',
      )
        .argParser(integer(0, 120_000))
        .default(3000),
    )
    .addOption(
      new Option('--upstream-timeout <ms>', 'wait for the upstream answer')
        .argParser(integer(100, 600_000))
        .default(10_000),
    )
    .addOption(
      new Option('--retry-max <ms>', 'longest pause between delivery attempts')
        .argParser(integer(10, 3_600_000))
        .default(60_000),
    )
    .addOption(
      new Option(
        '--store <code>',
        'this store server’s store code, as its head office lists it (default: host name)',
      ),
    )
    .addOption(
      new Option('--report-every <seconds>', 'how often a store server reports to its head office')
        .argParser(integer(1, 3600))
        .default(30),
    )
    .addOption(
      new Option('--archive-after <days>', 'move till documents older than this to the archive (0: never)')
        .argParser(integer(0, 100_000))
        .default(DEFAULT_ARCHIVE_AFTER_DAYS),
    )
    .addOption(
      new Option('--warn-ages <list>', "warn when a ФН's oldest unconfirmed document passes these ages")
        .argParser(warnAges)
        .default(warnAges('24h,5d'), '24h,5d'),
    )
    .addOption(
      new Option(
        '--admin-password <password>',
        'create the administrator "admin" with this password if there is none (better: the variable)',
      ).env('OPENKASSA_ADMIN_PASSWORD'),
    )
    .addOption(
      new Option(
        '--upstream-enroll <code>',
        'one-time enrollment code from the head office (first start of a store server)',
      ).env('OPENKASSA_UPSTREAM_ENROLL'),
    )
    .addOption(new Option('--tls-cert <file>', 'PEM certificate: serve the HTTP API over TLS'))
    .addOption(new Option('--tls-key <file>', 'PEM private key of --tls-cert'))
    .addOption(
      new Option(
        '--known-fn-only',
        'the relay port takes messages only of ФН registered to a store (PUT /api/v1/fiscal/fns/{fn})',
      ),
    )
    .addOption(logFile)
    .addOption(logMaxSize)
    .addOption(logKeep)
    .action(
      async (o: {
        adminPassword?: string;
        upstreamEnroll?: string;
        tlsCert?: string;
        tlsKey?: string;
        knownFnOnly?: boolean;
        data: string;
        db?: string;
        http: Addr;
        relay: Addr;
        ofd?: Addr;
        upstreamRelay?: Addr;
        upstreamServer?: string;
        answerWait: number;
        upstreamTimeout: number;
        retryMax: number;
        warnAges: WarnAge[];
        archiveAfter: number;
        store?: string;
        reportEvery: number;
        logFile?: string;
        logMaxSize: number;
        logKeep: number;
      }) => {
        const log = roleLog('server', logFileFrom(io.cwd, o));
        const upstream = o.ofd ?? o.upstreamRelay;
        if (!upstream) {
          io.err('openkassa server: give the next hop: --ofd <host:port> or --upstream-relay <host:port>\n');
          io.setExitCode(2);
          return;
        }
        if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) {
          io.err('openkassa server: --tls-cert and --tls-key go together\n');
          io.setExitCode(2);
          return;
        }
        let tls: { cert: Buffer; key: Buffer } | undefined;
        try {
          if (o.tlsCert && o.tlsKey)
            tls = {
              cert: readFileSync(resolve(io.cwd, o.tlsCert)),
              key: readFileSync(resolve(io.cwd, o.tlsKey)),
            };
        } catch (e) {
          io.err(`openkassa server: cannot read the TLS files: ${(e as Error).message}\n`);
          io.setExitCode(2);
          return;
        }
        // loaded here: --help and the other commands start without the server's code
        const { startServer } = await import('@openkassa/server');
        const server = await startServer(
          {
            ...(o.adminPassword !== undefined && { adminPassword: o.adminPassword }),
            ...(o.upstreamEnroll !== undefined && { upstreamEnrollCode: o.upstreamEnroll }),
            ...(tls && { tls }),
            ...(o.knownFnOnly && { knownFnOnly: true }),
            ...(o.db !== undefined ? { db: parseDbUrl(o.db) } : { dataDir: resolve(io.cwd, o.data) }),
            http: o.http,
            relay: o.relay,
            upstream,
            ...(o.upstreamServer !== undefined && { upstreamServer: o.upstreamServer }),
            answerWaitMs: o.answerWait,
            upstreamTimeoutMs: o.upstreamTimeout,
            retryMaxMs: o.retryMax,
            retryMinMs: Math.min(1000, o.retryMax),
            warnAges: o.warnAges,
            archiveAfterDays: o.archiveAfter,
            ...(o.store !== undefined && { store: o.store }),
            reportEveryMs: o.reportEvery * 1000,
          },
          log,
        );
        io.out(
          `cash server: relay on tcp://${server.relay.host}:${server.relay.port} → ${o.ofd ? 'OFD' : 'upstream relay'} ${upstream.host}:${upstream.port}; ` +
            `API at ${server.httpUrl} (/api/v1/fiscal/backlog, /api/v1/sales/batch, /metrics, /api/v1/openapi.json); ` +
            (o.upstreamServer ? `sales → ${o.upstreamServer}; ` : '') +
            `database ${o.db !== undefined ? 'PostgreSQL' : `SQLite in ${resolve(io.cwd, o.data)}`}\n`,
        );
        await stop();
        await server.close();
      },
    );
}
