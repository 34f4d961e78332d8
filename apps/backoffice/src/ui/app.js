// The back office: log in, then a page per part of the work. Pages are modules that draw into
// the main area from the server's API; the address (#/…) says which page and its filters.
import { api, ApiError, session } from './api.js';
import { h, ROLES } from './format.js';
import { dashboardPage } from './dashboard.js';
import { reportsPage } from './reports.js';
import { catalogPage, productPage } from './catalog.js';
import { devicesPage, usersPage } from './devices.js';
import { fiscalPage, receiptPage } from './fiscal.js';

const root = document.getElementById('app');

/** The logged-in user, what they may do and the stores they see. */
const ctx = { me: null, can: () => false, stores: [], allStores: false };

const NAV = [
  { path: '/', title: 'Сводка', icon: '◉', show: () => ctx.can('viewReports') },
  { path: '/reports', title: 'Отчёты', icon: '▤', show: () => ctx.can('viewReports') },
  { path: '/catalog', title: 'Каталог', icon: '▦', show: () => ctx.can('viewReports') },
  { path: '/devices', title: 'Устройства', icon: '▣', show: () => ctx.can('viewDevices') },
  {
    path: '/fiscal',
    title: 'Фискальные документы',
    icon: '▧',
    show: () => ctx.can('viewFiscal') && ctx.allStores,
  },
  { path: '/users', title: 'Пользователи', icon: '◎', show: () => ctx.can('manageUsers') },
];

const ROUTES = [
  [/^\/$/, dashboardPage],
  [/^\/reports$/, reportsPage],
  [/^\/catalog$/, catalogPage],
  [/^\/catalog\/product$/, productPage],
  [/^\/devices$/, devicesPage],
  [/^\/users$/, usersPage],
  [/^\/fiscal$/, fiscalPage],
  [/^\/fiscal\/(\d{16})\/(\d+)$/, receiptPage],
];

/** The current address: path and query. */
export function here() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?');
  return { path, query: Object.fromEntries(new URLSearchParams(query)) };
}

/** Goes to a page with a query (replacing the entry when only the filters change). */
export function go(path, query = {}, replace = false) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const target = `#${path}${q.toString() ? `?${q}` : ''}`;
  if (replace) history.replaceState(null, '', target);
  else location.hash = target;
  if (replace) void render();
}

