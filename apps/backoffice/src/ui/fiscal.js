// Фискальные документы: find a document by ФН, ФД, date or total, and see a receipt as the
// customer saw it (with its QR code) beside its way through the chain to the OFD.
import { api } from './api.js';
import {
  backHead,
  badge,
  dateTime,
  dayText,
  FORMS,
  h,
  money,
  moneyInput,
  num,
  OPERATIONS,
  panel,
  parseMoney,
  qty,
  table,
  VAT,
} from './format.js';

const STATE = {
  received: ['принят сервером', 'warn'],
  forwarded: ['отправлен в ОФД', 'warn'],
  answered: ['подтверждён ОФД', 'good'],
};
const TAXATION = { 1: 'ОСН', 2: 'УСН доход', 4: 'УСН доход − расход', 8: 'ЕНВД', 16: 'ЕСХН', 32: 'ПСН' };

export async function fiscalPage({ query, go }) {
  const fields = {
    fn: h('input', {
      value: query.fn ?? '',
      placeholder: '16 цифр',
      inputmode: 'numeric',
      maxlength: 16,
      'data-testid': 'search-fn',
    }),
    fd: h('input', { value: query.fd ?? '', inputmode: 'numeric', 'data-testid': 'search-fd' }),
    dateFrom: h('input', { type: 'date', value: query.dateFrom ?? '', 'data-testid': 'search-from' }),
    dateTo: h('input', { type: 'date', value: query.dateTo ?? '', 'data-testid': 'search-to' }),
    total: h('input', {
      value: query.total ? moneyInput(Number(query.total)) : '',
      inputmode: 'decimal',
      placeholder: '0,00',
      'data-testid': 'search-total',
    }),
  };
  const err = h('div', { class: 'form-error', 'data-testid': 'search-error' });
  const form = h(
    'form',
    {
      class: 'form search-form',
      onsubmit: (e) => {
        e.preventDefault();
        const total = fields.total.value.trim() ? parseMoney(fields.total.value) : undefined;
        if (fields.total.value.trim() && total === undefined)
          return void (err.textContent = 'Сумма: число рублей, например 1 234,50');
        if (fields.fn.value && !/^\d{16}$/.test(fields.fn.value.trim()))
          return void (err.textContent = 'Номер ФН — 16 цифр');
        go(
          '/fiscal',
          {
            fn: fields.fn.value.trim(),
            fd: fields.fd.value.trim(),
            dateFrom: fields.dateFrom.value,
            dateTo: fields.dateTo.value,
            total,
          },
          true,
        );
      },
    },
    h('label', {}, 'Номер ФН', fields.fn),
    h('label', {}, 'Номер ФД', fields.fd),
    h('label', {}, 'Дата с', fields.dateFrom),
    h('label', {}, 'по', fields.dateTo),
    h('label', {}, 'Сумма, ₽', fields.total),
    h('button', { class: 'primary', type: 'submit', 'data-testid': 'search-go' }, 'Найти'),
  );
  const asked = ['fn', 'fd', 'dateFrom', 'dateTo', 'total'].some((k) => query[k]);
  const results = h('div', {});
  if (asked) {
    let after;
    const found = [];
    const more = h('button', { class: 'ghost', hidden: true }, 'Показать ещё');
    const load = async () => {
      const r = await api('/fiscal/documents', {
        query: {
          fn: query.fn,
          fd: query.fd,
          dateFrom: query.dateFrom,
          dateTo: query.dateTo,
          total: query.total,
          limit: 100,
          after,
        },
      });
      after = r.next;
      more.hidden = !after;
      found.push(...r.documents);
      results.replaceChildren(
        table(
          [
            { title: 'ФН', cell: (d) => d.fn },
            { title: 'ФД', num: true, cell: (d) => num(d.fd) },
            {
              title: 'Документ',
              cell: (d) => [
                FORMS[d.form] ?? `форма ${d.form}`,
                d.parsed?.operationType
                  ? h('div', { class: 'muted small' }, OPERATIONS[d.parsed.operationType])
                  : null,
              ],
            },
            { title: 'Время (местное)', cell: (d) => dayText(d.parsed?.fiscalTimeText) },
            {
              title: 'Сумма',
              num: true,
              cell: (d) =>
                d.parsed?.total !== null && d.parsed?.total !== undefined ? money(d.parsed.total) : '—',
            },
            { title: 'Доставка', cell: (d) => badge(...(STATE[d.state] ?? [d.state, 'neutral'])) },
          ],
          found,
          {
            testid: 'fiscal-results',
            empty: 'Документы не найдены',
            onrow: (d) => go(`/fiscal/${d.fn}/${d.fd}`),
          },
        ),
        more,
      );
    };
    more.onclick = () => void load();
    try {
      await load();
    } catch (e) {
      err.textContent = e.message;
    }
  }
  return h(
    'div',
    { class: 'page' },
    h('header', { class: 'page-head' }, h('h1', {}, 'Фискальные документы')),
    panel(null, form, err),
    asked ? panel(null, results) : h('p', { class: 'muted' }, 'Укажите ФН, номер ФД, дату или сумму чека.'),
  );
}

