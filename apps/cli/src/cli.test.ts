import { adminHeaders, deviceHeaders, startTestServer, TEST_ADMIN_PASSWORD } from '@openkassa/server/testing';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { TEST_PG_URL } from '@openkassa/db/testing';
import { main } from './main.js';
import type { Io } from './io.js';

const VECTORS = join(import.meta.dirname, '../../../../shared/vectors/ofd');
const BIN = join(import.meta.dirname, '../bin/openkassa.js');

interface Run {
  code: number;
  out: string;
  outBytes: Uint8Array;
  err: string;
}

async function run(
  args: string[],
  opts: { stdin?: Uint8Array | string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<Run> {
  let out = '';
  const chunks: Uint8Array[] = [];
  let err = '';
  const io: Io = {
    out: (t) => (out += t),
    outBytes: (b) => chunks.push(b),
    err: (t) => (err += t),
    readStdin: () =>
      typeof opts.stdin === 'string'
        ? new TextEncoder().encode(opts.stdin)
        : (opts.stdin ?? new Uint8Array()),
    setExitCode: () => undefined,
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
  };
  const code = await main(['node', 'openkassa', ...args], io);
  const outBytes = Buffer.concat(chunks);
  return { code, out: out + outBytes.toString('latin1'), outBytes, err };
}

const vectorHex = (name: string) => readFileSync(join(VECTORS, name), 'utf8').trim();

describe('openkassa fiscal decode / encode', () => {
  const files = readdirSync(VECTORS).filter((f) => f.endsWith('.hex'));

  it.each(files)('%s decodes and encodes back to the same bytes', async (name) => {
    const d = await run(['fiscal', 'decode', join(VECTORS, name)]);
    expect(d.err).toBe('');
    expect(d.code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'ok-cli-'));
    writeFileSync(join(dir, 'd.json'), d.out);
    const e = await run(['fiscal', 'encode', join(dir, 'd.json')]);
    expect(e.code).toBe(0);
    expect(e.out.trim()).toBe(vectorHex(name));
  });

  it('prints header fields, tags with FNS keys, the FNS JSON and the ФЛК result', async () => {
    const d = await run(['fiscal', 'decode', join(VECTORS, 'yandex-ofd_kkt-to-ofd_msg_doc11_ffd105.hex')]);
    const j = JSON.parse(d.out);
    expect(j.kind).toBe('message');
    expect(j.session).toMatchObject({ fnNumber: '9999078900005488', bodyLength: 436, flags: '0x0014' });
    expect(j.container).toMatchObject({
      crc: '0x7825',
      crcValid: true,
      dataType: 11,
      fdNumber: 1,
      fnMatchesSession: true,
    });
    expect(j.document).toMatchObject({ form: 11, ffd: '1.05' });
    expect(j.document.tags[4]).toEqual({
      tag: 1012,
      name: 'Дата, время',
      key: 'dateTime',
      type: 'unixtime',
      value: 1488541080,
      time: '2017-03-03T11:38:00',
    });
    expect(j.document.fnsJson.fiscalReportCorrection.kktRegId).toBe('0000000005008570    ');
    expect(j.trailer).toEqual({ hex: '8106a55ae10c4d750000', messageFiscalSign: '9297300290494287221' });
    expect(j.flk).toMatchObject({ ok: true, violations: [] });
  });

  it('reads binary from standard input and shows unknown tags as hex', async () => {
    const bytes = Buffer.from(
      '0300' + '0f00' + '1e04010001' + '393001' + '00aa'.slice(0, 0) + '0300aabbcc',
      'hex',
    );
    // form 3: 1054=1, then unknown tag 12345 with 3 bytes (length field fixed below)
    const doc = Buffer.from('03000c001e0401000139300300aabbcc', 'hex');
    expect(bytes.length).toBeGreaterThan(0);
    const d = await run(['fiscal', 'decode', '-'], { stdin: doc });
    expect(d.code).toBe(0);
    const j = JSON.parse(d.out);
    expect(j.kind).toBe('document');
    expect(j.document.tags).toEqual([
      { tag: 1054, name: 'Признак расчета', key: 'operationType', type: 'byte', value: 1 },
      { tag: 12345, type: 'unknown', value: 'aabbcc' },
    ]);
    expect(j.flk.ok).toBe(false);
    const e = await run(['fiscal', 'encode', '--binary'], { stdin: d.out });
    expect(Buffer.from(e.outBytes).toString('hex')).toBe(doc.toString('hex'));
  });

  it('turns plain FNS JSON into a document TLV', async () => {
    const e = await run(['fiscal', 'encode', join(VECTORS, 'coop-fd_receipt_ffd12_fns-json.json')]);
    expect(e.code).toBe(0);
    const d = await run(['fiscal', 'decode', '-'], { stdin: e.out });
    const j = JSON.parse(d.out);
    expect(j.document.fnsJson.receipt).toMatchObject({
      fiscalDriveNumber: '7284441234567890',
      totalSum: 123456,
      fiscalDocumentNumber: 12345,
    });
  });

  it('refuses bad input with a reason on stderr and exit code 2', async () => {
    const truncated = vectorHex('yandex-ofd_kkt-to-ofd_msg_doc11_ffd105.hex').slice(0, 200);
    const d = await run(['fiscal', 'decode', '-'], { stdin: truncated });
    expect(d.code).toBe(2);
    expect(d.out).toBe('');
    expect(d.err).toMatch(/should be 466 bytes/);
    const garbage = await run(['fiscal', 'decode', '-'], { stdin: 'hello world' });
    expect(garbage.code).toBe(2);
    expect(garbage.err).toMatch(/not an OFD message/);
    const badJson = await run(['fiscal', 'encode', '-'], {
      stdin: '{"kind":"document","document":{"form":3,"tags":[{"tag":1020,"value":"x"}]}}',
    });
    expect(badJson.code).toBe(2);
    expect(badJson.err).toMatch(/\$\.document\.tags\[0\]\.value: tag 1020 needs a non-negative integer/);
  });
});

describe('configuration: flag, then OPENKASSA_* variable, then config file', () => {
  it('migrate puts the database where each source says, in that order of precedence', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ok-cfg-'));
    const cfg = join(root, 'openkassa.json');
    writeFileSync(
      cfg,
      JSON.stringify({ data: join(root, 'from-file'), migrate: { data: join(root, 'from-section') } }),
    );
    await run(['--config', cfg, 'migrate']);
    expect(existsSync(join(root, 'from-section', 'server.sqlite'))).toBe(true);
    await run(['migrate'], { env: { OPENKASSA_CONFIG: cfg, OPENKASSA_DATA: join(root, 'from-env') } });
    expect(existsSync(join(root, 'from-env', 'server.sqlite'))).toBe(true);
    const r = await run(['migrate', '--data', join(root, 'from-flag')], {
      env: { OPENKASSA_DATA: join(root, 'from-env') },
    });
    expect(r.out).toMatch(/from-flag/);
    expect(existsSync(join(root, 'from-flag', 'server.sqlite'))).toBe(true);
  });

  it('names a broken config file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ok-cfg-'));
    writeFileSync(join(root, 'bad.json'), '{ not json');
    const r = await run(['--config', join(root, 'bad.json'), 'migrate']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.json is not a JSON object/);
  });

  it('migrates a PostgreSQL schema given with --db, once', async () => {
    const schema = `cli_${Date.now().toString(36)}`;
    const url = `${TEST_PG_URL}?schema=${schema}`;
    try {
      const first = await run(['migrate', '--db', url]);
      expect(first.err).toBe('');
      expect(first.out).toMatch(
        /applied 15 migration\(s\).*0011-shift-rollup, 0012-security, 0013-back-office, 0014-parse-after-store, 0015-sales-review/,
      );
      const second = await run(['migrate', '--db', url]);
      expect(second.out).toMatch(/is up to date/);
    } finally {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema}_archive cascade`);
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    }
  });
});

describe('the openkassa command as a process', () => {
  it('--help lists the commands and exits 0', () => {
    const r = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/fiscal/);
    expect(r.stdout).toMatch(/OPENKASSA_/);
  });

  it('decodes from a pipe', () => {
    const r = spawnSync(process.execPath, [BIN, 'fiscal', 'decode', '--compact'], {
      input: vectorHex('synthetic_kkt-to-ofd_msg_receipt_doc3.hex'),
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).document.fnsJson.receipt.totalSum).toBe(10750);
  });

  it('sandbox runs ККТ → store → head office → OFD, sells in the background, and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ok-sbx-'));
    const proc = spawn(
      process.execPath,
      [BIN, 'sandbox', '--data', join(dir, 'sbx'), '--random-ports', '--sell-every', '200'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => proc.once('exit', r));
    try {
      for (let i = 0; i < 600 && !out.includes('sandbox running'); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(out).toMatch(/CRC ok, FFD 1\.2, ФЛК passed/);
      expect(out).toMatch(/Not in the sandbox yet/);
      expect(existsSync(join(dir, 'sbx', 'hq', 'server.sqlite'))).toBe(true);
      const hqApi = /head-office cash server .*backlog (http:\/\/[\d.:]+)\/api/.exec(out)![1]!;
      const api = /received documents (http:\/\/[\d.:]+)\/api\/v1\/documents/.exec(out)![1]!;
      let stored: { fn: string; form: number; flkOk: boolean }[] = [];
      for (let i = 0; i < 100; i++) {
        stored = ((await (await fetch(`${api}/api/v1/documents`)).json()) as { documents: typeof stored })
          .documents;
        if (stored.filter((d) => d.form === 3).length >= 4) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(new Set(stored.map((d) => d.fn))).toEqual(new Set(['9999000000010001', '9999000000010002']));
      expect(stored.filter((d) => d.form === 3).length).toBeGreaterThanOrEqual(4);
      expect(stored.every((d) => d.flkOk)).toBe(true);
      // they came through the head office, which parsed them (its API wants the printed login)
      expect(out).toMatch(/login on every server \(back office and API\): admin \/ sandbox-admin/);
      expect(out).toMatch(/back office {2}http:\/\/127\.0\.0\.1:\d+\/ \(head office/);
      const admin = await adminHeaders(hqApi, 'sandbox-admin');
      expect((await fetch(`${hqApi}/api/v1/fiscal/backlog?all=1`)).status).toBe(401);
      const backlog = (await (
        await fetch(`${hqApi}/api/v1/fiscal/backlog?all=1`, { headers: admin })
      ).json()) as {
        fns: { fn: string; documents: number }[];
      };
      expect(backlog.fns.map((f) => f.fn).sort()).toEqual(['9999000000010001', '9999000000010002']);
      // the tills sold them: their sales documents reached the head office through the store
      expect(out).toMatch(/till {6}sale screen http:\/\/127\.0\.0\.1:\d+\//);
      let sales: { till: string; kind: string }[] = [];
      for (let i = 0; i < 100 && sales.filter((d) => d.kind === 'sale').length < 2; i++) {
        sales = (
          (await (await fetch(`${hqApi}/api/v1/sales/documents?store=S1`, { headers: admin })).json()) as {
            documents: typeof sales;
          }
        ).documents;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(new Set(sales.filter((d) => d.kind === 'sale').map((d) => d.till))).toEqual(
        new Set(['T1', 'T2']),
      );
    } finally {
      proc.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(out).toMatch(/sandbox stopped/);
  }, 60_000);
});

/** The CLI logs in as the administrator of the servers these tests start. */
const LOGIN = ['--user', 'admin', '--password', TEST_ADMIN_PASSWORD];

describe('openkassa import', () => {
  it('loads a 1C CommerceML 2 export into the head office catalogue, with progress, and refuses a broken file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ok-import-'));
    const server = await startTestServer(dir);
    try {
      const goods = Array.from(
        { length: 12 },
        (_, i) =>
          `<Товар><Ид>id-${i}</Ид><Штрихкод>46${String(i).padStart(11, '0')}</Штрихкод><Наименование>Товар ${i}</Наименование>` +
          `<БазоваяЕдиница Код="796">шт</БазоваяЕдиница><Группы><Ид>g1</Ид></Группы>` +
          `<СтавкиНалогов><СтавкаНалога><Наименование>НДС</Наименование><Ставка>20</Ставка></СтавкаНалога></СтавкиНалогов></Товар>`,
      ).join('');
      writeFileSync(
        join(dir, 'import.xml'),
        `<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация ВерсияСхемы="2.08"><Классификатор><Группы><Группа><Ид>g1</Ид><Наименование>Бакалея</Наименование></Группа></Группы></Классификатор><Каталог><Товары>${goods}</Товары></Каталог></КоммерческаяИнформация>`,
      );
      const offers = Array.from(
        { length: 12 },
        (_, i) =>
          `<Предложение><Ид>id-${i}</Ид><Цены><Цена><ИдТипаЦены>r</ИдТипаЦены><ЦенаЗаЕдиницу>${100 + i}.50</ЦенаЗаЕдиницу></Цена></Цены></Предложение>`,
      ).join('');
      writeFileSync(
        join(dir, 'offers.xml'),
        `<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация ВерсияСхемы="2.08"><ПакетПредложений><ТипыЦен><ТипЦены><Ид>r</Ид><Наименование>Розничная</Наименование></ТипЦены></ТипыЦен><Предложения>${offers}</Предложения></ПакетПредложений></КоммерческаяИнформация>`,
      );
      // without a login the server is not touched
      const anon = await run(['import', '--server', server.httpUrl, 'import.xml', 'offers.xml'], {
        cwd: dir,
      });
      expect(anon.err).toMatch(/log in to the server: --token/);
      const r = await run(['import', '--server', server.httpUrl, ...LOGIN, 'import.xml', 'offers.xml'], {
        cwd: dir,
      });
      expect(r.err).toMatch(/importing \[#{30}\] 13\/13/);
      expect(r.out).toMatch(/^imported 1 categories and 12 products \(catalogue version 13\)\n$/);
      const feed = (await (
        await fetch(`${server.httpUrl}/api/v1/catalog/changes?since=0`, {
          headers: await adminHeaders(server.httpUrl),
        })
      ).json()) as {
        changes: { kind: string; data: { price?: number; categoryId?: string; vat?: number } }[];
      };
      const products = feed.changes.filter((c) => c.kind === 'product');
      expect(products).toHaveLength(12);
      expect(products[3]!.data).toMatchObject({ price: 10350, categoryId: 'g1', vat: 1 });

      writeFileSync(join(dir, 'broken.xml'), '<КоммерческаяИнформация><Каталог></КоммерческаяИнформация>');
      const bad = await run(['import', '--server', server.httpUrl, ...LOGIN, 'broken.xml'], { cwd: dir });
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/^openkassa import: import\.xml is not well-formed XML/);
    } finally {
      await server.close();
    }
  });
});

describe('openkassa export', () => {
  it('exports the catalogue for 1C and as CSV, each re-importing to the same data, and sales per day and store', async () => {
    const { readSalesCommerceMl, readSalesCsv } = await import('@openkassa/server');
    const { sampleSale } = await import('@openkassa/contracts');
    const start = (dir: string) => startTestServer(dir);
    const dir = mkdtempSync(join(tmpdir(), 'ok-export-'));
    const [hq, copy, csvCopy] = await Promise.all([
      start(join(dir, 'a')),
      start(join(dir, 'b')),
      start(join(dir, 'c')),
    ]);
    const feed = async (url: string) => {
      const page = (await (
        await fetch(`${url}/api/v1/catalog/changes?since=0`, { headers: await adminHeaders(url) })
      ).json()) as {
        changes: { kind: string; id: string; data: Record<string, unknown> }[];
      };
      return page.changes
        .filter((c) => c.kind === 'product' || c.kind === 'category')
        .map((c) => [c.kind, c.id, c.data] as const)
        .sort((x, y) => `${x[0]}${x[1]}`.localeCompare(`${y[0]}${y[1]}`));
    };
    try {
      writeFileSync(
        join(dir, 'goods.csv'),
        'Код;Наименование;Цена;Штрихкоды;Группа;НДС;Весовой;PLU\n' +
          Array.from(
            { length: 40 },
            (_, i) =>
              `g${i};Товар "${i}";${i}5,50;46${String(i).padStart(11, '0')};Продукты/${i % 2 ? 'Молочное' : 'Хлеб'};${i % 3 ? '20' : '10'};${i % 5 ? 'нет' : 'да'};${i % 5 ? '' : i + 1}`,
          ).join('\n') +
          '\n',
      );
      const imported = await run(['import', '--server', hq.httpUrl, ...LOGIN, 'goods.csv'], { cwd: dir });
      expect(imported.err).toMatch(/importing \[#{30}\] 43\/43/);
      expect(imported.out).toMatch(/^imported 3 categories and 40 products/);
      const original = await feed(hq.httpUrl);
      expect(original).toHaveLength(43);

      // a CSV with a bad line is refused whole and changes nothing
      writeFileSync(join(dir, 'bad.csv'), 'id;name;price;vat\nz1;Ok;1;20\nz2;Bad;x;20\n');
      const bad = await run(['import', '--server', hq.httpUrl, ...LOGIN, 'bad.csv'], { cwd: dir });
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/^openkassa import: 1 bad line\(s\), nothing imported: line 3: price "x"/);
      expect(await feed(hq.httpUrl)).toEqual(original);

      const cml = await run(['export', 'catalog', '--server', hq.httpUrl, ...LOGIN, '--out', 'cml'], {
        cwd: dir,
      });
      expect(cml.out).toMatch(/^exported 3 categories and 40 products/);
      expect(readFileSync(join(dir, 'cml', 'import.xml'), 'utf8')).toContain('<КоммерческаяИнформация');
      expect(
        (
          await run(['import', '--server', copy.httpUrl, ...LOGIN, 'cml/import.xml', 'cml/offers.xml'], {
            cwd: dir,
          })
        ).code,
      ).toBe(0);
      expect(await feed(copy.httpUrl)).toEqual(original);

      const csv = await run(
        ['export', 'catalog', '--server', hq.httpUrl, ...LOGIN, '--format', 'csv', '--out', 'out.csv'],
        { cwd: dir },
      );
      expect(csv.code).toBe(0);
      expect(
        (await run(['import', '--server', csvCopy.httpUrl, ...LOGIN, 'out.csv'], { cwd: dir })).code,
      ).toBe(0);
      expect(await feed(csvCopy.httpUrl)).toEqual(original);

      // sales of two stores over two days; the export equals what the server reports
      const docs = [1, 2, 3, 4, 5, 6].map((n) =>
        sampleSale({
          store: n % 2 ? 'S1' : 'S2',
          number: n,
          at: `2026-11-${n < 4 ? '01' : '02'}T12:00:00+03:00`,
        }),
      );
      // as the store servers of S1 and S2 would send them
      const hqAdmin = await adminHeaders(hq.httpUrl);
      for (const store of ['S1', 'S2']) {
        const post = await fetch(`${hq.httpUrl}/api/v1/sales/batch`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(await deviceHeaders(hq.httpUrl, hqAdmin, {
              id: `store-server:${store}`,
              store,
              kind: 'store-server',
            })),
          },
          body: JSON.stringify({ documents: docs.filter((d) => d.store === store) }),
        });
        expect(post.status).toBe(200);
      }
      const server = (await (
        await fetch(`${hq.httpUrl}/api/v1/exchange/sales?from=2026-11-01&to=2026-11-03`, { headers: hqAdmin })
      ).json()) as { days: unknown[] };
      expect(server.days).toHaveLength(4);
      const s1 = await run(
        [
          'export',
          'sales',
          '--server',
          hq.httpUrl,
          ...LOGIN,
          '--from',
          '2026-11-01',
          '--to',
          '2026-11-03',
          '--out',
          'sales.xml',
        ],
        { cwd: dir },
      );
      expect(s1.err).toMatch(/exporting \[#{30}\] 3\/3/);
      expect(s1.out).toMatch(/^exported 4 document\(s\) for 2 store\(s\) over 3 day\(s\)/);
      expect(readSalesCommerceMl(readFileSync(join(dir, 'sales.xml'), 'utf8'))).toEqual(server.days);
      const s2 = await run(
        [
          'export',
          'sales',
          '--server',
          hq.httpUrl,
          ...LOGIN,
          '--from',
          '2026-11-01',
          '--to',
          '2026-11-01',
          '--store',
          'S2',
          '--format',
          'csv',
          '--out',
          's.csv',
        ],
        { cwd: dir },
      );
      expect(s2.code).toBe(0);
      const lines = readSalesCsv(readFileSync(join(dir, 's.csv'), 'utf8'));
      expect(lines.map((g) => [g.day, g.store, g.kind])).toEqual([['2026-11-01', 'S2', 'sale']]);
      expect(lines[0]!.lines.reduce((s, l) => s + l.sum, 0)).toBe(docs[1]!.total);
      const wrong = await run(
        [
          'export',
          'sales',
          '--server',
          hq.httpUrl,
          ...LOGIN,
          '--from',
          '2026-11-05',
          '--to',
          '2026-11-01',
          '--out',
          'x',
        ],
        { cwd: dir },
      );
      expect(wrong.err).toMatch(/--from is after --to/);
      const badDay = await run(
        [
          'export',
          'sales',
          '--server',
          hq.httpUrl,
          ...LOGIN,
          '--from',
          '1.11.2026',
          '--to',
          '2026-11-01',
          '--out',
          'x',
        ],
        { cwd: dir },
      );
      expect(badDay.err).toMatch(/expected a day YYYY-MM-DD, got "1.11.2026"/);
    } finally {
      await Promise.all([hq.close(), copy.close(), csvCopy.close()]);
    }
  });
});

describe('openkassa audit verify', () => {
  it('passes an untouched database and names the first entry broken behind the database’s back', async () => {
    const { sampleSale } = await import('@openkassa/contracts');
    const Sqlite = (await import('better-sqlite3')).default;
    const dir = mkdtempSync(join(tmpdir(), 'ok-audit-'));
    const server = await startTestServer(dir);
    try {
      const till = await deviceHeaders(server.httpUrl, await adminHeaders(server.httpUrl), {
        id: 'till:S1/T1',
        store: 'S1',
      });
      for (let n = 1; n <= 20; n += 5) {
        const r = await fetch(`${server.httpUrl}/api/v1/sales/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...till },
          body: JSON.stringify({ documents: [0, 1, 2, 3, 4].map((i) => sampleSale({ number: n + i })) }),
        });
        expect(r.status).toBe(200);
      }
    } finally {
      await server.close();
    }
    const ok = await run(['audit', 'verify', '--data', dir]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(
      /^audit log: \d+ entries, 20 till document\(s\) checked; last entry \d+, hash [0-9a-f]{64}\n/,
    );
    expect(ok.out).toMatch(/OK: nothing was changed\n$/);

    const file = new Sqlite(join(dir, 'server.sqlite'));
    const seq = (
      file.prepare(`select min(seq) as s from audit_log where action = 'sales.stored'`).get() as { s: number }
    ).s;
    expect(() => file.prepare(`update audit_log set actor = 'x' where seq = ?`).run(seq)).toThrow(
      /append-only/,
    );
    file.exec('drop trigger audit_log_no_update');
    file.prepare(`update audit_log set subject = 'S9' where seq = ?`).run(seq);
    file.close();
    const bad = await run(['audit', 'verify', '--data', dir]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(
      `BROKEN: the chain breaks at entry ${seq}: its content does not match its hash`,
    );
    expect(bad.out).toMatch(/FAILED: stored data was changed outside OpenKassa\n$/);
  });
});
