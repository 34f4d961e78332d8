import { z } from 'zod';
import { TILL_ROLES } from './access.js';

/**
 * Master data as the head office owns it and every store and till receives it: a change feed of
 * items, each with the catalogue version that last changed it. A receiver keeps the highest
 * version it has applied (its cursor) and asks for what came after.
 */

const kopecks = z
  .number()
  .int()
  .min(0)
  .max(2 ** 47);
// 1C ids are a uuid, or a uuid and a characteristic uuid (73 characters).
const id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w.@:-]+$/, 'letters, digits, "_", ".", "@", ":" or "-"');

export const catalogProduct = z.object({
  id,
  name: z.string().min(1).max(128),
  article: z.string().max(64).optional(),
  /** Unit of measure as printed ("шт", "кг"). */
  unit: z.string().max(16).default('шт'),
  /** VAT rate code of the ФФД (1–12). */
  vat: z.number().int().min(1).max(12),
  /** Payment object of the ФФД (tag 1212): 1 goods, 4 service, 33 marked goods… */
  paymentObject: z.number().int().min(1).max(33).default(1),
  /** Marking type when the goods carry a marking code (e.g. "tobacco", "shoes"), else absent. */
  markingType: z.string().max(32).optional(),
  weighted: z.boolean().default(false),
  /** Scale item code, for in-store labels. */
  plu: z
    .string()
    .regex(/^\d{1,6}$/)
    .optional(),
  categoryId: id.optional(),
  /** Price in kopecks (per kg for weighted goods) where no store or group price applies. */
  price: kopecks,
  barcodes: z
    .array(z.string().regex(/^\d{4,32}$/, 'digits only'))
    .max(50)
    .default([]),
});
export type CatalogProduct = z.infer<typeof catalogProduct>;

export const catalogCategory = z.object({
  id,
  name: z.string().min(1).max(128),
  parentId: id.optional(),
});
export type CatalogCategory = z.infer<typeof catalogCategory>;

/** A price for one store or one store group, valid in a period (ISO dates, to exclusive). */
export const catalogPrice = z.object({
  productId: id,
  /** "store:S1", "group:moscow" or "*" (every store). */
  scope: z
    .string()
    .regex(/^(\*|store:[\w.-]{1,64}|group:[\w.-]{1,64})$/, '"*", "store:<code>" or "group:<code>"'),
  price: kopecks,
  validFrom: z.iso.date().optional(),
  validTo: z.iso.date().optional(),
});
export type CatalogPrice = z.infer<typeof catalogPrice>;

export const priceId = (p: Pick<CatalogPrice, 'productId' | 'scope' | 'validFrom'>): string =>
  `${p.productId}@${p.scope}@${p.validFrom ?? ''}`;

/** A store: its group (for group prices) and the settings its tills follow. */
export const catalogStore = z.object({
  id,
  name: z.string().min(1).max(128),
  group: z
    .string()
    .regex(/^[\w.-]{1,64}$/)
    .optional(),
  settings: z
    .object({
      weightedLayouts: z.array(z.object({ prefixes: z.array(z.string()), mask: z.string() })).optional(),
      taxation: z.string().max(32).optional(),
      allowReturnWithoutReceipt: z.boolean().optional(),
    })
    .default({}),
});
export type CatalogStore = z.infer<typeof catalogStore>;

export const USER_ROLES = TILL_ROLES;

/**
 * A till user as the head office is given it: the PIN in clear, once, hashed at once; `stores`
 * limits the tills that receive it (every store when absent).
 */
export const catalogUserInput = z.object({
  id,
  name: z.string().min(1).max(64),
  role: z.enum(USER_ROLES),
  pin: z.string().regex(/^\d{4,8}$/, '4 to 8 digits'),
  stores: z
    .array(z.string().regex(/^[\w.-]{1,64}$/))
    .max(1000)
    .optional(),
});

/** A till user as the feed carries it: never the PIN, only its salted hash. */
export const catalogUser = catalogUserInput.omit({ pin: true }).extend({
  pinSalt: z.string().regex(/^[0-9a-f]{32}$/),
  pinHash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type CatalogUser = z.infer<typeof catalogUser>;
export type CatalogUserInput = z.infer<typeof catalogUserInput>;

export const CATALOG_KINDS = ['product', 'category', 'price', 'store', 'user'] as const;
export type CatalogKind = (typeof CATALOG_KINDS)[number];

/** One change in the feed: the item as it is now, or its removal. */
export interface CatalogChange {
  readonly kind: CatalogKind;
  readonly id: string;
  readonly version: number;
  readonly deleted: boolean;
  /** Absent for a removal. */
  readonly data?: unknown;
}

export interface CatalogPage {
  readonly changes: CatalogChange[];
  /** Ask for what came after this next time. */
  readonly cursor: number;
  /** The catalogue's newest version when this page was read. */
  readonly head: number;
}