function loginPage(message) {
  const err = h('div', { class: 'form-error', 'data-testid': 'login-error' }, message ?? '');
  const login = h('input', {
    name: 'login',
    autocomplete: 'username',
    required: true,
    'data-testid': 'login',
  });
  const password = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    'data-testid': 'password',
  });
  const submit = h(
    'button',
    { class: 'primary wide', type: 'submit', 'data-testid': 'login-submit' },
    'Войти',
  );
  const form = h(
    'form',
    {
      class: 'login-card',
      onsubmit: async (e) => {
        e.preventDefault();
        submit.disabled = true;
        err.textContent = '';
        try {
          const r = await api('/auth/login', {
            method: 'POST',
            body: { login: login.value.trim(), password: password.value },
          });
          session.set(r.token);
          await start();
        } catch (x) {
          err.textContent =
            x instanceof ApiError && x.status === 401
              ? 'Неверный логин или пароль'
              : x instanceof ApiError && x.code === 'locked'
                ? 'Слишком много неудачных попыток: вход временно заблокирован'
                : x.message;
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('img', { src: '/ui/logo.svg', class: 'login-logo', alt: '' }),
    h('h1', {}, 'OpenKassa'),
    h('p', { class: 'muted' }, 'Бэк-офис кассового сервера'),
    h('label', {}, 'Логин', login),
    h('label', {}, 'Пароль', password),
    err,
    submit,
  );
  root.replaceChildren(h('div', { class: 'login-screen' }, form));
  login.focus();
}

function shell() {
  const { path } = here();
  const nav = h(
    'nav',
    { class: 'nav' },
    NAV.filter((n) => n.show()).map((n) =>
      h(
        'a',
        {
          href: `#${n.path}`,
          class: (n.path === '/' ? path === '/' : path.startsWith(n.path)) ? 'active' : null,
          'data-testid': `nav-${n.path.slice(1) || 'dashboard'}`,
        },
        h('span', { class: 'icon' }, n.icon),
        h('span', {}, n.title),
      ),
    ),
  );
  const me = ctx.me;
  const storesText = ctx.allStores ? 'все магазины' : `магазины: ${ctx.stores.map((s) => s.id).join(', ')}`;
  const main = h('main', { class: 'main', id: 'main' });
  root.replaceChildren(
    h(
      'div',
      { class: 'layout' },
      h(
        'aside',
        { class: 'side' },
        h('div', { class: 'brand' }, h('img', { src: '/ui/logo.svg', alt: '' }), h('span', {}, 'OpenKassa')),
        nav,
        h(
          'div',
          { class: 'who' },
          h('div', { class: 'who-name', 'data-testid': 'who' }, me.name),
          h('div', { class: 'muted' }, `${ROLES[me.role] ?? me.role} · ${storesText}`),
          h(
            'button',
            {
              class: 'link',
              'data-testid': 'logout',
              onclick: async () => {
                await api('/auth/logout', { method: 'POST' }).catch(() => undefined);
                session.set(null);
                loginPage();
              },
            },
            'Выйти',
          ),
        ),
      ),
      main,
    ),
  );
  return main;
}

let rendering = 0;
async function render() {
  if (!ctx.me) return;
  const { path, query } = here();
  const main = shell();
  if (!NAV.some((n) => n.show())) {
    main.replaceChildren(
      h(
        'div',
        { class: 'page-error', 'data-testid': 'page-error' },
        h('h2', {}, 'Бэк-офис не для этой роли'),
        h(
          'p',
          {},
          `${ROLES[ctx.me.role] ?? ctx.me.role} работает на кассе; отчёты, каталог и устройства открыты управляющим, аналитикам и администраторам.`,
        ),
      ),
    );
    return;
  }
  const route = ROUTES.find(([re]) => re.test(path));
  const n = ++rendering;
  main.append(h('div', { class: 'loading' }, 'Загрузка…'));
  try {
    if (!route) throw new Error(`Нет такой страницы: ${path}`);
    const content = await route[1]({ ctx, query, params: route[0].exec(path).slice(1), go });
    if (n === rendering) main.replaceChildren(content);
  } catch (e) {
    if (n !== rendering) return;
    main.replaceChildren(
      h(
        'div',
        { class: 'page-error', 'data-testid': 'page-error' },
        h(
          'h2',
          {},
          e instanceof ApiError && e.status === 403 ? 'Нет доступа' : 'Не удалось открыть страницу',
        ),
        h('p', {}, e.message),
      ),
    );
  }
}

async function start() {
  if (!session.token) return loginPage();
  try {
    const me = await api('/auth/me');
    if (me.principal?.kind !== 'user') throw new ApiError(401, 'not-user', '');
    const perms = new Set(me.permissions);
    ctx.me = me.principal;
    ctx.can = (p) => perms.has(p);
    ctx.allStores = ctx.me.stores === '*';
    const known = perms.has('viewReports')
      ? (await api('/catalog/items', { query: { kind: 'store', limit: 1000 } })).items.map((i) => i.data)
      : [];
    // every store of the chain: those in the catalogue and those whose devices report
    const reporting =
      ctx.allStores && perms.has('viewDevices') ? (await api('/devices')).devices.map((d) => d.store) : [];
    const mine = ctx.allStores
      ? [...new Set([...known.map((s) => s.id), ...reporting])].sort()
      : ctx.me.stores;
    ctx.stores = mine.map((id) => known.find((s) => s.id === id) ?? { id, name: id });
  } catch (e) {
    session.set(null);
    return loginPage(e instanceof ApiError && e.status !== 401 ? e.message : undefined);
  }
  await render();
}

session.onExpired = () => {
  ctx.me = null;
  loginPage('Сеанс истёк: войдите снова');
};
window.addEventListener('hashchange', () => void render());
void start();
