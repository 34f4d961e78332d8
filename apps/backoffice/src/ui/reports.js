// Отчёты: sales by any dimension with a chart (categories drill down), X/Z per shift, cashiers'
// returns and voids, anomalies and the reconciliation of till, relay and OFD; CSV and Excel.
import { api, download } from './api.js';
import { chart } from './charts.js';
import { badge, dateTime, day, dayText, h, money, num, panel, percent, qty, table } from './format.js';

const DIMENSIONS = [
  ['store', 'Магазины'],
  ['till', 'Кассы'],
  ['cashier', 'Кассиры'],
  ['category', 'Категории'],
  ['product', 'Товары'],
  ['payment', 'Оплата'],
  ['day', 'Дни'],
  ['hour', 'Часы'],
  ['month', 'Месяцы'],
];
const TABS = [
  ['sales', 'Продажи'],
  ['shifts', 'Смены (X/Z)'],
  ['cashiers', 'Возвраты и отмены'],
  ['anomalies', 'Аномалии'],
  ['reconciliation', 'Сверка'],
];
const PAYMENTS = {
  cash: 'Наличные',
  card: 'Безналичные',
  ecash: 'Безналичные',
  prepaid: 'Предоплата',
  credit: 'Кредит',
  provision: 'Встречное предоставление',
};
const TIME_DIMENSIONS = new Set(['day', 'hour', 'month']);

/** The category path walked down so far, as [{key, label}] (kept while the page is open). */
let trail = [];

function exportButtons(path, query) {
  const status = h('span', { class: 'muted small', 'data-testid': 'export-status' });
  const one = (format, title) =>
    h(
      'button',
      {
        class: 'ghost',
        'data-testid': `export-${format}`,
        onclick: async () => {
          status.textContent = 'Готовим файл…';
          try {
            status.textContent = `Сохранён файл ${await download(path, { ...query, format })}`;
          } catch (e) {
            status.textContent = e.message;
          }
        },
      },
      title,
    );
  return h('div', { class: 'toolbar-right' }, status, one('csv', 'CSV ↓'), one('xlsx', 'Excel ↓'));
}

function filters({ ctx, query, go }, tab, extra) {
  const from = query.from ?? day(-6);
  const to = query.to ?? day();
  const set = (patch) => go('/reports', { ...query, tab, ...patch }, true);
  const preset = (title, f, t) =>
    h(
      'button',
      { class: `chip${from === f && to === t ? ' on' : ''}`, onclick: () => set({ from: f, to: t }) },
      title,
    );
  const fromInput = h('input', {
    type: 'date',
    value: from,
    'data-testid': 'from',
    onchange: (e) => set({ from: e.target.value }),
  });
  const toInput = h('input', {
    type: 'date',
    value: to,
    'data-testid': 'to',
    onchange: (e) => set({ to: e.target.value }),
  });
  const store = h(
    'select',
    { 'data-testid': 'store', onchange: (e) => set({ store: e.target.value }) },
    ctx.allStores || ctx.stores.length > 1
      ? h('option', { value: '' }, ctx.allStores ? 'Все магазины' : 'Мои магазины')
      : null,
    ctx.stores.map((s) =>
      h('option', { value: s.id, selected: query.store === s.id }, `${s.name} (${s.id})`),
    ),
  );
  return h(
    'div',
    { class: 'toolbar' },
    h(
      'div',
      { class: 'chips' },
      preset('Сегодня', day(), day()),
      preset('Вчера', day(-1), day(-1)),
      preset('7 дней', day(-6), day()),
      preset('30 дней', day(-29), day()),
    ),
    h('label', { class: 'inline' }, 'с', fromInput),
    h('label', { class: 'inline' }, 'по', toInput),
    store,
    extra,
  );
}

export async function reportsPage(args) {
  const { query } = args;
  const tab = query.tab ?? 'sales';
  const tabs = h(
    'div',
    { class: 'tabs' },
    TABS.map(([k, title]) =>
      h(
        'a',
        {
          class: k === tab ? 'active' : null,
          href: `#/reports?tab=${k}${query.from ? `&from=${query.from}&to=${query.to}` : ''}`,
          'data-testid': `tab-${k}`,
        },
        title,
      ),
    ),
  );
  const report =
    {
      shifts: shiftsReport,
      cashiers: cashiersReport,
      anomalies: anomaliesReport,
      reconciliation: reconciliationReport,
    }[tab] ?? salesReport;
  const body = await report(args);
  return h('div', { class: 'page' }, h('header', { class: 'page-head' }, h('h1', {}, 'Отчёты')), tabs, body);
}

