import { ean13CheckDigit } from '@openkassa/fiscal';
import type { Product } from './catalog/index.js';

/** A store's worth of believable goods for the sandbox, tests and benches. */
const NAMED: Product[] = [
  { id: 'milk', name: 'Молоко 3,2% 1 л', price: 8990, vat: 2, weighted: false },
  { id: 'bread', name: 'Хлеб Бородинский 400 г', price: 5490, vat: 2, weighted: false },
  { id: 'coffee', name: 'Кофе молотый 250 г', price: 44900, vat: 11, weighted: false },
  { id: 'water', name: 'Вода питьевая 1,5 л', price: 4500, vat: 11, weighted: false },
  { id: 'choco', name: 'Шоколад горький 90 г', price: 12990, vat: 11, weighted: false },
  { id: 'cheese', name: 'Сыр Российский весовой', price: 89900, vat: 2, weighted: true, plu: '101' },
  { id: 'apples', name: 'Яблоки Гала весовые', price: 14990, vat: 2, weighted: true, plu: '102' },
  { id: 'bananas', name: 'Бананы весовые', price: 12990, vat: 2, weighted: true, plu: '103' },
];

export const ean13 = (first12: string) => `${first12}${ean13CheckDigit(first12)}`;

export function demoCatalog(size: number): Product[] {
  const named = NAMED.map((p, i) => ({
    ...p,
    barcodes: p.weighted ? [] : [ean13(`4600000000${String(i + 1).padStart(2, '0')}`)],
  }));
  const kinds = [
    'Крупа',
    'Макароны',
    'Сок',
    'Чай',
    'Печенье',
    'Консервы',
    'Соус',
    'Мыло',
    'Салфетки',
    'Конфеты',
  ];
  const more: Product[] = [];
  for (let i = 0; named.length + more.length < size; i++) {
    more.push({
      id: `g${i}`,
      name: `${kinds[i % kinds.length]!} №${i}`,
      price: 2990 + ((i * 7919) % 50000),
      vat: i % 3 === 0 ? 2 : 11,
      weighted: false,
      barcodes: [ean13(`47${String(i).padStart(10, '0')}`)],
    });
  }
  return [...named, ...more].slice(0, size);
}

export const DEMO_USERS = [
  { id: 'ivanova', name: 'Иванова А.', role: 'cashier', pin: '1111' },
  { id: 'petrova', name: 'Петрова Е.', role: 'senior', pin: '2222' },
  { id: 'sidorov', name: 'Сидоров П.', role: 'manager', pin: '9999' },
] as const;

/** The demo catalogue's category tree (two levels under «Продукты»). */
export const DEMO_CATEGORIES = [
  { id: 'food', name: 'Продукты' },
  { id: 'dairy', name: 'Молочные продукты', parentId: 'food' },
  { id: 'bakery', name: 'Хлеб и выпечка', parentId: 'food' },
  { id: 'grocery', name: 'Бакалея', parentId: 'food' },
  { id: 'tea-coffee', name: 'Чай и кофе', parentId: 'grocery' },
  { id: 'cereals', name: 'Крупы и макароны', parentId: 'grocery' },
  { id: 'canned', name: 'Консервы и соусы', parentId: 'grocery' },
  { id: 'sweets', name: 'Кондитерские изделия', parentId: 'food' },
  { id: 'fruit', name: 'Фрукты', parentId: 'food' },
  { id: 'drinks', name: 'Напитки' },
  { id: 'household', name: 'Хозяйственные товары' },
] as const;

const NAMED_CATEGORY: Record<string, string> = {
  milk: 'dairy',
  bread: 'bakery',
  coffee: 'tea-coffee',
  water: 'drinks',
  choco: 'sweets',
  cheese: 'dairy',
  apples: 'fruit',
  bananas: 'fruit',
};
// by the kinds of demoCatalog's numbered goods, in their order
const KIND_CATEGORY = [
  'cereals',
  'cereals',
  'drinks',
  'tea-coffee',
  'sweets',
  'canned',
  'canned',
  'household',
  'household',
  'sweets',
];

/** The category of a demo product. */
export const demoCategoryOf = (productId: string): string =>
  NAMED_CATEGORY[productId] ?? KIND_CATEGORY[Number(productId.slice(1)) % KIND_CATEGORY.length]!;

/** The demo categories as head-office catalogue items (load them with or before the goods). */
export const demoCategoryItems = (): { kind: 'category'; data: Record<string, unknown> }[] =>
  DEMO_CATEGORIES.map((c) => ({ kind: 'category', data: { ...c } }));

/** The demo catalogue as head-office catalogue items (`PUT /api/v1/catalog/items`), for tests and benches. */
export function demoCatalogItems(size: number): { kind: 'product'; data: Record<string, unknown> }[] {
  return demoCatalog(size).map((p) => ({
    kind: 'product',
    data: {
      id: p.id,
      categoryId: demoCategoryOf(p.id),
      name: p.name,
      vat: p.vat,
      price: p.price,
      weighted: p.weighted,
      ...(p.plu !== undefined && { plu: p.plu }),
      barcodes: p.barcodes ?? [],
    },
  }));
}
