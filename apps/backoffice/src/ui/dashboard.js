// Сводка: today's sales per store, the last two weeks, tills online, fiscal delivery health and
// upload queues — what a manager looks at first thing in the morning.
import { api, session } from './api.js';
import { chart } from './charts.js';
import { age, badge, day, dayText, h, kpi, money, num, panel, since, table } from './format.js';

/** The ФН blocks itself when a document stays unconfirmed this long (54-FZ): 30 days. */
const BLOCK_DAYS = 30;

const storeName = (ctx, id) => ctx.stores.find((s) => s.id === id)?.name ?? id;

export async function dashboardPage({ ctx }) {
  const today = day();
  const from14 = day(-13);
  const [byStore, byDay, byHour, devices, kkt, health, gaps] = await Promise.all([
    api('/reports/sales', { query: { by: 'store', from: today, to: today } }),
    api('/reports/sales', { query: { by: 'day', from: from14, to: today } }),
    api('/reports/sales', { query: { by: 'hour', from: today, to: today } }),
    ctx.can('viewDevices') ? api('/devices') : { devices: [] },
    ctx.can('viewDevices') ? api('/devices/kkt').catch(() => ({ kkt: [] })) : { kkt: [] },
    // /healthz answers 503 with the same body when something is wrong
    fetch('/healthz', { headers: session.token ? { authorization: `Bearer ${session.token}` } : {} })
      .then((r) => r.json())
      .catch(() => ({ status: 'degraded', problems: ['сервер не отвечает'], workers: [] })),
    ctx.can('viewReports') ? api('/sales/review', { query: { limit: 1 } }).catch(() => null) : null,
  ]);
  const rows = byStore.rows;
  const sum = (f) => rows.reduce((a, r) => a + r[f], 0);
  const receipts = sum('receipts');
  const sales = sum('sales');

  // days without sales still show on the chart
  const days = [];
  for (let i = -13; i <= 0; i++) days.push(day(i));
  const perDay = new Map(byDay.rows.map((r) => [r.key, r]));
  const hours = Array.from({ length: 24 }, (_, i) => i);
  const perHour = new Map(byHour.rows.map((r) => [Number(r.key), r]));

  const tills = devices.devices.filter((d) => d.kind === 'till');
  const online = tills.filter((d) => d.online).length;
  const stuck = kkt.kkt
    .filter((k) => k.relay && k.relay.unconfirmed > 0)
    .sort((a, b) => (b.relay.oldestAgeSeconds ?? 0) - (a.relay.oldestAgeSeconds ?? 0));
  const nearBlock = stuck.filter((k) => (k.relay.oldestAgeSeconds ?? 0) >= 5 * 86_400);
  const queues = devices.devices
    .map((d) => ({
      d,
      queue: d.kind === 'till' ? Number(d.status.uploadQueue ?? 0) : Number(d.status.uplink?.pending ?? 0),
      rejected: Number(d.status.uploadRejected ?? d.status.uplink?.rejected ?? 0),
      last: d.kind === 'till' ? d.status.lastUploadAt : d.status.uplink?.lastSuccessAt,
    }))
    .filter((x) => x.d.kind === 'till' || x.d.kind === 'store-server');
  const queued = queues.reduce((a, x) => a + x.queue, 0);
  const rejected = queues.reduce((a, x) => a + x.rejected, 0);
  const held = gaps?.count ?? 0;

  return h(
    'div',
    { class: 'page', 'data-testid': 'dashboard' },
    h(
      'header',
      { class: 'page-head' },
      h('h1', {}, 'Сводка'),
      h('div', { class: 'muted' }, `Сегодня, ${dayText(today)}`),
    ),
    h(
      'div',
      { class: 'kpis' },
      kpi(
        'Выручка сегодня',
        money(sum('net')),
        `продажи ${money(sales)} · возвраты ${money(sum('returned'))}`,
        'kpi-net',
      ),
      kpi('Чеков', num(receipts), `возвратов ${num(sum('returns'))}`, 'kpi-receipts'),
      kpi('Средний чек', money(receipts ? Math.round(sales / receipts) : 0), null, 'kpi-average'),
      kpi(
        'Кассы на связи',
        `${num(online)} из ${num(tills.length)}`,
        tills.length - online > 0 ? `не на связи: ${tills.length - online}` : 'все на связи',
        'kpi-tills',
      ),
      kpi(
        'ФН с неотправленными',
        num(stuck.length),
        nearBlock.length > 0 ? `близко к блокировке: ${nearBlock.length}` : 'блокировка не грозит',
        'kpi-fn',
      ),
    ),
    h(
      'div',
      { class: 'cols-2' },
      panel(
        'Выручка за 14 дней',
        chart(
          'line',
          days.map((d) => dayText(d).slice(0, 5)),
          [{ label: 'Выручка', data: days.map((d) => perDay.get(d)?.net ?? 0) }],
          { testid: 'chart-days' },
        ),
      ),
      panel(
        'Сегодня по часам',
        chart(
          'bar',
          hours.map((x) => `${x}:00`),
          [{ label: 'Выручка', data: hours.map((x) => perHour.get(x)?.net ?? 0) }],
          { testid: 'chart-hours' },
        ),
      ),
    ),
    panel(
      'Магазины сегодня',
      table(
        [
          {
            title: 'Магазин',
            cell: (r) =>
              h(
                'a',
                { href: `#/reports?by=till&store=${r.key}&from=${today}&to=${today}` },
                storeName(ctx, r.key),
              ),
          },
          { title: 'Выручка', num: true, cell: (r) => money(r.net) },
          { title: 'Чеков', num: true, cell: (r) => num(r.receipts) },
          {
            title: 'Средний чек',
            num: true,
            cell: (r) => money(r.receipts ? Math.round(r.sales / r.receipts) : 0),
          },
          {
            title: 'Возвраты',
            num: true,
            cell: (r) => (r.returns ? `${num(r.returns)} на ${money(r.returned)}` : '—'),
          },
        ],
        rows,
        {
          testid: 'stores-today',
          empty: 'Сегодня продаж ещё не было',
          footer:
            rows.length > 1
              ? [
                  'Итого',
                  money(sum('net')),
                  num(receipts),
                  money(receipts ? Math.round(sales / receipts) : 0),
                  money(sum('returned')),
                ]
              : null,
        },
      ),
    ),
    h(
      'div',
      { class: 'cols-2' },
      panel(
        'Доставка в ОФД',
        stuck.length === 0
          ? h(
              'div',
              { class: 'ok-note', 'data-testid': 'fiscal-ok' },
              '✓ Все фискальные документы подтверждены ОФД',
            )
          : table(
              [
                {
                  title: 'ФН',
                  cell: (k) =>
                    ctx.can('viewFiscal') && ctx.allStores
                      ? h('a', { href: `#/fiscal?fn=${k.fn}` }, k.fn)
                      : k.fn,
                },
                {
                  title: 'Магазин / касса',
                  cell: (k) => [
                    k.store ? storeName(ctx, k.store) : '—',
                    k.till ? h('div', { class: 'muted' }, k.till) : null,
                  ],
                },
                { title: 'Не подтверждено', num: true, cell: (k) => num(k.relay.unconfirmed) },
                { title: 'Старейший', num: true, cell: (k) => age(k.relay.oldestAgeSeconds) },
                {
                  title: 'До блокировки',
                  num: true,
                  cell: (k) => {
                    const left = BLOCK_DAYS - (k.relay.oldestAgeSeconds ?? 0) / 86_400;
                    return badge(
                      `${Math.max(0, Math.floor(left))} дн`,
                      left <= 25 ? 'bad' : left <= 29 ? 'warn' : 'neutral',
                    );
                  },
                },
              ],
              stuck.slice(0, 20),
              {
                testid: 'fiscal-backlog',
                rowClass: (k) =>
                  (k.relay.oldestAgeSeconds ?? 0) >= 5 * 86_400
                    ? 'row-bad'
                    : (k.relay.oldestAgeSeconds ?? 0) >= 86_400
                      ? 'row-warn'
                      : null,
              },
            ),
      ),
      panel(
        'Кассы и очереди выгрузки',
        h(
          'div',
          { class: 'muted small' },
          queued > 0 ? `В очередях ${num(queued)} док.` : 'Очереди выгрузки пусты',
          rejected > 0 ? ' · ' : '',
          rejected > 0
            ? h(
                'span',
                { class: 'bad-text', 'data-testid': 'rejected-total' },
                `отклонено ${num(rejected)} док.`,
              )
            : '',
        ),
        table(
          [
            {
              title: 'Устройство',
              cell: (x) => [
                x.d.name,
                h(
                  'div',
                  { class: 'muted' },
                  `${storeName(ctx, x.d.store)} · ${x.d.kind === 'till' ? 'касса' : 'сервер магазина'}`,
                ),
              ],
            },
            {
              title: 'Связь',
              cell: (x) =>
                x.d.online ? badge('на связи', 'good') : badge(`нет ${since(x.d.lastSeenAt)}`, 'bad'),
            },
            { title: 'В очереди', num: true, cell: (x) => (x.queue > 0 ? badge(num(x.queue), 'warn') : '0') },
            {
              title: 'Отклонено',
              num: true,
              cell: (x) => (x.rejected > 0 ? badge(num(x.rejected), 'bad') : '0'),
            },
            { title: 'Выгрузка', cell: (x) => (x.last ? `${since(x.last)} назад` : '—') },
          ],
          queues.sort((a, b) => Number(a.d.online) - Number(b.d.online) || b.queue - a.queue).slice(0, 12),
          { testid: 'tills', empty: 'Устройства ещё не выходили на связь' },
        ),
      ),
    ),
    serverPanel(health, held),
  );
}