async function salesReport(args) {
  const { query, go } = args;
  const by = query.by ?? 'store';
  const from = query.from ?? day(-6);
  const to = query.to ?? day();
  const q = { by, from, to, store: query.store, parent: by === 'category' ? query.parent : undefined };
  if (by !== 'category' || !query.parent) trail = [];
  const r = await api('/reports/sales', { query: q });
  const rows = r.rows;
  const hasQty = rows.some((x) => x.quantity !== undefined);
  const byGoods = by === 'product' || by === 'category';
  const label = (x) =>
    by === 'payment'
      ? (PAYMENTS[x.key] ?? x.label)
      : by === 'day'
        ? dayText(x.key)
        : by === 'hour'
          ? `${x.key}:00`
          : x.label || x.key || '—';
  const total = (f) => rows.reduce((a, x) => a + x[f], 0);
  const drill = (x) => {
    trail = [...trail, { key: x.key, label: x.label }];
    go('/reports', { ...query, tab: 'sales', by: 'category', parent: x.key }, true);
  };
  const dims = h(
    'div',
    { class: 'segmented', 'data-testid': 'dimensions' },
    DIMENSIONS.map(([k, title]) =>
      h(
        'button',
        {
          class: k === by ? 'on' : null,
          'data-testid': `by-${k}`,
          onclick: () => go('/reports', { ...query, tab: 'sales', by: k, parent: undefined }, true),
        },
        title,
      ),
    ),
  );
  const crumbs =
    by === 'category'
      ? h(
          'div',
          { class: 'crumbs', 'data-testid': 'crumbs' },
          h(
            'a',
            {
              href: '#',
              onclick: (e) => {
                e.preventDefault();
                trail = [];
                go('/reports', { ...query, parent: undefined }, true);
              },
            },
            'Все категории',
          ),
          trail.map((t, i) => [
            ' › ',
            i === trail.length - 1
              ? h('strong', {}, t.label)
              : h(
                  'a',
                  {
                    href: '#',
                    onclick: (e) => {
                      e.preventDefault();
                      trail = trail.slice(0, i + 1);
                      go('/reports', { ...query, parent: t.key }, true);
                    },
                  },
                  t.label,
                ),
          ]),
          query.parent && trail.length === 0 ? [' › ', h('strong', {}, query.parent)] : null,
        )
      : null;
  const top = TIME_DIMENSIONS.has(by) ? rows : [...rows].sort((a, b) => b.net - a.net).slice(0, 15);
  return h(
    'div',
    { class: 'stack', 'data-testid': 'sales-report' },
    filters(args, 'sales', exportButtons('/reports/sales', q)),
    dims,
    crumbs,
    rows.length > 0
      ? panel(
          null,
          chart(
            TIME_DIMENSIONS.has(by) ? 'line' : 'bar',
            top.map(label),
            [{ label: 'Выручка', data: top.map((x) => x.net) }],
            {
              testid: 'report-chart',
              horizontal: !TIME_DIMENSIONS.has(by),
              height: TIME_DIMENSIONS.has(by) ? 260 : Math.max(160, top.length * 28 + 40),
            },
          ),
        )
      : null,
    panel(
      null,
      table(
        [
          {
            title: DIMENSIONS.find(([k]) => k === by)?.[1] ?? by,
            cell: (x) =>
              by === 'category' && x.hasChildren
                ? h(
                    'a',
                    {
                      href: '#',
                      class: 'drill',
                      'data-testid': `drill-${x.key}`,
                      onclick: (e) => {
                        e.preventDefault();
                        drill(x);
                      },
                    },
                    `${label(x)} ›`,
                  )
                : label(x),
          },
          // receipts are counted per store, till, cashier, payment and time, not per product
          ...(byGoods
            ? []
            : [
                { title: 'Чеков', num: true, cell: (x) => num(x.receipts) },
                { title: 'Возвратов', num: true, cell: (x) => num(x.returns) },
              ]),
          { title: 'Продажи', num: true, cell: (x) => money(x.sales) },
          { title: 'Возвраты', num: true, cell: (x) => money(x.returned) },
          { title: 'Выручка', num: true, cell: (x) => h('strong', {}, money(x.net)) },
          ...(hasQty ? [{ title: 'Количество', num: true, cell: (x) => qty(x.quantity) }] : []),
        ],
        rows,
        {
          testid: 'report-table',
          footer: [
            'Итого',
            ...(byGoods ? [] : [num(total('receipts')), num(total('returns'))]),
            money(total('sales')),
            money(total('returned')),
            h('strong', { 'data-testid': 'report-total' }, money(total('net'))),
            ...(hasQty ? [''] : []),
          ],
        },
      ),
    ),
  );
}

