import { describe, expect, it } from 'vitest';
import { strFromU8, unzipSync } from 'fflate';
import { tableCsv, tableXlsx, type Table } from './table.js';

const t: Table = {
  name: 'sales-by-store-2026-11-01-2026-11-30',
  columns: ['store', 'label', 'receipts', 'net', 'quantity'],
  rows: [
    ['S1', 'Тверская, 7 <центр> & "ТЦ"', 12, { money: 123456 }, { qty: '1.25' }],
    ['S2', 'Невский\u0001', 3, { money: -5 }, null],
  ],
};

describe('report tables', () => {
  it('writes CSV with money in roubles and quoting where needed', () => {
    expect(tableCsv(t)).toBe(
      'store,label,receipts,net,quantity\n' +
        'S1,"Тверская, 7 <центр> & ""ТЦ""",12,1234.56,1.25\n' +
        'S2,Невский\u0001,3,-0.05,\n',
    );
  });

  it('writes an Excel workbook: text as text, money and quantities as numbers with their formats', () => {
    const files = unzipSync(tableXlsx(t));
    expect(Object.keys(files).sort()).toEqual([
      '[Content_Types].xml',
      '_rels/.rels',
      'xl/_rels/workbook.xml.rels',
      'xl/styles.xml',
      'xl/workbook.xml',
      'xl/worksheets/sheet1.xml',
    ]);
    const sheet = strFromU8(files['xl/worksheets/sheet1.xml']!);
    expect(sheet).toContain('<c r="A1" t="inlineStr" s="1"><is><t xml:space="preserve">store</t></is></c>');
    expect(sheet).toContain('<t xml:space="preserve">Тверская, 7 &lt;центр&gt; &amp; &quot;ТЦ&quot;</t>');
    expect(sheet).toContain(
      '<c r="C2"><v>12</v></c><c r="D2" s="2"><v>1234.56</v></c><c r="E2" s="3"><v>1.25</v></c>',
    );
    expect(sheet).toContain('<c r="D3" s="2"><v>-0.05</v></c></row>');
    // a control character XML cannot hold is dropped, not written
    expect(sheet).toContain('<t xml:space="preserve">Невский</t>');
    expect(strFromU8(files['xl/workbook.xml']!)).toContain('<sheet name="sales-by-store-2026-11-01-2026-"');
  });

  it('names columns past Z as Excel does', () => {
    const wide: Table = { name: 'w', columns: Array.from({ length: 30 }, (_, i) => `c${i}`), rows: [] };
    const sheet = strFromU8(unzipSync(tableXlsx(wide))['xl/worksheets/sheet1.xml']!);
    expect(sheet).toContain('r="Z1"');
    expect(sheet).toContain('r="AA1"');
    expect(sheet).toContain('r="AD1"');
  });
});
