// The cashier's screen: keyboard and scanner first, touch works too. Talks only to the till's
// local API; every refusal the till gives is shown as it says it.
'use strict';

const $ = (id) => document.getElementById(id);
const money = new Intl.NumberFormat('ru-RU', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const rub = (kop) => `${money.format(kop / 100)} ₽`;
const parseRub = (text) => {
  const t = String(text).trim().replace(/\s/g, '').replace(',', '.');
  if (t === '') return 0;
  if (!/^\d+(\.\d{1,2})?$/.test(t)) return NaN;
  const [r, k = ''] = t.split('.');
  return Number(r) * 100 + Number(k.padEnd(2, '0'));
};
const KIND = {
  sale: 'Продажа',
  return: 'Возврат',
  cashIn: 'Внесение',
  cashOut: 'Изъятие',
  shiftOpen: 'Открытие смены',
  shiftClose: 'Закрытие смены',
};

const state = {
  token: sessionStorage.getItem('till-token'),
  user: null,
  shift: { number: 0, open: false },
  lines: [],
  selected: -1,
  busy: false,
};

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(state.token ? { authorization: `Bearer ${state.token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  // beyond the cashier's role: a supervisor enters their PIN here and now, and the till asks again
  if (
    res.status === 403 &&
    data.error &&
    data.error.code === 'approval-needed' &&
    body &&
    !body.approvalPin
  ) {
    const pin = await askApproval(data.error.message);
    if (pin) return api(method, path, { ...body, approvalPin: pin });
    throw new Error('Операция отменена: нет подтверждения');
  }
  if (res.status === 401 && path !== '/api/login') showLogin();
  if (!res.ok) throw new Error((data.error && data.error.message) || `Ошибка ${res.status}`);
  return data;
}

/** Asks for a supervisor's PIN; resolves to it, or undefined if cancelled. */
function askApproval(message) {
  return new Promise((resolve) => {
    const d = $('approval');
    $('approval-text').textContent = message;
    $('approval-pin').value = '';
    d.showModal();
    $('approval-pin').focus();
    $('approval-form').onsubmit = (e) => {
      e.preventDefault();
      d.close();
      resolve($('approval-pin').value);
    };
    $('approval-cancel').onclick = () => {
      d.close();
      resolve(undefined);
    };
  });
}

function say(text, kind = 'info') {
  const m = $('message');
  m.textContent = text;
  m.className = `message show ${kind}`;
}

// ---- status bar ------------------------------------------------------------------------------

async function refreshStatus() {
  try {
    const s = await api('GET', '/api/status');
    // the store and till are named to a logged-in cashier only
    $('where').textContent = s.store ? `Магазин ${s.store} · Касса ${s.till}` : '';
    state.shift = s.shift;
    const sh = $('shift');
    sh.textContent = s.shift.open ? `Смена ${s.shift.number} открыта` : 'Смена закрыта';
    sh.className = `pill ${s.shift.open ? 'ok' : 'warn'}`;
    const link = $('link');
    link.textContent = s.link.online ? 'Сервер на связи' : 'Нет связи с сервером';
    link.title = s.link.lastError || '';
    link.className = `pill ${s.link.online ? 'ok' : 'bad'}`;
    const q = $('queue');
    q.textContent = `К отправке: ${s.queue}${s.rejected ? ` · отклонено: ${s.rejected}` : ''}${s.kktPending ? ` · ждут ККТ: ${s.kktPending}` : ''}`;
    q.className = `pill ${s.queue === 0 && !s.rejected ? 'ok' : 'warn'}`;
    // A message from the office: shown once, when it arrives. The till's own (a receipt found
    // printed at a restart) is shown whenever it is new to this screen.
    const latest = s.messages && s.messages[s.messages.length - 1];
    if (latest && latest.id !== state.lastMessage) {
      if (latest.kind === 'till') say(latest.text, 'error');
      else if (state.lastMessage !== undefined || Date.now() - Date.parse(latest.at) < 60_000)
        say(`Сообщение из офиса: ${latest.text}`, latest.kind === 'shift-close' ? 'error' : 'info');
      state.lastMessage = latest.id;
    }
    $('open-shift').disabled = s.shift.open;
    $('close-shift').disabled = !s.shift.open;
  } catch {
    $('link').textContent = 'Касса не отвечает';
    $('link').className = 'pill bad';
  }
}

// ---- login -----------------------------------------------------------------------------------

function showLogin() {
  state.token = null;
  sessionStorage.removeItem('till-token');
  $('login').classList.remove('hidden');
  $('sale').classList.add('hidden');
  $('logout').classList.add('hidden');
  $('who').textContent = '';
  $('pin').value = '';
  $('pin').focus();
}

function showSale() {
  $('login').classList.add('hidden');
  $('sale').classList.remove('hidden');
  $('logout').classList.remove('hidden');
  $('who').textContent = `${state.user.name} (${state.user.roleName})`;
  render();
  $('scan').focus();
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('login-error').textContent = '';
  try {
    const r = await api('POST', '/api/login', { pin: $('pin').value });
    state.token = r.token;
    state.user = r.user;
    sessionStorage.setItem('till-token', r.token);
    sessionStorage.setItem('till-user', JSON.stringify(r.user));
    showSale();
    refreshStatus();
  } catch (err) {
    $('login-error').textContent = err.message;
    $('pin').value = '';
  }
});
document.querySelectorAll('.keys [data-key]').forEach((b) =>
  b.addEventListener('click', () => {
    const k = b.dataset.key;
    $('pin').value = k === 'C' ? $('pin').value.slice(0, -1) : $('pin').value + k;
    $('pin').focus();
  }),
);
$('logout').addEventListener('click', async () => {
  await api('POST', '/api/logout').catch(() => undefined);
  showLogin();
});

// ---- the receipt being built -------------------------------------------------------------------

const total = () => state.lines.reduce((s, l) => s + l.sum, 0);

function render() {
  const body = $('lines');
  body.innerHTML = '';
  state.lines.forEach((l, i) => {
    const tr = document.createElement('tr');
    if (i === state.selected) tr.className = 'selected';
    tr.innerHTML = `<td>${i + 1}</td><td></td><td class="num"></td><td class="num"></td><td class="num"></td><td class="num"><button class="remove" title="Удалить позицию (Del)">✕</button></td>`;
    tr.children[1].textContent = l.name;
    if (l.weighted) tr.children[2].textContent = `${l.quantity.replace('.', ',')} кг`;
    else {
      tr.children[2].innerHTML =
        '<button class="step" title="Меньше (−)">−</button> <span></span> <button class="step" title="Больше (+)">+</button>';
      tr.children[2].querySelector('span').textContent = l.quantity;
      const [minus, plus] = tr.children[2].querySelectorAll('button');
      minus.addEventListener('click', (e) => {
        e.stopPropagation();
        stepQuantity(i, -1);
      });
      plus.addEventListener('click', (e) => {
        e.stopPropagation();
        stepQuantity(i, 1);
      });
    }
    tr.children[3].textContent = rub(l.price);
    tr.children[4].textContent = rub(l.sum);
    tr.addEventListener('click', () => {
      state.selected = i;
      render();
    });
    tr.querySelector('.remove').addEventListener('click', (e) => {
      e.stopPropagation();
      removeLine(i);
    });
    body.appendChild(tr);
  });
  $('empty').classList.toggle('hidden', state.lines.length > 0);
  $('total').textContent = rub(total());
  $('count').textContent = state.lines.length ? `Позиций: ${state.lines.length}` : '';
  for (const id of ['pay-cash', 'pay-card', 'pay-mixed', 'void'])
    $(id).disabled = state.lines.length === 0 || state.busy;
}

/** Lines taken off the receipt are recorded by the till (voids per cashier at the head office). */
/** Records lines taken off the receipt (with a supervisor's PIN if the cashier's role needs one). */
async function recordVoid(lines) {
  try {
    await api('POST', '/api/void', {
      lines: lines.map((l) => ({ barcode: l.barcode, quantity: l.quantity })),
    });
    return true;
  } catch (e) {
    say(`Не аннулировано: ${e.message}`, 'error');
    return false;
  }
}

async function removeLine(i) {
  const l = state.lines[i];
  if (!l || !(await recordVoid([l]))) return;
  state.lines.splice(state.lines.indexOf(l), 1);
  state.selected = Math.min(state.selected, state.lines.length - 1);
  say(`Удалено: ${l.name}`);
  render();
  $('scan').focus();
}

// Scans still being looked up: keys and buttons that act on the receipt wait for them, so a
// fast scanner followed by F2 pays for every line it scanned.
let scans = Promise.resolve();
const afterScans = (fn) => () => {
  scans.then(fn, fn);
};

function addByCode(code, qty) {
  const run = async () => {
    if (!state.shift.open) throw new Error('Смена не открыта: откройте смену');
    const q = qty ? `&qty=${encodeURIComponent(qty)}` : '';
    const line = await api('GET', `/api/scan?code=${encodeURIComponent(code)}${q}`);
    state.lines.push(line);
    state.selected = state.lines.length - 1;
    say(`${line.name} — ${rub(line.sum)}`);
    render();
  };
  const p = scans.then(run, run);
  scans = p.catch(() => undefined);
  return p;
}

/** Changes the quantity of a piece-goods line by one (weighed goods keep their weight). */
/** A line at another price than the catalogue's (the till checks the role, or asks for a PIN, at payment). */
function withPrice(l, price) {
  const listPrice = l.listPrice ?? l.price;
  const sum = Math.round(price * Number(l.quantity));
  return price === listPrice ? { ...l, price, sum, listPrice: undefined } : { ...l, price, sum, listPrice };
}

function priceDialog() {
  const i = state.selected;
  const l = state.lines[i];
  if (!l || state.busy) return;
  dialog(
    `Цена: ${l.name}`,
    `<label>Новая цена, ₽</label><input type="text" id="new-price" data-testid="new-price" value="${money.format(l.price / 100)}">`,
    async () => {
      const price = parseRub($('new-price').value);
      if (!Number.isSafeInteger(price) || price <= 0) throw new Error('Цена должна быть больше нуля');
      state.lines[i] = withPrice(l, price);
      render();
      return true;
    },
  );
}

async function stepQuantity(i, delta) {
  const l = state.lines[i];
  if (!l || l.weighted) return;
  const qty = Number(l.quantity) + delta;
  if (qty < 1) return;
  try {
    const fresh = await api('GET', `/api/scan?code=${encodeURIComponent(l.barcode)}&qty=${qty}`);
    state.lines[i] = l.listPrice !== undefined ? withPrice(fresh, l.price) : fresh;
    state.selected = i;
    render();
  } catch (err) {
    say(err.message, 'error');
  }
}

$('scan-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const raw = $('scan').value.trim();
  $('scan').value = '';
  $('search-results').classList.add('hidden');
  if (!raw) return;
  const m = /^(\d+(?:[.,]\d{1,3})?)\*(\d+)$/.exec(raw);
  try {
    if (m) await addByCode(m[2], m[1].replace(',', '.'));
    else if (/^\d+$/.test(raw)) await addByCode(raw);
    else await search(raw);
  } catch (err) {
    say(err.message, 'error');
  }
});

async function search(text) {
  const r = await api('GET', `/api/search?q=${encodeURIComponent(text)}`);
  const box = $('search-results');
  box.innerHTML = '';
  if (r.products.length === 0) {
    say(`Ничего не найдено по «${text}»`, 'error');
    return;
  }
  for (const p of r.products) {
    const b = document.createElement('button');
    b.type = 'button';
    b.innerHTML = '<span></span><span class="muted"></span>';
    b.children[0].textContent = p.name;
    b.children[1].textContent = `${rub(p.price)}${p.weighted ? ' / кг' : ''}`;
    b.addEventListener('click', async () => {
      box.classList.add('hidden');
      const code = p.barcodes[0];
      if (!code) return say(`У товара «${p.name}» нет штрихкода; взвесьте его на весах`, 'error');
      try {
        await addByCode(code);
      } catch (err) {
        say(err.message, 'error');
      }
      $('scan').focus();
    });
    box.appendChild(b);
  }
  box.classList.remove('hidden');
}

async function voidReceipt() {
  if (state.lines.length === 0) return;
  if (!(await recordVoid(state.lines))) return;
  state.lines = [];
  state.selected = -1;
  say('Чек аннулирован');
  render();
}
$('void').addEventListener('click', voidReceipt);

// ---- dialogs -----------------------------------------------------------------------------------

/** Opens the dialog; `onOk` returns true when done (closes), or throws to show an error. */
function dialog(title, html, onOk, { okText = 'OK', onInput } = {}) {
  const d = $('dialog');
  $('dialog-title').textContent = title;
  $('dialog-body').innerHTML = html;
  $('dialog-error').textContent = '';
  $('dialog-ok').textContent = okText;
  $('dialog-ok').disabled = false;
  $('dialog-cancel').classList.toggle('hidden', !onOk);
  d.showModal();
  const first = d.querySelector('#dialog-body input');
  if (first) first.select();
  if (onInput) d.querySelector('#dialog-body').oninput = onInput;
  $('dialog-form').onsubmit = async (e) => {
    if (e.submitter && e.submitter.value === 'cancel') return;
    e.preventDefault();
    if (!onOk) return d.close();
    $('dialog-ok').disabled = true;
    try {
      if (await onOk()) d.close();
    } catch (err) {
      $('dialog-error').textContent = err.message;
    } finally {
      $('dialog-ok').disabled = false;
    }
  };
}
$('dialog').addEventListener('close', () => $('scan').focus());

function pay(mode) {
  if (state.lines.length === 0 || state.busy) return;
  const due = total();
  const showCash = mode !== 'card';
  const showCard = mode !== 'cash';
  dialog(
    'Оплата',
    `<div class="due">К оплате: ${rub(due)}</div>` +
      (showCard
        ? `<label>Картой, ₽</label><input type="text" id="card-part" data-testid="card-part" value="${mode === 'card' ? money.format(due / 100) : ''}" ${mode === 'card' ? 'readonly' : ''}>`
        : '') +
      (showCash
        ? `<label>Получено наличными, ₽</label><input type="text" id="cash-given" data-testid="cash-given" value="">`
        : '') +
      `<div class="change" id="change-view" data-testid="change-view"></div>`,
    async () => {
      const card = showCard ? parseRub($('card-part').value) : 0;
      const cashPart = due - card;
      const given = showCash ? parseRub($('cash-given').value || String(cashPart / 100)) : 0;
      if (Number.isNaN(card) || Number.isNaN(given))
        throw new Error('Введите сумму в рублях, например 150,50');
      state.busy = true;
      render();
      try {
        const doc = await api('POST', '/api/sale', {
          lines: state.lines.map((l) => ({
            barcode: l.barcode,
            quantity: l.quantity,
            ...(l.listPrice !== undefined && { price: l.price }),
          })),
          card,
          cashTendered: given,
        });
        state.lines = [];
        state.selected = -1;
        showLast(doc);
        say(doc.change > 0 ? `Сдача: ${rub(doc.change)}` : 'Чек пробит');
        return true;
      } finally {
        state.busy = false;
        render();
        refreshStatus();
      }
    },
    {
      okText: 'Провести',
      onInput: () => {
        const card = showCard ? parseRub($('card-part').value) : 0;
        const given = showCash ? parseRub($('cash-given').value) : 0;
        const change = given - (due - card);
        $('change-view').textContent =
          !Number.isNaN(change) && given > 0 && change >= 0 ? `Сдача: ${rub(change)}` : '';
      },
    },
  );
}
$('pay-cash').addEventListener(
  'click',
  afterScans(() => pay('cash')),
);
$('pay-card').addEventListener(
  'click',
  afterScans(() => pay('card')),
);
$('pay-mixed').addEventListener(
  'click',
  afterScans(() => pay('mixed')),
);

function showLast(doc) {
  const f = doc.fiscal;
  $('last').innerHTML =
    `<b>${KIND[doc.kind] || doc.kind} № ${doc.number}</b> · ${rub(doc.total)}<br>` +
    (f
      ? `ФД <span data-testid="last-fd">${f.fd}</span> · ФП ${f.fp} · ФН ${f.fn}<br>Чек в смене ${f.receiptNumber ?? '—'} · смена ${f.shift}<br>`
      : '') +
    (doc.change > 0 ? `Сдача <b data-testid="last-change">${rub(doc.change)}</b>` : '');
}

async function simple(path, title, done) {
  if (state.busy) return;
  state.busy = true;
  try {
    const r = await api('POST', path);
    done(r);
  } catch (err) {
    say(err.message, 'error');
  } finally {
    state.busy = false;
    render();
    refreshStatus();
  }
}

function reportHtml(r) {
  const t = r.till;
  const k = r.kkt;
  const row = (name, a, b) => `<tr><td>${name}</td><td class="num">${a}</td><td class="num">${b}</td></tr>`;
  return (
    `<table class="report" data-testid="report"><tr><th></th><th class="num">Касса</th><th class="num">ККТ</th></tr>` +
    row('Продажи, чеков', t.sale.count, k ? k.sell.count : '—') +
    row('Продажи, сумма', rub(t.sale.total), k ? rub(k.sell.sum) : '—') +
    row('Возвраты, чеков', t.return.count, k ? k.sellReturn.count : '—') +
    row('Возвраты, сумма', rub(t.return.total), k ? rub(k.sellReturn.sum) : '—') +
    row('Наличные в кассе', rub(t.cashInDrawer), k ? rub(k.cashInDrawer) : '—') +
    `</table><p class="${r.agree === false ? 'disagree' : 'agree'}" data-testid="agree">${r.agree === false ? 'Итоги кассы и ККТ расходятся!' : 'Итоги кассы и ККТ совпадают'}</p>`
  );
}

$('open-shift').addEventListener('click', () =>
  simple('/api/shift/open', 'Открытие смены', (d) => {
    showLast(d);
    say(`Смена ${d.fiscal ? d.fiscal.shift : ''} открыта`);
  }),
);
$('x-report').addEventListener('click', () =>
  simple('/api/report/x', 'X-отчёт', (r) => dialog(`X-отчёт, смена ${r.shift}`, reportHtml(r))),
);
$('close-shift').addEventListener('click', () =>
  dialog(
    'Закрыть смену?',
    '<p>Будет напечатан Z-отчёт, смена закроется.</p>',
    async () => {
      const r = await api('POST', '/api/shift/close');
      showLast(r.document);
      refreshStatus();
      setTimeout(() => dialog(`Z-отчёт, смена ${r.report.shift}`, reportHtml(r.report)), 0);
      return true;
    },
    { okText: 'Закрыть смену' },
  ),
);

function returnDialog() {
  dialog(
    'Возврат по чеку',
    '<label>Номер чека продажи</label><input type="text" id="ret-number" data-testid="ret-number"><div id="ret-lines"></div>' +
      (state.lines.length
        ? `<p><button type="button" id="ret-free" data-testid="ret-free">Без чека продажи: вернуть отсканированное (${rub(total())})</button></p>`
        : ''),
    async () => {
      const number = Number($('ret-number').value);
      if (!Number.isInteger(number) || number < 1) throw new Error('Введите номер чека');
      const boxes = [...document.querySelectorAll('#ret-lines input[type=checkbox]')];
      if (boxes.length === 0) {
        const doc = await api('GET', `/api/documents/${number}`);
        if (doc.kind !== 'sale') throw new Error(`Документ № ${number} — не чек продажи`);
        $('ret-lines').innerHTML =
          '<label>Что возвращаем</label>' +
          doc.lines
            .map(
              (l, i) =>
                `<div><label style="color:inherit"><input type="checkbox" checked value="${i}"> <span></span></label></div>`,
            )
            .join('');
        doc.lines.forEach((l, i) => {
          $('ret-lines').querySelectorAll('span')[i].textContent =
            `${l.name} × ${l.quantity} — ${rub(l.sum)}`;
        });
        $('dialog-ok').textContent = 'Оформить возврат';
        return false;
      }
      const lines = boxes.filter((b) => b.checked).map((b) => Number(b.value));
      const doc = await api('POST', '/api/return', { number, lines });
      showLast(doc);
      say(
        `Возврат № ${doc.number}: ${rub(doc.total)}${doc.cash ? `, выдать наличными ${rub(doc.cash)}` : ''}`,
      );
      refreshStatus();
      return true;
    },
    { okText: 'Найти чек' },
  );
}
$('return').addEventListener('click', returnDialog);
// A return without the sale's receipt: the goods scanned into the current receipt, cash back.
document.addEventListener('click', async (e) => {
  if (!(e.target instanceof Element) || e.target.id !== 'ret-free') return;
  $('dialog-error').textContent = '';
  try {
    const doc = await api('POST', '/api/return/without-receipt', {
      lines: state.lines.map((l) => ({ barcode: l.barcode, quantity: l.quantity })),
      card: 0,
    });
    state.lines = [];
    state.selected = -1;
    render();
    showLast(doc);
    say(`Возврат № ${doc.number} без чека: выдать наличными ${rub(doc.cash)}`);
    $('dialog').close();
    refreshStatus();
  } catch (err) {
    $('dialog-error').textContent = err.message;
  }
});

function cashDialog() {
  dialog(
    'Внесение / изъятие',
    '<label>Операция</label><select id="cash-dir"><option value="in">Внесение</option><option value="out">Изъятие</option></select><label>Сумма, ₽</label><input type="text" id="cash-amount">',
    async () => {
      const amount = parseRub($('cash-amount').value);
      if (!amount) throw new Error('Введите сумму');
      const doc = await api('POST', '/api/cash', { direction: $('cash-dir').value, amount });
      showLast(doc);
      refreshStatus();
      return true;
    },
  );
}
$('cash').addEventListener('click', cashDialog);
$('price').addEventListener('click', priceDialog);

// ---- keyboard ----------------------------------------------------------------------------------

document.addEventListener('keydown', (e) => {
  if (!state.token || $('dialog').open) return;
  const keys = {
    F2: () => pay('cash'),
    F3: () => pay('card'),
    F4: () => pay('mixed'),
    F5: returnDialog,
    F6: cashDialog,
    F7: () => $('x-report').click(),
    F8: () => $('close-shift').click(),
    F9: priceDialog,
    Escape: voidReceipt,
  };
  const typing = document.activeElement === $('scan') && $('scan').value !== '';
  if (keys[e.key]) {
    e.preventDefault();
    afterScans(keys[e.key])();
  } else if ((e.key === '+' || e.key === '-') && !typing && state.selected >= 0) {
    e.preventDefault();
    afterScans(() => stepQuantity(state.selected, e.key === '+' ? 1 : -1))();
  } else if (e.key === 'Delete' && state.selected >= 0) {
    e.preventDefault();
    removeLine(state.selected);
  } else if ((e.key === 'ArrowUp' || e.key === 'ArrowDown') && state.lines.length) {
    e.preventDefault();
    state.selected = Math.max(
      0,
      Math.min(state.lines.length - 1, state.selected + (e.key === 'ArrowUp' ? -1 : 1)),
    );
    render();
  }
});

// ---- start -------------------------------------------------------------------------------------

(async () => {
  await refreshStatus();
  const saved = sessionStorage.getItem('till-user');
  if (state.token && saved) {
    state.user = JSON.parse(saved);
    const s = await api('GET', '/api/status').catch(() => null);
    if (s && s.user) showSale();
    else showLogin();
  } else showLogin();
  setInterval(refreshStatus, 2000);
})();