async function shiftsReport(args) {
  const { ctx, query } = args;
  const store = query.store || (ctx.stores.length === 1 ? ctx.stores[0].id : undefined);
  const from = query.from ?? day(-6);
  const to = query.to ?? day();
  const q = { from, to, store, limit: 500 };
  const head = filters(args, 'shifts', exportButtons('/reports/shifts', { from, to, store }));
  if (!store && !ctx.allStores) return h('div', {}, head, h('p', { class: 'muted' }, 'Выберите магазин'));
  const r = await api('/reports/shifts', { query: q });
  return h(
    'div',
    { class: 'stack' },
    head,
    panel(
      null,
      table(
        [
          { title: 'Магазин', cell: (s) => s.store },
          { title: 'Касса', cell: (s) => s.till },
          { title: 'Смена', num: true, cell: (s) => num(s.shift) },
          { title: 'Открыта', cell: (s) => dateTime(s.openedAt) },
          { title: 'Закрыта', cell: (s) => (s.closedAt ? dateTime(s.closedAt) : badge('открыта', 'warn')) },
          {
            title: 'Продажи',
            num: true,
            cell: (s) => [money(s.sale.total), h('div', { class: 'muted' }, `${num(s.sale.count)} чек.`)],
          },
          { title: 'Возвраты', num: true, cell: (s) => (s.return.count ? money(s.return.total) : '—') },
          { title: 'Внесения / изъятия', num: true, cell: (s) => `${money(s.cashIn)} / ${money(s.cashOut)}` },
          { title: 'По данным ККТ', num: true, cell: (s) => (s.kkt ? money(s.kkt.sell.sum) : '—') },
          {
            title: 'Сверка',
            cell: (s) =>
              s.agree === null ? '—' : s.agree ? badge('сходится', 'good') : badge('расхождение', 'bad'),
          },
        ],
        r.shifts,
        { testid: 'shifts-table', empty: 'Смен за период нет' },
      ),
      r.next
        ? h('p', { class: 'muted' }, 'Показаны первые 500 смен: сузьте период или выгрузите файл')
        : null,
    ),
  );
}

async function cashiersReport(args) {
  const { query } = args;
  const from = query.from ?? day(-6);
  const to = query.to ?? day();
  const q = { from, to, store: query.store };
  const r = await api('/reports/cashiers', { query: q });
  const rows = r.cashiers;
  return h(
    'div',
    { class: 'stack' },
    filters(args, 'cashiers', exportButtons('/reports/cashiers', q)),
    rows.length
      ? panel(
          'Возвраты и отмены по кассирам',
          chart(
            'bar',
            rows.map((x) => `${x.cashier} (${x.store})`),
            [
              { label: 'Возвраты', data: rows.map((x) => x.returns.total) },
              { label: 'Отмены', data: rows.map((x) => x.voids.total) },
            ],
            { testid: 'cashiers-chart' },
          ),
        )
      : null,
    panel(
      null,
      table(
        [
          { title: 'Магазин', cell: (x) => x.store },
          { title: 'Кассир', cell: (x) => x.cashier },
          {
            title: 'Продажи',
            num: true,
            cell: (x) => [money(x.sales.total), h('div', { class: 'muted' }, `${num(x.sales.count)} чек.`)],
          },
          {
            title: 'Возвраты',
            num: true,
            cell: (x) => [
              money(x.returns.total),
              h('div', { class: 'muted' }, `${num(x.returns.count)} шт.`),
            ],
          },
          {
            title: 'Отмены',
            num: true,
            cell: (x) => [money(x.voids.total), h('div', { class: 'muted' }, `${num(x.voids.count)} шт.`)],
          },
        ],
        rows,
        { testid: 'cashiers-table' },
      ),
    ),
  );
}

