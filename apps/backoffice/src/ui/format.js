// Russian formats for money, numbers and times, and a small element builder.

const rub = new Intl.NumberFormat('ru-RU', { style: 'currency', currency: 'RUB' });
const int = new Intl.NumberFormat('ru-RU');
const dec = new Intl.NumberFormat('ru-RU', { maximumFractionDigits: 3 });

/** Kopecks → "1 234,56 ₽". */
export const money = (kopecks) =>
  kopecks === null || kopecks === undefined ? '—' : rub.format(kopecks / 100);
/** Whole numbers with Russian grouping; decimal text ("1.250") with a comma. */
export const num = (n) => (n === null || n === undefined ? '—' : int.format(n));
export const qty = (text) =>
  text === null || text === undefined || text === '' ? '' : dec.format(Number(text));
export const percent = (x) => `${dec.format(x)} %`;

/** An ISO time as a Russian date and time in the browser's zone. */
export function dateTime(iso) {
  if (!iso) return '—';
  return new Date(iso).toLocaleString('ru-RU', {
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** "2026-11-22" → "22.11.2026"; "2026-11-22T10:15" (fiscal local time) → "22.11.2026 10:15". */
export function dayText(s) {
  if (!s) return '—';
  const [d, t] = s.split('T');
  const [y, m, dd] = d.split('-');
  return `${dd}.${m}.${y}${t ? ` ${t.slice(0, 5)}` : ''}`;
}

/** Seconds → "5 мин", "3 ч 10 мин", "2 дн 4 ч". */
export function age(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} с`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} мин`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} ч ${m % 60} мин`;
  return `${Math.floor(h / 24)} дн ${h % 24} ч`;
}

export const since = (iso) => (iso ? age((Date.now() - Date.parse(iso)) / 1000) : '—');

/** Today (or `offset` days from it) as YYYY-MM-DD in the browser's zone. */
export function day(offset = 0) {
  const d = new Date();
  d.setDate(d.getDate() + offset);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Roubles as typed ("1 234,50") → kopecks, or undefined. */
export function parseMoney(text) {
  const t = String(text)
    .replace(/[\s\u00a0₽]/g, '')
    .replace(',', '.');
  if (!/^\d+(\.\d{1,2})?$/.test(t)) return undefined;
  const [r, k = ''] = t.split('.');
  return Number(r) * 100 + Number(k.padEnd(2, '0'));
}
export const moneyInput = (kopecks) => (kopecks / 100).toFixed(2).replace('.', ',');

/**
 * h('div', {class: 'x', onclick: f}, 'text', child…): an element. Attributes starting with "on"
 * are listeners; null/false children are skipped; arrays are flattened.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = Boolean(v);
    else if (k === 'html') el.innerHTML = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  const add = (c) => {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) c.forEach(add);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  };
  children.forEach(add);
  return el;
}

/** A table: columns [{title, cell(row) → node|text, num?: true}], rows, optional footer cells and row click. */
export function table(columns, rows, opts = {}) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'grid', 'data-testid': opts.testid },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map((c) => h('th', { class: c.num ? 'num' : null }, c.title)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.length === 0
          ? h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, opts.empty ?? 'Нет данных'))
          : rows.map((r) =>
              h(
                'tr',
                {
                  class:
                    [opts.rowClass?.(r), opts.onrow ? 'clickable' : null].filter(Boolean).join(' ') || null,
                  onclick: opts.onrow ? () => opts.onrow(r) : null,
                },
                columns.map((c) => h('td', { class: c.num ? 'num' : null }, c.cell(r))),
              ),
            ),
      ),
      opts.footer
        ? h(
            'tfoot',
            {},
            h(
              'tr',
              {},
              opts.footer.map((f, i) => h('td', { class: columns[i]?.num ? 'num' : null }, f)),
            ),
          )
        : null,
    ),
  );
}

export const badge = (text, kind) => h('span', { class: `badge ${kind}` }, text);

/** A card of one figure. */
export const kpi = (title, value, note, testid) =>
  h(
    'div',
    { class: 'kpi', 'data-testid': testid },
    h('div', { class: 'kpi-title' }, title),
    h('div', { class: 'kpi-value' }, value),
    note ? h('div', { class: 'kpi-note' }, note) : null,
  );

/** A page's title with the way back above it, and what goes on its right. */
export const backHead = (href, back, title, ...right) =>
  h(
    'header',
    { class: 'page-head' },
    h('div', {}, h('a', { href, class: 'muted' }, back), h('h1', {}, title)),
    ...right,
  );

export const panel = (title, ...body) =>
  h('section', { class: 'panel' }, title ? h('h2', {}, title) : null, ...body);

export const FORMS = {
  1: 'Отчёт о регистрации',
  2: 'Открытие смены',
  3: 'Кассовый чек',
  4: 'БСО',
  5: 'Закрытие смены',
  6: 'Закрытие ФН',
  11: 'Изменение регистрации',
  21: 'Отчёт о состоянии расчётов',
  31: 'Чек коррекции',
  41: 'БСО коррекции',
};
export const OPERATIONS = { 1: 'Приход', 2: 'Возврат прихода', 3: 'Расход', 4: 'Возврат расхода' };
export const VAT = {
  1: 'НДС 20%',
  2: 'НДС 10%',
  3: 'НДС 20/120',
  4: 'НДС 10/110',
  5: 'НДС 0%',
  6: 'Без НДС',
  7: 'НДС 5%',
  8: 'НДС 7%',
  9: 'НДС 5/105',
  10: 'НДС 7/107',
  11: 'НДС 22%',
  12: 'НДС 22/122',
};
export const ROLES = {
  cashier: 'Кассир',
  senior: 'Старший кассир',
  manager: 'Управляющий магазином',
  analyst: 'Аналитик',
  admin: 'Администратор',
};
