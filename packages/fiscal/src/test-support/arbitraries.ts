/** fast-check generators of fiscal documents, for property tests (not part of the runtime API). */
import fc from 'fast-check';
import { allTags, type FfdVersion, type FormCode, type TagDef } from '../tags/dictionary.js';
import type { Field } from '../tlv/codec.js';

export const ALL_FORMS: readonly FormCode[] = [1, 11, 2, 3, 4, 31, 41, 5, 6, 21, 7];

// Every character CP866 can hold (printable part), so strings survive encoding.
const CP866_CHARS = (() => {
  const all = new Uint8Array(224);
  for (let i = 0; i < 224; i++) all[i] = i + 32;
  return Array.from(new TextDecoder('ibm866').decode(all));
})();

const cp866String = (min: number, max: number) =>
  fc.array(fc.constantFrom(...CP866_CHARS), { minLength: min, maxLength: max }).map((a) => a.join(''));

function inVersion(d: TagDef, v: FfdVersion): boolean {
  if (d.only === '1.2') return v === '1.2';
  if (d.only === '≤1.05') return v !== '1.2';
  return true;
}

/**
 * Tags that may stand inside `parent` without ambiguity in FNS JSON: a tag bound to other
 * parents is left out, and so is one whose key another tag owns inside this parent.
 */
function fitsIn(d: TagDef, parent: number): boolean {
  if (d.within) return d.within.includes(parent);
  return !allTags().some((o) => o !== d && o.json === d.json && o.within?.includes(parent));
}

const candidates = (v: FfdVersion, parent: number, stlv: boolean) =>
  allTags().filter(
    (d) => (d.type === 'stlv') === stlv && d.tag >= 1000 && inVersion(d, v) && fitsIn(d, parent),
  );

function valueOf(d: TagDef, v: FfdVersion, depth: number): fc.Arbitrary<Field> {
  const tag = d.tag;
  switch (d.type) {
    case 'byte':
      return fc.integer({ min: 0, max: 255 }).map((value) => ({ tag, value }));
    case 'u16':
      return fc.integer({ min: 0, max: 0xffff }).map((value) => ({ tag, value }));
    case 'u32':
    case 'unixtime':
      return fc.integer({ min: 0, max: 0xffffffff }).map((value) => ({ tag, value }));
    case 'vln':
      return fc.integer({ min: 0, max: 2 ** 48 - 1 }).map((value) => ({ tag, value }));
    case 'fvln':
      return fc
        .record({
          mantissa: fc.bigInt({ min: 0n, max: 2n ** 56n - 1n }),
          scale: fc.integer({ min: 0, max: 6 }),
        })
        .map((value) => ({ tag, value }));
    case 'string':
      return (
        d.fixedLength !== undefined
          ? cp866String(d.fixedLength, d.fixedLength)
          : cp866String(0, Math.min(d.maxLength, 24))
      ).map((value) => ({ tag, value }));
    case 'bytes':
      return fc
        .uint8Array({ minLength: d.fixedLength ?? 0, maxLength: d.fixedLength ?? Math.min(d.maxLength, 18) })
        .map((value) => ({ tag, value }));
    case 'stlv':
      return fieldList(v, tag, depth + 1, 4).map((value) => ({ tag, value }));
  }
}

/** Unknown tags (not in the dictionary) carry raw bytes and must survive untouched. */
const unknownField = fc
  .record({ tag: fc.integer({ min: 3000, max: 0xffff }), value: fc.uint8Array({ maxLength: 12 }) })
  .map((f): Field => f);

function fieldList(v: FfdVersion, parent: number, depth: number, max: number): fc.Arbitrary<Field[]> {
  const leaves = candidates(v, parent, false);
  const stlvs = depth < 3 ? candidates(v, parent, true) : [];
  const one = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...leaves).chain((d) => valueOf(d, v, depth)) },
    {
      weight: stlvs.length > 0 ? 1 : 0,
      arbitrary:
        stlvs.length > 0 ? fc.constantFrom(...stlvs).chain((d) => valueOf(d, v, depth)) : unknownField,
    },
    { weight: 1, arbitrary: unknownField },
  );
  return fc.array(one, { maxLength: max });
}

export const ffdVersionArb: fc.Arbitrary<'1.05' | '1.2'> = fc.constantFrom('1.05', '1.2');

/** A document of `form`: its FFD version tag first, then generated tags in random order. */
export function documentArb(form: FormCode, v: '1.05' | '1.2') {
  return fieldList(v, form, 1, 20).map((fields) => ({
    form,
    fields: [{ tag: 1209, value: v === '1.2' ? 4 : 2 }, ...fields.filter((f) => f.tag !== 1209)] as Field[],
  }));
}

export const anyDocumentArb = fc
  .tuple(fc.constantFrom(...ALL_FORMS), ffdVersionArb)
  .chain(([form, v]) => documentArb(form, v));