async function anomaliesReport(args) {
  const { query } = args;
  const from = query.from ?? day(-29);
  const to = query.to ?? day();
  const q = { from, to, store: query.store };
  const r = await api('/reports/anomalies', { query: q });
  const mark = (x, what, text) => (x.outliers.includes(what) ? badge(text, 'bad') : text);
  return h(
    'div',
    { class: 'stack' },
    filters(args, 'anomalies', exportButtons('/reports/anomalies', q)),
    h(
      'p',
      { class: 'muted' },
      'Выделены кассиры, у которых доля возвратов, отмен или подтверждений старшим заметно выше, чем у остальных (больше медианы на три медианных отклонения, не меньше трёх случаев).',
    ),
    panel(
      null,
      table(
        [
          { title: 'Магазин', cell: (x) => x.store },
          { title: 'Кассир', cell: (x) => x.cashier },
          { title: 'Продаж', num: true, cell: (x) => num(x.sales) },
          {
            title: 'Возвраты',
            num: true,
            cell: (x) => mark(x, 'returns', `${num(x.returns.count)} · ${percent(x.returnRate)}`),
          },
          {
            title: 'Отмены',
            num: true,
            cell: (x) => mark(x, 'voids', `${num(x.voids.count)} · ${percent(x.voidRate)}`),
          },
          { title: 'Подтверждения', num: true, cell: (x) => mark(x, 'approvals', num(x.approvals)) },
        ],
        r.rows,
        { testid: 'anomalies-table', rowClass: (x) => (x.outliers.length ? 'row-bad' : null) },
      ),
    ),
  );
}

const GAPS = {
  'not-at-relay': 'Чек есть на кассе, но фискальный документ не дошёл до сервера',
  'no-till-document': 'Фискальный документ прошёл через сервер, но документа кассы нет',
  'sum-mismatch': 'Сумма кассы и фискального документа расходятся',
  'not-confirmed': 'ОФД ещё не подтвердил документ',
  'held-for-review': 'Документ пробит ККТ, но нарушает правило: сохранён и ждёт проверки',
};

async function reconciliationReport(args) {
  const { ctx, query, go } = args;
  const store = query.store || undefined;
  const r = await api('/reports/reconciliation', { query: { store } });
  const storeSelect = h(
    'select',
    {
      'data-testid': 'store',
      onchange: (e) => go('/reports', { tab: 'reconciliation', store: e.target.value }, true),
    },
    ctx.allStores ? h('option', { value: '' }, 'Все магазины') : null,
    ctx.stores.map((s) => h('option', { value: s.id, selected: store === s.id }, `${s.name} (${s.id})`)),
  );
  const counts = Object.entries(r.counts);
  const clean = counts.every(([, n]) => n === 0);
  return h(
    'div',
    { class: 'stack', 'data-testid': 'reconciliation' },
    h('div', { class: 'toolbar' }, storeSelect, exportButtons('/reports/reconciliation', { store })),
    h(
      'div',
      { class: 'kpis' },
      counts.map(([k, n]) =>
        h(
          'div',
          { class: `kpi${n > 0 ? ' kpi-bad' : ''}` },
          h('div', { class: 'kpi-title' }, GAPS[k] ?? k),
          h('div', { class: 'kpi-value' }, num(n)),
        ),
      ),
      h(
        'div',
        { class: `kpi${r.integrity.ok ? '' : ' kpi-bad'}`, 'data-testid': 'integrity' },
        h('div', { class: 'kpi-title' }, 'Целостность журнала и документов'),
        h('div', { class: 'kpi-value' }, r.integrity.ok ? '✓ в порядке' : '✗ нарушена'),
        r.integrity.ok ? null : h('div', { class: 'kpi-note' }, r.integrity.problems.slice(0, 3).join('; ')),
      ),
    ),
    clean
      ? h('div', { class: 'ok-note' }, '✓ Документы касс, сервера и ОФД сходятся')
      : panel(
          'Расхождения',
          table(
            [
              { title: 'Что', cell: (g) => GAPS[g.kind] ?? g.kind },
              {
                title: 'ФН / ФД',
                cell: (g) =>
                  ctx.can('viewFiscal') && ctx.allStores
                    ? h('a', { href: `#/fiscal/${g.fn}/${g.fd}` }, `${g.fn} / ${g.fd}`)
                    : `${g.fn} / ${g.fd}`,
              },
              { title: 'Магазин / касса', cell: (g) => (g.store ? `${g.store} / ${g.till ?? '—'}` : '—') },
              {
                title: 'Касса',
                num: true,
                cell: (g) => (g.tillTotal !== undefined ? money(g.tillTotal) : '—'),
              },
              {
                title: 'ФД',
                num: true,
                cell: (g) =>
                  g.fiscalTotal !== undefined && g.fiscalTotal !== null ? money(g.fiscalTotal) : '—',
              },
              { title: 'С', cell: (g) => (g.since ? dateTime(g.since) : '—') },
            ],
            r.gaps,
            { testid: 'gaps' },
          ),
        ),
  );
}
