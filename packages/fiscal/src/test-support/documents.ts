/** Well-formed sample documents for tests: a correct receipt that ФЛК passes, per FFD version. */
import type { FiscalDocument } from '../documents/document.js';
import type { Field } from '../tlv/codec.js';

export function sampleReceipt(ffd: '1.05' | '1.2'): FiscalDocument {
  const items: Field[] = [
    {
      tag: 1059,
      value: [
        { tag: 1030, value: 'Молоко 3,2%' },
        { tag: 1079, value: 8990 },
        { tag: 1023, value: { mantissa: 2n, scale: 0 } },
        { tag: 1043, value: 17980 },
        { tag: 1199, value: 2 },
        { tag: 1200, value: 1635 },
        { tag: 1214, value: 4 },
        { tag: 1212, value: 1 },
        ...(ffd === '1.2' ? [{ tag: 2108, value: 0 }] : []),
      ],
    },
    {
      tag: 1059,
      value: [
        { tag: 1030, value: 'Сыр весовой' },
        { tag: 1079, value: 89900 },
        { tag: 1023, value: { mantissa: 345n, scale: 3 } },
        { tag: 1043, value: 31016 }, // 899.00 × 0.345 = 310.155 → 310.16
        { tag: 1199, value: ffd === '1.2' ? 11 : 1 },
        { tag: 1200, value: ffd === '1.2' ? 5593 : 5169 },
        { tag: 1214, value: 4 },
        { tag: 1212, value: 1 },
        ...(ffd === '1.2' ? [{ tag: 2108, value: 11 }] : []),
      ],
    },
  ];
  const fields: Field[] = [
    { tag: 1209, value: ffd === '1.2' ? 4 : 2 },
    { tag: 1048, value: 'ООО "Ромашка"' },
    { tag: 1018, value: '7700000000  ' },
    { tag: 1042, value: 7 },
    { tag: 1012, value: 1795000000 },
    { tag: 1038, value: 12 },
    { tag: 1054, value: 1 },
    { tag: 1055, value: 1 },
    { tag: 1021, value: 'Кассир Иванова' },
    { tag: 1037, value: '0000000001012345    ' },
    { tag: 1009, value: 'г. Москва, ул. Ленина, 1' },
    { tag: 1187, value: 'Магазин №1' },
    ...items,
    { tag: 1020, value: 48996 },
    { tag: 1031, value: 10000 },
    { tag: 1081, value: 38996 },
    { tag: 1215, value: 0 },
    { tag: 1216, value: 0 },
    { tag: 1217, value: 0 },
    { tag: 1103, value: 1635 },
    { tag: 1102, value: ffd === '1.2' ? 5593 : 5169 },
    { tag: 1040, value: 1234 },
    { tag: 1041, value: '9999078900001366' },
    { tag: 1077, value: Uint8Array.of(0x21, 0x04, 0xaa, 0x10, 0x75, 0x41) },
  ];
  return { form: 3, fields };
}
