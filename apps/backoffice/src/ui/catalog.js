// Каталог: find goods (by name, article, barcode, PLU) in a category, edit a product and its
// prices per store and store group with validity, add categories, load CSV or CommerceML files.
import { api, ApiError, postWithProgress } from './api.js';
import { dialog, formDialog } from './dialog.js';
import {
  backHead,
  badge,
  dayText,
  h,
  money,
  moneyInput,
  num,
  panel,
  parseMoney,
  table,
  VAT,
} from './format.js';

async function categories() {
  return (await api('/catalog/items', { query: { kind: 'category', limit: 10000 } })).items.map(
    (i) => i.data,
  );
}

function categoryTree(cats, current, pick) {
  const children = new Map();
  for (const c of cats) {
    const p = c.parentId ?? '';
    if (!children.has(p)) children.set(p, []);
    children.get(p).push(c);
  }
  const open = new Set();
  for (let c = cats.find((x) => x.id === current); c; c = cats.find((x) => x.id === c.parentId))
    open.add(c.id);
  const branch = (parent, depth) =>
    (children.get(parent) ?? []).map((c) => [
      h(
        'a',
        {
          href: '#',
          class: `tree-item${c.id === current ? ' active' : ''}`,
          style: `padding-left:${10 + depth * 14}px`,
          'data-testid': `cat-${c.id}`,
          onclick: (e) => {
            e.preventDefault();
            pick(c.id);
          },
        },
        children.has(c.id) ? (open.has(c.id) ? '▾ ' : '▸ ') : '  ',
        c.name,
      ),
      open.has(c.id) ? branch(c.id, depth + 1) : null,
    ]);
  return h(
    'div',
    { class: 'tree' },
    h(
      'a',
      {
        href: '#',
        class: `tree-item${current ? '' : ' active'}`,
        onclick: (e) => {
          e.preventDefault();
          pick(undefined);
        },
      },
      'Все товары',
    ),
    branch('', 0),
  );
}

export async function catalogPage({ ctx, query, go }) {
  const cats = await categories();
  const catName = new Map(cats.map((c) => [c.id, c.name]));
  const canEdit = ctx.can('editCatalog');
  const list = h('div', {});
  const more = h('button', { class: 'ghost', hidden: true }, 'Показать ещё');
  let next = null;
  const cols = [
    { title: 'Наименование', cell: (p) => [h('div', {}, p.name), h('div', { class: 'muted small' }, p.id)] },
    { title: 'Артикул', cell: (p) => p.article ?? '' },
    {
      title: 'Штрихкоды',
      cell: (p) =>
        p.barcodes.slice(0, 2).join(', ') + (p.barcodes.length > 2 ? ` +${p.barcodes.length - 2}` : ''),
    },
    { title: 'Категория', cell: (p) => catName.get(p.categoryId) ?? '' },
    { title: 'НДС', cell: (p) => VAT[p.vat] ?? p.vat },
    {
      title: 'Цена',
      num: true,
      cell: (p) => [money(p.price), p.weighted ? h('span', { class: 'muted' }, ' /кг') : null],
    },
  ];
  const load = async (append) => {
    const r = await api('/catalog/items', {
      query: {
        kind: 'product',
        q: query.q,
        category: query.category,
        limit: 50,
        after: append ? next : undefined,
      },
    });
    next = r.next;
    more.hidden = !next;
    const t = table(
      cols,
      r.items.map((i) => i.data),
      { testid: 'products', onrow: (p) => go('/catalog/product', { id: p.id }), empty: 'Ничего не найдено' },
    );
    if (append) list.querySelector('tbody').append(...t.querySelectorAll('tbody tr'));
    else list.replaceChildren(t);
  };
  more.onclick = () => void load(true);
  await load(false);
  let timer;
  const search = h('input', {
    type: 'search',
    class: 'search',
    placeholder: 'Поиск: название, артикул, штрихкод, PLU',
    value: query.q ?? '',
    'data-testid': 'catalog-search',
    oninput: (e) => {
      clearTimeout(timer);
      timer = setTimeout(() => go('/catalog', { ...query, q: e.target.value }, true), 300);
    },
  });
  setTimeout(() => {
    search.focus();
    search.setSelectionRange(search.value.length, search.value.length);
  });
  return h(
    'div',
    { class: 'page' },
    h(
      'header',
      { class: 'page-head' },
      h('h1', {}, 'Каталог'),
      canEdit
        ? h(
            'div',
            { class: 'toolbar-right' },
            h(
              'button',
              {
                class: 'ghost',
                'data-testid': 'new-category',
                onclick: () => categoryDialog(cats, query.category, go),
              },
              '+ Категория',
            ),
            query.category && cats.some((c) => c.id === query.category)
              ? h(
                  'button',
                  {
                    class: 'ghost',
                    'data-testid': 'edit-category',
                    onclick: () =>
                      categoryDialog(
                        cats,
                        undefined,
                        go,
                        cats.find((c) => c.id === query.category),
                      ),
                  },
                  '✎ Категория',
                )
              : null,
            h(
              'button',
              { class: 'ghost', 'data-testid': 'import', onclick: () => importDialog() },
              '⭱ Загрузить файл',
            ),
            h(
              'button',
              {
                class: 'primary',
                'data-testid': 'new-product',
                onclick: () => go('/catalog/product', { category: query.category }),
              },
              '+ Товар',
            ),
          )
        : null,
    ),
    h(
      'div',
      { class: 'catalog' },
      panel(
        'Категории',
        categoryTree(cats, query.category, (id) => go('/catalog', { ...query, category: id }, true)),
      ),
      h('div', {}, h('div', { class: 'toolbar' }, search), panel(null, list, more)),
    ),
  );
}

