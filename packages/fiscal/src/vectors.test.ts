/**
 * Golden vectors from ../shared/vectors/ofd: every file decodes to the values its README and
 * annotations document, and re-encoding gives the same bytes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bytesEqual,
  checkDocument,
  encodeDocument,
  fromHex,
  messageFiscalSign,
  numberOf,
  parseContainer,
  parseMessage,
  parseSessionHeader,
  printedFiscalSign,
  stringOf,
  toHex,
  buildMessage,
  decimalOf,
  childrenOf,
  findAll,
  fromFnsJson,
  readOperatorAck,
  decodeFields,
  encodeFields,
  readUIntLE,
  decodeCp866,
  crc16CcittFalse,
  type FiscalDocument,
} from './index.js';

export const VECTORS = join(import.meta.dirname, '../../../../shared/vectors/ofd');
const hex = (name: string) => fromHex(readFileSync(join(VECTORS, name), 'utf8'))!;

function reencodes(doc: FiscalDocument, original: Uint8Array) {
  const r = encodeDocument(doc);
  expect(r.ok).toBe(true);
  if (r.ok) expect(toHex(r.value)).toBe(toHex(original));
}

describe('yandex-ofd doc 11 message (FFD 1.05, real)', () => {
  const bytes = hex('yandex-ofd_kkt-to-ofd_msg_doc11_ffd105.hex');
  const m = parseMessage(bytes);
  if (!m.ok) throw new Error(m.error.message);
  const c = m.value.container!;

  it('has the documented session and container headers', () => {
    expect(m.value.header).toMatchObject({
      pVersion: 0x0001,
      fnNumber: '9999078900005488',
      bodyLength: 436,
      flags: 0x0014,
      crc: 0,
    });
    expect(c.header).toMatchObject({
      length: 436,
      crc: 0x7825,
      containerType: 0xa5,
      dataType: 11,
      formatVersion: 1,
      fnNumber: '9999078900005488',
      fdNumber: 1,
    });
    expect(toHex(c.header.serviceData1)).toBe('1009');
    expect(toHex(c.header.serviceData2)).toBe('84ec4c14c20000010004018a');
    expect((c.header.serviceData2[10]! << 8) | c.header.serviceData2[11]!).toBe(394);
    expect(c.crcValid).toBe(true);
    expect(m.value.fnConsistent).toBe(true);
  });

  it('decodes every tag of the document to its documented value', () => {
    const d = c.document!;
    expect(d.form).toBe(11);
    expect(c.documentBytes!.length).toBe(394);
    const f = d.fields;
    expect(stringOf(f, 1041)).toBe('9999078900005488');
    expect(stringOf(f, 1037)).toBe('0000000005008570    ');
    expect(stringOf(f, 1018)).toBe('7702203276  ');
    expect(numberOf(f, 1040)).toBe(1);
    expect(numberOf(f, 1012)).toBe(1488541080);
    expect(toHex(f.find((x) => x.tag === 1077)!.value as Uint8Array)).toBe('2104aa107541');
    expect(printedFiscalSign(d)).toBe(2853205313);
    expect(numberOf(f, 1062)).toBe(6);
    expect(numberOf(f, 1101)).toBe(1);
    expect(stringOf(f, 1013)).toBe('000000000002');
    expect(stringOf(f, 1048)).toBe('ООО РАПКАТ-центр ');
    expect(stringOf(f, 1009)).toBe('111141 г.Москва, ул. Кусковская д.20А офис В-202');
    expect(stringOf(f, 1017)).toBe('7704358518  ');
    expect(stringOf(f, 1060)).toBe('nalog.ru');
    expect(stringOf(f, 1117)).toBe('example@example.com');
    expect(stringOf(f, 1021)).toBe('Шеннон К. ');
    expect(stringOf(f, 1046)).toBe('OOO TAXCOM');
    expect(numberOf(f, 1189)).toBe(2);
    expect(numberOf(f, 1209)).toBe(2);
    expect(stringOf(f, 1188)).toBe('2.0');
    expect(stringOf(f, 1187)).toBe('111141 г.Москва, ул. Кусковская\r\nд.20А офис В-202');
    expect(stringOf(f, 1203)).toBe('771234567890');
    expect(numberOf(f, 1207)).toBe(1);
    expect(f.map((x) => x.tag)).toEqual([
      1041, 1037, 1018, 1040, 1012, 1077, 1056, 1002, 1001, 1109, 1110, 1108, 1062, 1101, 1013, 1048, 1009,
      1017, 1060, 1117, 1021, 1046, 1189, 1209, 1188, 1187, 1203, 1221, 1207,
    ]);
  });

  it('keeps the ФПС trailer and reads messageFiscalSign from it', () => {
    expect(toHex(c.trailer)).toBe('8106a55ae10c4d750000');
    expect(messageFiscalSign(c.trailer)).toBe('9297300290494287221');
  });

  it('passes ФЛК as FFD 1.05', () => {
    const r = checkDocument(c.document!);
    expect(r.ffd).toBe('1.05');
    expect(r.violations).toEqual([]);
  });

  it('re-encodes the document and rebuilds the whole message byte for byte', () => {
    reencodes(c.document!, c.documentBytes!);
    const rebuilt = buildMessage({
      pVersion: m.value.header.pVersion,
      fnNumber: c.header.fnNumber,
      fdNumber: c.header.fdNumber,
      dataType: c.header.dataType,
      serviceData1: c.header.serviceData1,
      serviceData2Prefix: c.header.serviceData2.subarray(0, 10),
      document: c.documentBytes!,
      trailer: c.trailer,
    });
    expect(rebuilt.ok && toHex(rebuilt.value)).toBe(toHex(bytes));
  });
});

describe('bare session header (yandex test)', () => {
  it('decodes the space-padded ФН, body length and flags', () => {
    const h = parseSessionHeader(hex('yandex-ofd_session-header_30b.hex'));
    expect(h.ok && h.value).toEqual({
      pVersion: 0x0001,
      fnNumber: '9999078950      ',
      bodyLength: 305,
      flags: 0x0014,
      crc: 0,
    });
  });
});

describe('yandex-ofd doc 1 container (FFD 1.0, registration report)', () => {
  const bytes = hex('yandex-ofd_container_doc1_ffd10.hex');
  const r = parseContainer(bytes);
  if (!r.ok) throw new Error(r.error.message);
  const c = r.value;
  it('has the documented header, CRC 0xEC03 and BCD ФН with an F nibble', () => {
    expect(c.header).toMatchObject({
      length: 305,
      crc: 0xec03,
      containerType: 0xa5,
      dataType: 1,
      fnNumber: '999907891234567 ',
      fdNumber: 1,
    });
    expect(c.crcValid).toBe(true);
    expect(toHex(c.header.serviceData2)).toBe('00230982c400000100020107');
  });
  it('decodes the registration report', () => {
    const f = c.document!.fields;
    expect(stringOf(f, 1041)).toBe('999907891234567 ');
    expect(stringOf(f, 1037)).toBe('120000130000        ');
    expect(stringOf(f, 1018)).toBe('112233445566');
    expect(numberOf(f, 1012)).toBe(1460556840);
    expect(stringOf(f, 1048)).toBe('ООО "МММ"');
    expect(stringOf(f, 1009)).toBe('Москва, Зеленый проспект, д.66 корп. 2');
    expect(stringOf(f, 1046)).toBe('ОФД-тест');
    expect(stringOf(f, 1061)).toBe('www.ofd.ru');
    expect(stringOf(f, 1049)).toBe('111234');
    expect(stringOf(f, 1013)).toBe('0620000001');
    expect(numberOf(f, 1062)).toBe(1);
    expect(toHex(c.trailer)).toBe('810673fca34b28720000');
    expect(messageFiscalSign(c.trailer)).toBe('9297246009661532274');
  });
  it('passes ФЛК as FFD 1.0 (the test ФН number is only a warning) and re-encodes', () => {
    const flk = checkDocument(c.document!);
    expect(flk.ffd).toBe('1.0');
    expect(flk.violations).toEqual([]);
    expect(flk.warnings.map((w) => w.tag)).toEqual([1041]);
    reencodes(c.document!, c.documentBytes!);
  });
});

describe('mock OFD answer to doc 11', () => {
  const m = parseMessage(hex('mock-ofd-response_operatorAck_to_doc11.hex'));
  if (!m.ok) throw new Error(m.error.message);
  const c = m.value.container!;
  it('decodes the operator acknowledgement with answer code 0', () => {
    expect(m.value.header).toMatchObject({ fnNumber: '9999078900005488', bodyLength: 95, flags: 0x0014 });
    expect(c.header).toMatchObject({ length: 95, crc: 0xb7c6, dataType: 7, fdNumber: 0x310000 });
    expect(c.crcValid).toBe(true);
    const ack = readOperatorAck(c.document!);
    expect(ack).toEqual({
      code: 0,
      ofdInn: '7704358518',
      fnNumber: '9999078900005488',
      fdNumber: 1,
      dateTime: 1795285852,
    });
    reencodes(c.document!, c.documentBytes!);
  });
  it('fails ФЛК for what a real ФН would reject: no ФПО, unpadded ОФД INN', () => {
    const flk = checkDocument(c.document!);
    expect(flk.violations.map((v) => [v.code, v.tag])).toEqual([
      ['missing-tag', 1078],
      ['bad-length', 1017],
    ]);
  });
});

describe('synthetic receipt doc 3 (yandex packer)', () => {
  const bytes = hex('synthetic_kkt-to-ofd_msg_receipt_doc3.hex');
  const m = parseMessage(bytes);
  if (!m.ok) throw new Error(m.error.message);
  const c = m.value.container!;
  const f = c.document!.fields;
  it('decodes header, item and sums', () => {
    expect(m.value.header).toMatchObject({ pVersion: 0x0105, fnNumber: '9999078900001366', bodyLength: 300 });
    expect(c.header).toMatchObject({ crc: 0xac04, dataType: 3, fdNumber: 35 });
    expect(numberOf(f, 1055)).toBe(1);
    expect(numberOf(f, 1040)).toBe(35);
    expect(numberOf(f, 1054)).toBe(1);
    expect(numberOf(f, 1042)).toBe(3);
    expect(numberOf(f, 1020)).toBe(10750);
    expect(numberOf(f, 1031)).toBe(3250);
    expect(numberOf(f, 1081)).toBe(7500);
    expect(numberOf(f, 1102)).toBe(1640);
    expect(numberOf(f, 1038)).toBe(4);
    expect(stringOf(f, 1021)).toBe('СИС. АДМИНИСТРАТОР');
    expect(stringOf(f, 1048)).toBe('РАПКАТ-ЦЕНТР');
    const item = childrenOf(findAll(f, 1059)[0])!;
    expect(numberOf(item, 1043)).toBe(10750);
    expect(numberOf(item, 1079)).toBe(2150);
    expect(decimalOf(item, 1023)).toEqual({ mantissa: 50n, scale: 1 });
    expect(stringOf(item, 1030)).toBe('Тестовый товар');
    expect(toHex(c.trailer)).toBe('8106000000000000');
  });
  it('keeps the 8-byte VLN widths so re-encoding is byte-identical', () => {
    expect(f.find((x) => x.tag === 1020)!.length).toBe(8);
    reencodes(c.document!, c.documentBytes!);
  });
  it('passes ФЛК sums (warning on the over-wide VLNs only)', () => {
    const flk = checkDocument(c.document!);
    expect(flk.violations).toEqual([]);
    expect(flk.warnings.length).toBeGreaterThan(0); // the over-wide VLNs are there to warn about
    expect(flk.warnings.every((w) => w.code === 'bad-length')).toBe(true);
  });
});

describe('synthetic FFD 1.2 receipt (P-version 01 20)', () => {
  const m = parseMessage(hex('synthetic_kkt-to-ofd_msg_receipt_ffd12_pver0120.hex'));
  if (!m.ok) throw new Error(m.error.message);
  const c = m.value.container!;
  it('accepts the P-version and decodes the 1.2 item tags', () => {
    expect(m.value.header.pVersion).toBe(0x0120);
    expect(c.header.fdNumber).toBe(36);
    const f = c.document!.fields;
    expect(numberOf(f, 1209)).toBe(4);
    const item = childrenOf(findAll(f, 1059)[0])!;
    expect(numberOf(item, 2108)).toBe(0);
    expect(numberOf(item, 1199)).toBe(6);
    expect(toHex(c.trailer)).toBe('81060000000000000000');
    reencodes(c.document!, c.documentBytes!);
  });
  it('is reported by ФЛК as incomplete (no ФПД, shift, payments, …)', () => {
    const flk = checkDocument(c.document!);
    expect(flk.ffd).toBe('1.2');
    expect(flk.violations.filter((v) => v.code === 'missing-tag').map((v) => v.tag)).toEqual(
      expect.arrayContaining([1077, 1042, 1038, 1037, 1009, 1187, 1105]),
    );
    expect(flk.violations.some((v) => v.code === 'total-payments-mismatch')).toBe(true);
  });
});

describe('FNS JSON vectors', () => {
  it('reads the coop-fd FFD 1.2 receipt into a document and back', () => {
    const json = JSON.parse(readFileSync(join(VECTORS, 'coop-fd_receipt_ffd12_fns-json.json'), 'utf8'));
    const r = fromFnsJson(json);
    if (!r.ok) throw new Error(r.error.message);
    const d = r.value.document;
    expect(d.form).toBe(3);
    expect(numberOf(d.fields, 1209)).toBe(4);
    expect(stringOf(d.fields, 1041)).toBe('7284441234567890');
    expect(numberOf(d.fields, 1020)).toBe(123456);
    expect(printedFiscalSign(d)).toBe(12345678);
    const items = findAll(d.fields, 1059).map((i) => childrenOf(i)!);
    expect(items).toHaveLength(5);
    expect(decimalOf(items[3]!, 1023)).toEqual({ mantissa: 22n, scale: 3 });
    expect(r.value.ignored).toEqual([]);
    // and the items themselves are arithmetically right
    const flk = checkDocument(d);
    expect(flk.violations.filter((v) => v.code === 'item-sum-mismatch')).toEqual([]);
  });
  it('reads the old yandex FFD 1.0 receipt, listing the keys that are not tags', () => {
    const json = JSON.parse(readFileSync(join(VECTORS, 'yandex-ofd_receipt_ffd10_fns-json.json'), 'utf8'));
    const r = fromFnsJson(json);
    if (!r.ok) throw new Error(r.error.message);
    expect(numberOf(r.value.document.fields, 1040)).toBe(35);
    expect(r.value.ignored).toEqual(
      expect.arrayContaining(['$.stornoItems', '$.items[0].modifiers', '$.items[0].barcode']),
    );
  });
});

describe('value vectors', () => {
  const vv = JSON.parse(readFileSync(join(VECTORS, 'value-vectors.json'), 'utf8'));
  it('u32 and VLN decode as little-endian, zero-extended', () => {
    for (const e of [...vv.u32_le, ...vv.vln_le_variable_length])
      expect(readUIntLE(fromHex(e.hex)!)).toBe(e.value);
  });
  it('FVLN, strings, time and byte vectors decode in TLV context', () => {
    const decodeOne = (tag: number, h: string) => {
      const v = fromHex(h)!;
      const tlv = new Uint8Array(4 + v.length);
      tlv.set([tag & 0xff, tag >> 8, v.length & 0xff, v.length >> 8]);
      tlv.set(v, 4);
      const r = decodeFields(tlv);
      if (!r.ok) throw new Error(r.error.message);
      return r.value[0]!;
    };
    expect(decodeOne(1023, '0215cd5b07').value).toEqual({ mantissa: 123456789n, scale: 2 });
    expect(decodeOne(1023, '02d7370200000000')).toEqual({
      tag: 1023,
      value: { mantissa: 145367n, scale: 2 },
      length: 8,
    });
    expect(decodeOne(1023, '05563412').value).toEqual({ mantissa: 0x123456n, scale: 5 });
    for (const s of vv.string_cp866) expect(decodeCp866(fromHex(s.hex)!)).toBe(s.value);
    expect(decodeOne(1012, '8a029e55').value).toBe(1436418698);
    expect(decodeOne(1054, '03').value).toBe(3);
    expect(decodeOne(1020, '').value).toBe(0);
  });
  it('STLV and repeated-tag vectors decode and re-encode identically', () => {
    for (const e of vv.full_tlv_and_stlv) {
      const bytes = fromHex(e.hex)!;
      const r = decodeFields(bytes);
      if (!r.ok) throw new Error(`${e.what}: ${r.error.message}`);
      const back = encodeFields(r.value);
      expect(back.ok && bytesEqual(back.value, bytes)).toBe(true);
    }
    const multi = decodeFields(fromHex('ed03010041ed03010042ed03010043')!);
    expect(multi.ok && multi.value.map((f) => f.value)).toEqual(['A', 'B', 'C']);
    const nested = decodeFields(fromHex('17040800f70304002a000000')!);
    expect(nested.ok && nested.value).toEqual([{ tag: 1047, value: [{ tag: 1015, value: 42 }] }]);
  });
  it('ФПД → printed ФП and trailer → messageFiscalSign', () => {
    // The 19-digit values exceed a JSON number's precision: read them from the text.
    const raw = readFileSync(join(VECTORS, 'value-vectors.json'), 'utf8');
    const exact = [...raw.matchAll(/"messageFiscalSign_u64_be_of_first8": (\d+)/g)].map((m) => m[1]);
    vv.message_fiscal_sign_trailer.forEach((e: { trailer_hex_after_document: string }, i: number) => {
      expect(messageFiscalSign(fromHex(e.trailer_hex_after_document)!)).toBe(exact[i]);
    });
    const fp = vv.fiscal_sign_1077[0];
    expect(printedFiscalSign({ form: 3, fields: [{ tag: 1077, value: fromHex(fp.tlv_value_hex)! }] })).toBe(
      fp.printed_fp_10_digits,
    );
  });
  it('CRC-16/CCITT-FALSE check value and container CRCs', () => {
    expect(crc16CcittFalse(new TextEncoder().encode('123456789'))).toBe(0x29b1);
  });
});
