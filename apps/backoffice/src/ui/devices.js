// Устройства: every till, store server and scale of the user's stores with status and last
// contact, commands to them, ККТ by ФН, enrollment codes and credentials; Пользователи.
import { api } from './api.js';
import { formDialog } from './dialog.js';
import { badge, dateTime, h, num, panel, ROLES, since, table } from './format.js';

const KINDS = {
  till: 'Касса',
  'store-server': 'Сервер магазина',
  scales: 'Весы',
  'scale-server': 'Сервер весов',
};
const COMMANDS = {
  message: 'Сообщение кассиру',
  requestShiftClose: 'Попросить закрыть смену',
  reloadCatalog: 'Обновить каталог',
};
const COMMAND_STATE = { pending: 'ждёт', delivered: 'доставлена', done: 'выполнена', failed: 'ошибка' };

function commandDialog(d, redraw) {
  const kind = h(
    'select',
    { 'data-testid': 'command-kind' },
    Object.entries(COMMANDS).map(([k, v]) => h('option', { value: k }, v)),
  );
  const text = h('input', {
    maxlength: 200,
    placeholder: 'Текст для кассира',
    'data-testid': 'command-text',
  });
  formDialog({
    title: 'Команда устройству',
    testid: 'command-dialog',
    fields: [
      h('p', { class: 'muted' }, `${KINDS[d.kind] ?? d.kind} ${d.name} (${d.id})`),
      h('label', {}, 'Команда', kind),
      h('label', {}, 'Текст', text),
    ],
    submit: 'Отправить',
    submitTestid: 'command-send',
    action: async () => {
      await api(`/devices/${encodeURIComponent(d.id)}/commands`, {
        method: 'POST',
        body: { kind: kind.value, payload: text.value ? { text: text.value } : {} },
      });
      await redraw();
    },
  });
}

function enrollPanel(ctx) {
  // a new store has no devices yet: its code is typed, the known ones are offered
  const store = h('input', {
    required: true,
    pattern: '[\\w.\\-]{1,64}',
    list: 'enroll-stores',
    placeholder: 'Код магазина',
    value: ctx.stores.length === 1 ? ctx.stores[0].id : '',
    'data-testid': 'enroll-store',
  });
  const known = h(
    'datalist',
    { id: 'enroll-stores' },
    ctx.stores.map((s) => h('option', { value: s.id }, s.name)),
  );
  const kind = h(
    'select',
    { 'data-testid': 'enroll-kind' },
    ['till', 'store-server', 'scale-server'].map((k) => h('option', { value: k }, KINDS[k])),
  );
  const out = h('div', { 'data-testid': 'enroll-code' });
  return panel(
    'Подключить устройство',
    h(
      'p',
      { class: 'muted' },
      'Одноразовый код действует сутки. На кассе: openkassa till --enroll КОД; на сервере магазина: --upstream-enroll КОД.',
    ),
    h(
      'form',
      {
        class: 'form inline-form',
        onsubmit: async (e) => {
          e.preventDefault();
          try {
            const r = await api('/enrollment-codes', {
              method: 'POST',
              body: { store: store.value, kind: kind.value },
            });
            out.replaceChildren(
              h(
                'div',
                { class: 'code-box' },
                h('code', {}, r.code),
                h(
                  'div',
                  { class: 'muted small' },
                  `${KINDS[r.kind]} магазина ${r.store}, действует до ${dateTime(r.expiresAt)}`,
                ),
              ),
            );
          } catch (x) {
            out.replaceChildren(h('div', { class: 'form-error' }, x.message));
          }
        },
      },
      store,
      known,
      kind,
      h('button', { class: 'primary', type: 'submit', 'data-testid': 'enroll-create' }, 'Получить код'),
    ),
    out,
  );
}