/** A new category under `parent`, or `existing` renamed or moved (never under itself). */
function categoryDialog(cats, parent, go, existing) {
  const name = h('input', {
    required: true,
    maxlength: 128,
    value: existing?.name ?? '',
    'data-testid': 'category-name',
  });
  const inside = new Set(existing ? [existing.id] : []);
  for (let grew = true; grew;) {
    grew = false;
    for (const c of cats)
      if (c.parentId && inside.has(c.parentId) && !inside.has(c.id)) grew = inside.add(c.id) !== undefined;
  }
  const under = h(
    'select',
    { 'data-testid': 'category-parent' },
    h('option', { value: '' }, '— верхний уровень —'),
    cats
      .filter((c) => !inside.has(c.id))
      .map((c) =>
        h('option', { value: c.id, selected: c.id === (existing ? existing.parentId : parent) }, c.name),
      ),
  );
  const id = existing?.id ?? `cat-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  formDialog({
    title: existing ? `Категория «${existing.name}»` : 'Новая категория',
    testid: 'category-dialog',
    fields: [h('label', {}, 'Название', name), h('label', {}, 'Входит в', under)],
    submit: existing ? 'Сохранить' : 'Создать',
    submitTestid: 'category-save',
    action: async () => {
      await api('/catalog/items', {
        method: 'PUT',
        body: {
          items: [
            {
              kind: 'category',
              data: { id, name: name.value.trim(), ...(under.value && { parentId: under.value }) },
            },
          ],
        },
      });
      go('/catalog', { category: id }, true);
    },
  });
  name.focus();
}

function importDialog() {
  const format = h(
    'select',
    { 'data-testid': 'import-format' },
    h('option', { value: 'csv' }, 'CSV (таблица товаров)'),
    h('option', { value: 'cml' }, 'CommerceML 2 из 1С (import.xml и offers.xml)'),
  );
  const main = h('input', { type: 'file', accept: '.csv,.xml,.txt', 'data-testid': 'import-file' });
  const offers = h('input', { type: 'file', accept: '.xml', 'data-testid': 'import-offers' });
  const offersRow = h('label', { hidden: true }, 'Цены (offers.xml, по желанию)', offers);
  format.onchange = () => (offersRow.hidden = format.value !== 'cml');
  const bar = h('div', { class: 'progress-bar' });
  const progress = h('div', { class: 'progress', hidden: true }, bar);
  const status = h('div', { class: 'muted', 'data-testid': 'import-status' });
  const summary = h('div', { 'data-testid': 'import-summary' });
  const start = h('button', { class: 'primary', type: 'submit', 'data-testid': 'import-start' }, 'Загрузить');
  const show = (share, text) => {
    progress.hidden = false;
    bar.style.width = `${Math.round(share * 100)}%`;
    status.textContent = text;
  };
  const form = h(
    'form',
    {
      class: 'form',
      onsubmit: async (e) => {
        e.preventDefault();
        const file = main.files[0];
        if (!file) return void (status.textContent = 'Выберите файл');
        start.disabled = true;
        summary.replaceChildren();
        try {
          const body =
            format.value === 'csv'
              ? { format: 'csv', csv: await file.text() }
              : {
                  format: 'cml',
                  importXml: await file.text(),
                  ...(offers.files[0] && { offersXml: await offers.files[0].text() }),
                };
          let job = await postWithProgress('/exchange/catalog', body, (sent, total) =>
            show((0.3 * sent) / (total || 1), `Передаём файл: ${Math.round((100 * sent) / (total || 1))} %`),
          );
          while (job.state === 'running') {
            show(0.3 + (0.7 * job.done) / job.total, `Записываем: ${num(job.done)} из ${num(job.total)}`);
            await new Promise((r) => setTimeout(r, 400));
            job = await api(`/exchange/catalog/${job.id}`);
          }
          show(1, job.state === 'done' ? 'Готово' : 'Ошибка');
          summary.replaceChildren(
            h(
              'div',
              { class: job.state === 'done' ? 'ok-note' : 'form-error' },
              job.state === 'done'
                ? `Загружено: категорий ${num(job.categories)}, товаров ${num(job.products)} (версия каталога ${job.head}).`
                : `Загрузка прервана: ${job.error}. Записано ${num(job.done)} из ${num(job.total)}.`,
              job.unpriced
                ? h('div', {}, `Без цены в offers.xml (загружены с ценой 0): ${num(job.unpriced)}`)
                : null,
              job.skipped.length
                ? h(
                    'div',
                    {},
                    `Пропущено: ${job.skipped.length}`,
                    h(
                      'ul',
                      {},
                      job.skipped.slice(0, 10).map((s) => h('li', {}, s)),
                    ),
                  )
                : null,
            ),
          );
        } catch (x) {
          progress.hidden = true;
          status.textContent = '';
          summary.replaceChildren(
            h('div', { class: 'form-error' }, x instanceof ApiError ? x.message : String(x)),
          );
        } finally {
          start.disabled = false;
        }
      },
    },
    h('label', {}, 'Формат', format),
    h('label', {}, 'Файл', main),
    offersRow,
    progress,
    status,
    summary,
    h('div', { class: 'form-actions' }, start),
  );
  dialog('Загрузка каталога', form, 'import-dialog');
}

function scopeText(scope, ctx) {
  if (scope === '*') return 'Все магазины';
  const [kind, id] = scope.split(':');
  if (kind === 'group') return `Группа «${id}»`;
  return `Магазин ${ctx.stores.find((s) => s.id === id)?.name ?? id}`;
}

export async function productPage({ ctx, query, go }) {
  const canEdit = ctx.can('editCatalog');
  const cats = await categories();
  const found = query.id
    ? (await api('/catalog/items', { query: { kind: 'product', id: query.id, limit: 1 } })).items[0]
    : null;
  if (query.id && !found) throw new Error(`Товар ${query.id} не найден`);
  const p = found?.data ?? {
    id: '',
    name: '',
    unit: 'шт',
    vat: 1,
    paymentObject: 1,
    weighted: false,
    price: 0,
    barcodes: [],
    categoryId: query.category,
  };
  const f = {
    id: h('input', {
      value: p.id,
      required: true,
      disabled: Boolean(found),
      pattern: '[\\w.@:\\-]+',
      'data-testid': 'product-id',
    }),
    name: h('input', { value: p.name, required: true, maxlength: 128, 'data-testid': 'product-name' }),
    article: h('input', { value: p.article ?? '', maxlength: 64 }),
    unit: h('input', { value: p.unit, maxlength: 16 }),
    vat: h(
      'select',
      {},
      Object.entries(VAT).map(([k, v]) => h('option', { value: k, selected: Number(k) === p.vat }, v)),
    ),
    category: h(
      'select',
      {},
      h('option', { value: '' }, '— без категории —'),
      cats.map((c) => h('option', { value: c.id, selected: c.id === p.categoryId }, c.name)),
    ),
    price: h('input', {
      value: moneyInput(p.price),
      required: true,
      inputmode: 'decimal',
      'data-testid': 'product-price',
    }),
    barcodes: h('input', { value: p.barcodes.join(' '), 'data-testid': 'product-barcodes' }),
    weighted: h('input', { type: 'checkbox', checked: p.weighted }),
    plu: h('input', { value: p.plu ?? '', maxlength: 6 }),
  };
  if (!canEdit) for (const el of Object.values(f)) el.disabled = true;
  const err = h('div', { class: 'form-error', 'data-testid': 'product-error' });
  const saved = h('div', { class: 'muted', 'data-testid': 'product-saved' });
  const form = h(
    'form',
    {
      class: 'form grid-2',
      onsubmit: async (e) => {
        e.preventDefault();
        err.textContent = '';
        const price = parseMoney(f.price.value);
        if (price === undefined) return void (err.textContent = 'Цена: число рублей, например 89,90');
        const barcodes = f.barcodes.value.split(/[\s,;]+/).filter(Boolean);
        const data = {
          ...p,
          id: f.id.value.trim(),
          name: f.name.value.trim(),
          unit: f.unit.value.trim() || 'шт',
          vat: Number(f.vat.value),
          price,
          barcodes,
          weighted: f.weighted.checked,
        };
        const optional = {
          article: f.article.value.trim(),
          plu: f.plu.value.trim(),
          categoryId: f.category.value,
        };
        // an emptied optional field is left out, not sent empty
        const full = Object.fromEntries(
          Object.entries({ ...data, ...optional }).filter(([k, v]) => !(k in optional) || v),
        );
        try {
          const r = await api('/catalog/items', {
            method: 'PUT',
            body: { items: [{ kind: 'product', data: full }] },
          });
          saved.textContent = `Сохранено (версия каталога ${r.head})`;
          if (!found) go('/catalog/product', { id: data.id }, true);
        } catch (x) {
          err.textContent = x.message;
        }
      },
    },
    h('label', {}, 'Код товара', f.id),
    h('label', {}, 'Наименование', f.name),
    h('label', {}, 'Артикул', f.article),
    h('label', {}, 'Категория', f.category),
    h('label', {}, 'Базовая цена, ₽', f.price),
    h('label', {}, 'НДС', f.vat),
    h('label', {}, 'Штрихкоды (через пробел)', f.barcodes),
    h('label', {}, 'Единица', f.unit),
    h('label', { class: 'check' }, f.weighted, 'Весовой товар (цена за кг)'),
    h('label', {}, 'PLU для весов', f.plu),
    err,
    canEdit
      ? h(
          'div',
          { class: 'form-actions' },
          saved,
          h('button', { class: 'primary', type: 'submit', 'data-testid': 'product-save' }, 'Сохранить'),
        )
      : null,
  );
  return h(
    'div',
    { class: 'page' },
    backHead('#/catalog', '‹ Каталог', found ? p.name : 'Новый товар'),
    panel('Товар', form),
    found ? await pricesPanel(ctx, p, canEdit) : null,
  );
}

async function pricesPanel(ctx, p, canEdit) {
  const holder = h('div', {});
  const groups = [...new Set(ctx.stores.map((s) => s.group).filter(Boolean))];
  const draw = async () => {
    const prices = (await api('/catalog/items', { query: { kind: 'price', product: p.id, limit: 1000 } }))
      .items;
    const today = new Date().toISOString().slice(0, 10);
    const scope = h(
      'select',
      { 'data-testid': 'price-scope' },
      h('option', { value: '*' }, 'Все магазины'),
      groups.map((g) => h('option', { value: `group:${g}` }, `Группа «${g}»`)),
      ctx.stores.map((s) => h('option', { value: `store:${s.id}` }, `Магазин ${s.name} (${s.id})`)),
    );
    const price = h('input', {
      required: true,
      inputmode: 'decimal',
      placeholder: '0,00',
      'data-testid': 'price-value',
    });
    const from = h('input', { type: 'date', 'data-testid': 'price-from' });
    const to = h('input', { type: 'date', 'data-testid': 'price-to' });
    const err = h('div', { class: 'form-error', 'data-testid': 'price-error' });
    holder.replaceChildren(
      table(
        [
          { title: 'Где', cell: (x) => scopeText(x.data.scope, ctx) },
          { title: 'Цена', num: true, cell: (x) => money(x.data.price) },
          { title: 'С', cell: (x) => (x.data.validFrom ? dayText(x.data.validFrom) : '—') },
          { title: 'По (не включая)', cell: (x) => (x.data.validTo ? dayText(x.data.validTo) : '—') },
          {
            title: '',
            cell: (x) => [
              (!x.data.validFrom || x.data.validFrom <= today) && (!x.data.validTo || x.data.validTo > today)
                ? badge('действует', 'good')
                : x.data.validFrom > today
                  ? badge('будет', 'neutral')
                  : badge('истекла', 'muted-badge'),
              canEdit
                ? h(
                    'button',
                    {
                      class: 'link danger',
                      onclick: async () => {
                        await api('/catalog/items', {
                          method: 'PUT',
                          body: { items: [{ kind: 'price', id: x.id, deleted: true }] },
                        });
                        await draw();
                      },
                    },
                    'удалить',
                  )
                : null,
            ],
          },
        ],
        prices,
        { testid: 'prices', empty: `Везде действует базовая цена ${money(p.price)}` },
      ),
      canEdit
        ? h(
            'form',
            {
              class: 'form inline-form',
              onsubmit: async (e) => {
                e.preventDefault();
                err.textContent = '';
                const k = parseMoney(price.value);
                if (k === undefined) return void (err.textContent = 'Цена: число рублей, например 89,90');
                if (from.value && to.value && from.value >= to.value)
                  return void (err.textContent = 'Дата «по» должна быть позже даты «с»');
                try {
                  await api('/catalog/items', {
                    method: 'PUT',
                    body: {
                      items: [
                        {
                          kind: 'price',
                          data: {
                            productId: p.id,
                            scope: scope.value,
                            price: k,
                            ...(from.value && { validFrom: from.value }),
                            ...(to.value && { validTo: to.value }),
                          },
                        },
                      ],
                    },
                  });
                  await draw();
                } catch (x) {
                  err.textContent = x.message;
                }
              },
            },
            scope,
            h('label', { class: 'inline' }, 'Цена, ₽', price),
            h('label', { class: 'inline' }, 'с', from),
            h('label', { class: 'inline' }, 'по', to),
            h('button', { class: 'primary', type: 'submit', 'data-testid': 'price-add' }, 'Установить цену'),
            err,
          )
        : null,
    );
  };
  await draw();
  return panel('Цены по магазинам и группам', holder);
}