function receipt(doc) {
  const r = doc.receipt;
  const line = (left, right, cls) =>
    h('div', { class: `r-line ${cls ?? ''}` }, h('span', {}, left), h('span', {}, right));
  if (!r)
    return h(
      'div',
      { class: 'paper' },
      h('div', { class: 'r-center r-bold' }, FORMS[doc.form] ?? `Документ формы ${doc.form}`),
      doc.document
        ? line('Время', dayText(doc.document.fiscalTime))
        : h('p', {}, 'Документ зашифрован или ещё не разобран'),
    );
  return h(
    'div',
    { class: 'paper', 'data-testid': 'receipt' },
    r.user ? h('div', { class: 'r-center r-bold' }, r.user) : null,
    r.address ? h('div', { class: 'r-center' }, r.address) : null,
    r.place ? h('div', { class: 'r-center' }, r.place) : null,
    doc.document?.userInn ? h('div', { class: 'r-center' }, `ИНН ${doc.document.userInn}`) : null,
    h('div', { class: 'r-rule' }),
    h('div', { class: 'r-center r-bold' }, r.correction ? 'КАССОВЫЙ ЧЕК КОРРЕКЦИИ' : 'КАССОВЫЙ ЧЕК'),
    h(
      'div',
      { class: 'r-center r-bold', 'data-testid': 'receipt-operation' },
      (OPERATIONS[r.operationType] ?? '').toUpperCase(),
    ),
    line(`Чек № ${doc.document?.receiptNumber ?? '—'}`, `Смена № ${doc.document?.shiftNumber ?? '—'}`),
    line(dayText(doc.document?.fiscalTime), doc.document?.cashier ? `Кассир ${doc.document.cashier}` : ''),
    h('div', { class: 'r-rule' }),
    r.items.map((i, n) =>
      h(
        'div',
        { class: 'r-item' },
        h('div', {}, `${n + 1}. ${i.name}`),
        line(`${qty(i.quantity ?? '1')} × ${money(i.price)}`, money(i.sum)),
        i.vatRate
          ? line(VAT[i.vatRate] ?? `НДС ${i.vatRate}`, i.vatSum !== null ? money(i.vatSum) : '', 'r-small')
          : null,
      ),
    ),
    h('div', { class: 'r-rule' }),
    line('ИТОГ', money(r.total), 'r-total'),
    r.payments.cash ? line('НАЛИЧНЫМИ', money(r.payments.cash)) : null,
    r.payments.card ? line('БЕЗНАЛИЧНЫМИ', money(r.payments.card)) : null,
    r.payments.prepaid ? line('ПРЕДОПЛАТА', money(r.payments.prepaid)) : null,
    r.payments.credit ? line('ПОСТОПЛАТА', money(r.payments.credit)) : null,
    Object.entries(r.vat).map(([tag, v]) =>
      line(
        {
          1102: 'СУММА НДС 20%',
          1103: 'СУММА НДС 10%',
          1104: 'СУММА С НДС 0%',
          1105: 'СУММА БЕЗ НДС',
          1106: 'СУММА НДС 20/120',
          1107: 'СУММА НДС 10/110',
        }[tag] ?? `НДС (${tag})`,
        money(v),
        'r-small',
      ),
    ),
    r.taxation ? line('СНО', TAXATION[r.taxation] ?? String(r.taxation), 'r-small') : null,
    h('div', { class: 'r-rule' }),
    line('РН ККТ', doc.document?.kktRegId ?? '—', 'r-small'),
    r.kktNumber ? line('ЗН ККТ', r.kktNumber, 'r-small') : null,
    line('ФН', doc.fn, 'r-small'),
    line('ФД', String(doc.fd), 'r-small'),
    line('ФП', r.fiscalSign !== null ? String(r.fiscalSign) : '—', 'r-small'),
    doc.qr
      ? h('div', { class: 'r-qr', 'data-testid': 'receipt-qr', title: doc.qr.payload, html: doc.qr.svg })
      : null,
    doc.qr
      ? h('div', { class: 'r-center r-small muted' }, 'Проверить чек: приложение «Проверка чеков» ФНС')
      : null,
  );
}