export async function devicesPage({ ctx, query, go }) {
  const store = query.store || undefined;
  const manage = ctx.can('manageDevices');
  const holder = h('div', { class: 'stack' });
  const draw = async () => {
    const [devices, kkt, creds] = await Promise.all([
      api('/devices', { query: { store } }),
      api('/devices/kkt', { query: { store } }).catch(() => ({ kkt: [] })),
      manage
        ? api('/devices/credentials', { query: { store } }).catch(() => ({ credentials: [] }))
        : { credentials: [] },
    ]);
    const byStore = new Map();
    for (const d of devices.devices) {
      const s = byStore.get(d.store) ?? { tills: 0, online: 0, other: 0 };
      if (d.kind === 'till') {
        s.tills++;
        if (d.online) s.online++;
      } else s.other++;
      byStore.set(d.store, s);
    }
    holder.replaceChildren(
      h(
        'div',
        { class: 'store-cards' },
        [...byStore].map(([id, s]) =>
          h(
            'a',
            { class: 'store-card', href: `#/devices?store=${id}` },
            h('div', { class: 'store-card-name' }, ctx.stores.find((x) => x.id === id)?.name ?? id),
            h('div', {}, `касс на связи: ${s.online} из ${s.tills}`),
            s.online < s.tills ? badge('есть кассы без связи', 'bad') : badge('всё на связи', 'good'),
          ),
        ),
      ),
      panel(
        'Устройства',
        table(
          [
            {
              title: 'Устройство',
              cell: (d) => [h('div', {}, d.name), h('div', { class: 'muted small' }, d.id)],
            },
            { title: 'Тип', cell: (d) => KINDS[d.kind] ?? d.kind },
            { title: 'Магазин', cell: (d) => d.store },
            {
              title: 'Связь',
              cell: (d) =>
                d.lastSeenAt === null
                  ? badge('не выходило', 'neutral')
                  : d.online
                    ? badge('на связи', 'good')
                    : badge('нет связи', 'bad'),
            },
            {
              title: 'Последний контакт',
              cell: (d) =>
                d.lastSeenAt
                  ? [
                      dateTime(d.lastSeenAt),
                      h('div', { class: 'muted small' }, `${since(d.lastSeenAt)} назад`),
                    ]
                  : '—',
            },
            { title: 'Состояние', cell: (d) => statusText(d) },
            { title: 'Версия', cell: (d) => d.version },
            {
              title: 'Команды',
              cell: (d) => [
                d.commands
                  .slice(0, 2)
                  .map((c) =>
                    h(
                      'div',
                      { class: 'muted small' },
                      `${COMMANDS[c.kind] ?? c.kind}: ${COMMAND_STATE[c.state] ?? c.state}`,
                    ),
                  ),
                manage && d.kind !== 'scales'
                  ? h(
                      'button',
                      {
                        class: 'link',
                        'data-testid': `command-${d.id}`,
                        onclick: () => commandDialog(d, draw),
                      },
                      'Отправить…',
                    )
                  : null,
              ],
            },
          ],
          devices.devices,
          { testid: 'devices', empty: 'Устройства ещё не выходили на связь' },
        ),
      ),
      panel(
        'ККТ и фискальные накопители',
        table(
          [
            { title: 'ФН', cell: (k) => k.fn },
            { title: 'Магазин / касса', cell: (k) => `${k.store ?? '—'} / ${k.till ?? '—'}` },
            { title: 'Адрес ККТ', cell: (k) => k.address ?? '—' },
            { title: 'Последний ФД на кассе', num: true, cell: (k) => num(k.tillLastFd) },
            { title: 'Документов через сервер', num: true, cell: (k) => num(k.relay?.documents ?? 0) },
            {
              title: 'Не подтверждено ОФД',
              num: true,
              cell: (k) =>
                k.relay?.unconfirmed
                  ? badge(num(k.relay.unconfirmed), k.relay.warning ? 'bad' : 'warn')
                  : '0',
            },
            {
              title: 'Последний документ',
              cell: (k) => (k.relay ? `${since(k.relay.lastSeenAt)} назад` : '—'),
            },
          ],
          kkt.kkt,
          { testid: 'kkt', empty: 'ККТ пока не известны' },
        ),
      ),
      manage ? enrollPanel(ctx) : null,
      manage
        ? panel(
            'Подключённые устройства (ключи доступа)',
            table(
              [
                {
                  title: 'Устройство',
                  cell: (c) => [c.name, h('div', { class: 'muted small' }, c.deviceId)],
                },
                { title: 'Тип', cell: (c) => KINDS[c.kind] ?? c.kind },
                { title: 'Магазин', cell: (c) => c.store },
                { title: 'Подключено', cell: (c) => dateTime(c.enrolledAt) },
                { title: 'Ключ сменён', cell: (c) => dateTime(c.rotatedAt) },
                {
                  title: '',
                  cell: (c) =>
                    c.revokedAt
                      ? badge('отключено', 'bad')
                      : h(
                          'button',
                          {
                            class: 'link danger',
                            onclick: async () => {
                              if (
                                !window.confirm(
                                  `Отключить ${c.name}? Устройство больше не сможет обращаться к серверу.`,
                                )
                              )
                                return;
                              await api(`/devices/${encodeURIComponent(c.deviceId)}/revoke`, {
                                method: 'POST',
                              });
                              await draw();
                            },
                          },
                          'отключить',
                        ),
                },
              ],
              creds.credentials,
              { testid: 'credentials' },
            ),
          )
        : null,
    );
  };
  await draw();
  const select = h(
    'select',
    { onchange: (e) => go('/devices', { store: e.target.value }, true) },
    ctx.allStores ? h('option', { value: '' }, 'Все магазины') : null,
    ctx.stores.map((s) => h('option', { value: s.id, selected: store === s.id }, `${s.name} (${s.id})`)),
  );
  return h(
    'div',
    { class: 'page' },
    h(
      'header',
      { class: 'page-head' },
      h('h1', {}, 'Устройства'),
      h(
        'div',
        { class: 'toolbar-right' },
        select,
        h('button', { class: 'ghost', onclick: () => void draw() }, '⟳ Обновить'),
      ),
    ),
    holder,
  );
}