/** The server itself: its background workers, its database, documents held for review. */
function serverPanel(health, held) {
  const workers = health.workers ?? [];
  return panel(
    'Состояние сервера',
    h(
      'div',
      { 'data-testid': 'server-health' },
      health.status === 'ok'
        ? h('div', { class: 'ok-note' }, '✓ Сервер работает, база данных отвечает')
        : h(
            'div',
            { class: 'bad-text' },
            'Неполадки: ',
            (health.problems ?? []).join('; ') || 'сервер не отвечает',
          ),
      held > 0
        ? h(
            'div',
            { class: 'bad-text', 'data-testid': 'held-for-review' },
            `Пробитых ККТ документов на проверке: ${num(held)} — `,
            h('a', { href: '#/reports?tab=reconciliation' }, 'сверка'),
          )
        : null,
    ),
    workers.length === 0
      ? null
      : table(
          [
            { title: 'Фоновая задача', cell: (w) => w.name },
            {
              title: 'Состояние',
              cell: (w) =>
                w.state === 'running'
                  ? badge('работает', 'good')
                  : w.state === 'restarting'
                    ? badge('перезапуск', 'bad')
                    : badge('остановлена', 'neutral'),
            },
            { title: 'Перезапусков', num: true, cell: (w) => num(w.restarts) },
            {
              title: 'Последняя ошибка',
              cell: (w) =>
                w.lastErrorAt
                  ? [`${since(w.lastErrorAt)} назад`, h('div', { class: 'muted' }, w.lastError)]
                  : '—',
            },
          ],
          workers,
          { testid: 'workers' },
        ),
  );
}