export async function receiptPage({ params }) {
  const [fn, fd] = params;
  const doc = await api(`/fiscal/documents/${fn}/${fd}`);
  const d = doc.delivery;
  const step = (title, at, done, note) =>
    h(
      'li',
      { class: done ? 'done' : 'todo' },
      h('div', { class: 'step-title' }, title),
      h('div', { class: 'muted small' }, at ? dateTime(at) : 'ещё нет'),
      note ? h('div', { class: 'small' }, note) : null,
    );
  const sale = doc.sale;
  const trail = h(
    'ol',
    { class: 'trail', 'data-testid': 'trail' },
    sale
      ? step(
          `Продажа на кассе ${sale.till} (${sale.store})`,
          sale.at,
          true,
          `кассир ${sale.cashier}, смена ${sale.shift}, чек ${sale.number}`,
        )
      : null,
    d
      ? step(
          'Принят сервером',
          d.trail[0].at,
          true,
          d.timesReceived > 1 ? `ККТ присылала его ${d.timesReceived} раз(а)` : null,
        )
      : step('Принят сервером', null, false),
    d
      ? step(
          'Отправлен в ОФД',
          d.trail[1].at,
          Boolean(d.trail[1].at),
          d.attempts > 1 ? `попыток: ${d.attempts}` : null,
        )
      : null,
    d
      ? step(
          'Подтверждён ОФД',
          d.trail[2].at,
          d.state === 'answered',
          d.answerCode !== null && d.answerCode !== 0 ? `код ответа ${d.answerCode}` : null,
        )
      : null,
    sale ? step('Документ кассы получен сервером', sale.receivedAt, true) : null,
  );
  const state = d ? STATE[d.state] : null;
  return h(
    'div',
    { class: 'page' },
    backHead(
      `#/fiscal?fn=${fn}`,
      `‹ Документы ФН ${fn}`,
      `${FORMS[doc.form] ?? 'Документ'} № ${fd}`,
      state ? badge(state[0], state[1]) : null,
    ),
    h(
      'div',
      { class: 'receipt-layout' },
      receipt(doc),
      h(
        'div',
        {},
        panel(
          'Путь документа',
          trail,
          d?.lastError ? h('div', { class: 'form-error' }, `Последняя ошибка: ${d.lastError}`) : null,
        ),
        doc.document
          ? panel(
              'Проверка формата (ФЛК)',
              doc.document.flk.ok
                ? h('div', { class: 'ok-note' }, '✓ Документ прошёл форматно-логический контроль')
                : h(
                    'ul',
                    {},
                    doc.document.flk.violations.map((v) =>
                      h(
                        'li',
                        { class: 'form-error' },
                        typeof v === 'string' ? v : (v.message ?? JSON.stringify(v)),
                      ),
                    ),
                  ),
              h(
                'details',
                {},
                h('summary', {}, 'Документ в формате ФНС (JSON)'),
                h('pre', { class: 'json' }, JSON.stringify(doc.document.fns, null, 2)),
              ),
            )
          : null,
      ),
    ),
  );
}