function statusText(d) {
  const s = d.status;
  if (d.kind === 'till')
    return [
      s.shift?.open ? `смена ${s.shift.number ?? ''} открыта` : 'смена закрыта',
      Number(s.uploadQueue ?? 0) > 0 ? h('div', {}, badge(`в очереди ${s.uploadQueue}`, 'warn')) : null,
      Number(s.uploadRejected ?? 0) > 0
        ? h('div', {}, badge(`отклонено сервером: ${s.uploadRejected}`, 'bad'))
        : null,
      Number(s.kktPending ?? 0) > 0 ? h('div', {}, badge(`ждут ККТ: ${s.kktPending}`, 'warn')) : null,
    ];
  if (d.kind === 'store-server')
    return [
      `каталог: ${s.catalogue?.online === false ? 'нет связи' : 'в порядке'}`,
      Number(s.uplink?.pending ?? 0) > 0
        ? h('div', {}, badge(`в очереди ${s.uplink.pending}`, 'warn'))
        : null,
      Number(s.uplink?.rejected ?? 0) > 0
        ? h('div', {}, badge(`отклонено головным офисом: ${s.uplink.rejected}`, 'bad'))
        : null,
    ];
  return s.address ? `${s.address}${s.protocol ? ` (${s.protocol})` : ''}` : '';
}

export async function usersPage({ ctx }) {
  const holder = h('div', {});
  const storesText = (s) => (s === '*' ? 'все' : s.join(', '));
  const parseStores = (t) => (t.trim() === '*' || t.trim() === '' ? '*' : t.split(/[\s,;]+/).filter(Boolean));
  const form = (u) => {
    const login = h('input', {
      value: u?.login ?? '',
      required: true,
      disabled: Boolean(u),
      'data-testid': 'user-login',
    });
    const name = h('input', { value: u?.name ?? '', required: true, 'data-testid': 'user-name' });
    const role = h(
      'select',
      { 'data-testid': 'user-role' },
      Object.entries(ROLES).map(([k, v]) => h('option', { value: k, selected: u?.role === k }, v)),
    );
    const stores = h('input', {
      value: u ? storesText(u.stores).replace('все', '*') : ctx.stores.map((s) => s.id).join(', '),
      placeholder: '* — все магазины',
      'data-testid': 'user-stores',
    });
    const password = h('input', {
      type: 'password',
      required: !u,
      minlength: 8,
      autocomplete: 'new-password',
      placeholder: u ? 'оставьте пустым, чтобы не менять' : 'не короче 8 символов',
      'data-testid': 'user-password',
    });
    const disabled = h('input', { type: 'checkbox', checked: u?.disabled });
    formDialog({
      title: u ? `Пользователь ${u.login}` : 'Новый пользователь',
      testid: 'user-dialog',
      fields: [
        h('label', {}, 'Логин', login),
        h('label', {}, 'Имя', name),
        h('label', {}, 'Роль', role),
        h('label', {}, 'Магазины (коды через запятую, * — все)', stores),
        h('label', {}, 'Пароль', password),
        u ? h('label', { class: 'check' }, disabled, 'Отключён') : null,
      ],
      submit: u ? 'Сохранить' : 'Создать',
      submitTestid: 'user-save',
      action: async () => {
        const body = { name: name.value.trim(), role: role.value, stores: parseStores(stores.value) };
        if (password.value) body.password = password.value;
        if (u)
          await api(`/users/${encodeURIComponent(u.id)}`, {
            method: 'PUT',
            body: { ...body, disabled: disabled.checked },
          });
        else await api('/users', { method: 'POST', body: { ...body, login: login.value.trim() } });
        await draw();
      },
    });
  };
  const draw = async () => {
    const r = await api('/users');
    holder.replaceChildren(
      table(
        [
          { title: 'Логин', cell: (u) => u.login },
          { title: 'Имя', cell: (u) => u.name },
          { title: 'Роль', cell: (u) => ROLES[u.role] ?? u.role },
          { title: 'Магазины', cell: (u) => storesText(u.stores) },
          {
            title: 'Состояние',
            cell: (u) =>
              u.disabled
                ? badge('отключён', 'bad')
                : u.lockedUntil && Date.parse(u.lockedUntil) > Date.now()
                  ? badge('заблокирован', 'warn')
                  : badge('активен', 'good'),
          },
        ],
        r.users,
        { testid: 'users', onrow: (u) => form(u) },
      ),
    );
  };
  await draw();
  return h(
    'div',
    { class: 'page' },
    h(
      'header',
      { class: 'page-head' },
      h('h1', {}, 'Пользователи'),
      h(
        'button',
        { class: 'primary', 'data-testid': 'new-user', onclick: () => form(null) },
        '+ Пользователь',
      ),
    ),
    panel(
      null,
      h(
        'p',
        { class: 'muted' },
        'Пользователи бэк-офиса и их роли. Кассиры входят на кассе по PIN-коду из каталога.',
      ),
      holder,
    ),
  );
}
