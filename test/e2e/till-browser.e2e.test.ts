import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ean13 } from '@openkassa/till';
import { startLocalServer, startOfd, startTillWithKkt, stopAll, tempDir, waitUploaded } from './support.js';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-results', 'artifacts');
const MILK = ean13('460000000001');
const BREAD = ean13('460000000002');
const CHEESE_1234G = ean13('210010101234'); // scale label: PLU 101, 1.234 kg

let browser: Browser;
let page: Page;
let tillUrl: string;
let serverApi: string;
let kktUrl: string;
let serverAuth: Record<string, string>;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const ofd = await startOfd(tempDir('tb-ofd'));
  const server = await startLocalServer('tb-srv', ['--ofd', `127.0.0.1:${ofd.port}`]);
  serverApi = server.api;
  serverAuth = server.auth;
  const till = await startTillWithKkt(server, {
    fn: '9999000000000501',
    tag: 'tb',
    extra: ['--demo-catalog', '500'],
  });
  kktUrl = till.kkt.url;
  tillUrl = till.url;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  page = await browser.newPage({ viewport: { width: 1366, height: 800 }, locale: 'ru-RU' });
}, 90_000);

afterAll(async () => {
  await browser.close();
  await stopAll();
});

/** The text of an element with Russian number spacing (narrow no-break spaces) as plain spaces. */
const text = async (testId: string) =>
  ((await page.getByTestId(testId).textContent()) ?? '').replace(/\s/g, ' ');

async function scan(code: string) {
  await page.getByTestId('scan').fill(code);
  await page.getByTestId('scan').press('Enter');
}

async function login(pin: string) {
  await page.getByTestId('pin').fill(pin);
  await page.getByTestId('pin').press('Enter');
  await page.getByTestId('scan').waitFor();
}

describe('the sale screen in a browser', () => {
  it('plays a cashier: shift, a mixed-payment sale with a weighted item, a return, X and Z reports', async () => {
    await page.goto(`${tillUrl}/`);
    // before a PIN the status bar says how the till is doing, not which store and till it is
    await expect.poll(() => page.getByTestId('shift').textContent()).toBe('Смена закрыта');
    expect(await page.locator('#where').textContent()).toBe('');
    await page.screenshot({ path: join(ARTIFACTS, 'till-login.png') });
    await page.getByTestId('pin').fill('0000');
    await page.getByTestId('pin').press('Enter');
    await expect.poll(() => page.locator('#login-error').textContent()).toBe('Неверный PIN-код');

    await login('2222'); // senior cashier: may also take returns
    await expect
      .poll(() => page.locator('#where').textContent())
      .toMatch(/^Магазин [\w.-]+ · Касса [\w.-]+$/);
    await scan(MILK);
    await expect.poll(() => text('message')).toBe('Смена не открыта: откройте смену');
    expect(await page.getByTestId('lines').locator('tbody tr').count()).toBe(0);

    await page.getByTestId('open-shift').click();
    await expect.poll(() => page.getByTestId('shift').textContent()).toBe('Смена 1 открыта');

    await scan(MILK);
    await scan(`2*${BREAD}`);
    await scan(CHEESE_1234G);
    await scan('4600000009999');
    await expect
      .poll(() => text('message'))
      .toBe('Штрихкод 4600000009999: неверная контрольная цифра, отсканируйте ещё раз');
    await expect.poll(() => page.getByTestId('lines').locator('tbody tr').count()).toBe(3);
    await expect.poll(() => text('total')).toBe('1 309,07 ₽');
    // The quantity of a piece-goods line: + and − on the selected line (keys or its buttons).
    await page.getByTestId('lines').locator('tbody tr').first().locator('td').nth(1).click();
    await page.keyboard.press('+');
    await expect.poll(() => text('total')).toBe('1 398,97 ₽');
    await page.getByTestId('lines').locator('tbody tr').first().getByTitle('Меньше (−)').click();
    await expect.poll(() => text('total')).toBe('1 309,07 ₽');
    await page.getByTestId('scan').focus();
    await page.screenshot({ path: join(ARTIFACTS, 'till-sale-screen.png') });

    await page.keyboard.press('F4'); // mixed payment
    await page.getByTestId('card-part').fill('500');
    await page.getByTestId('cash-given').fill('1000');
    await expect.poll(() => text('change-view')).toBe('Сдача: 190,93 ₽');
    await page.screenshot({ path: join(ARTIFACTS, 'till-payment.png') });
    await page.getByTestId('dialog-ok').click();
    await expect.poll(() => text('message')).toBe('Сдача: 190,93 ₽');
    const fd = Number(await page.getByTestId('last-fd').textContent());
    expect(fd).toBeGreaterThan(1);
    await expect.poll(() => page.getByTestId('last').textContent()).toContain('Продажа № 2');
    await page.screenshot({ path: join(ARTIFACTS, 'till-after-sale.png') });

    // Return by that receipt: the cheese only.
    await page.keyboard.press('F5');
    await page.getByTestId('ret-number').fill('2');
    await page.getByTestId('dialog-ok').click();
    const boxes = page.locator('#ret-lines input[type=checkbox]');
    await expect.poll(() => boxes.count()).toBe(3);
    await boxes.nth(0).uncheck();
    await boxes.nth(1).uncheck();
    await page.getByTestId('dialog-ok').click();
    await expect.poll(() => text('message')).toBe('Возврат № 3: 1 109,37 ₽, выдать наличными 609,37 ₽');

    await page.getByTestId('x-report').click();
    await expect.poll(() => page.getByTestId('agree').textContent()).toBe('Итоги кассы и ККТ совпадают');
    const x = await text('report');
    expect(x).toContain('1 309,07 ₽');
    await page.getByTestId('dialog-ok').click();

    await page.getByTestId('close-shift').click();
    await page.getByTestId('dialog-ok').click();
    await expect.poll(() => page.locator('#dialog-title').textContent()).toBe('Z-отчёт, смена 1');
    await expect.poll(() => page.getByTestId('agree').textContent()).toBe('Итоги кассы и ККТ совпадают');
    await page.screenshot({ path: join(ARTIFACTS, 'till-z-report.png') });
    await page.getByTestId('dialog-ok').click();
    await expect.poll(() => page.getByTestId('shift').textContent()).toBe('Смена закрыта');

    // The server has the shift as the till and the ККТ saw it.
    await waitUploaded(tillUrl);
    const report = (await (
      await fetch(`${serverApi}/api/v1/sales/shift-report?store=S1&till=T1&shift=1`, { headers: serverAuth })
    ).json()) as Record<string, unknown>;
    expect(report).toMatchObject({
      sale: { count: 1, total: 130907, cash: 80907, card: 50000 },
      return: { count: 1, total: 110937 },
      kktTotals: { sell: { count: 1, sum: 130907 }, sellReturn: { count: 1, sum: 110937 } },
      closed: true,
    });
    const fn = (await (await fetch(`${kktUrl}/api/v1/fn`)).json()) as {
      shiftNumber?: number;
      lastFd: number;
    };
    expect(fn.lastFd).toBe(fd + 2); // the return and the shift close followed the sale
  });

  it('asks for a supervisor’s PIN when the cashier’s role does not allow an operation', async () => {
    await page.locator('#logout').click();
    await login('1111');
    await page.getByTestId('open-shift').click();
    await expect.poll(() => page.getByTestId('shift').textContent()).toBe('Смена 2 открыта');
    const returnRest = async () => {
      await page.keyboard.press('F5');
      await page.getByTestId('ret-number').fill('2');
      await page.getByTestId('dialog-ok').click();
      const boxes = page.locator('#ret-lines input[type=checkbox]');
      await expect.poll(() => boxes.count()).toBe(3);
      await boxes.nth(2).uncheck(); // the cheese went back already
      await page.getByTestId('dialog-ok').click();
    };
    // a return is beyond a cashier: the till asks for a supervisor's PIN on the spot
    await returnRest();
    await expect.poll(() => page.getByTestId('approval').isVisible()).toBe(true);
    expect(await page.locator('#approval-text').textContent()).toMatch(/^Нужно подтверждение: возврат/);
    await page.screenshot({ path: join(ARTIFACTS, 'till-approval.png') });
    await page.getByTestId('approval-pin').fill('1111'); // her own PIN approves nothing
    await page.getByTestId('approval-ok').click();
    await expect
      .poll(() => page.locator('#dialog-error').textContent())
      .toBe('Этот PIN не даёт права подтвердить операцию');
    await page.getByTestId('dialog-ok').click();
    await page.getByTestId('approval-pin').fill('2222'); // the senior cashier's
    await page.getByTestId('approval-ok').click();
    // approved, but a new shift's drawer has no cash to give back yet
    await expect
      .poll(async () => ((await page.locator('#dialog-error').textContent()) ?? '').replace(/\s/g, ' '))
      .toBe('В кассе только 0,00 ₽');
    await page.locator('#dialog-cancel').click();
    await page.keyboard.press('F6');
    await page.locator('#cash-amount').fill('1000');
    await page.getByTestId('dialog-ok').click();
    await expect.poll(() => text('last')).toMatch(/^Внесение № \d+ · 1 000,00 ₽/);
    await returnRest();
    await page.getByTestId('approval-pin').fill('2222');
    await page.getByTestId('approval-ok').click();
    await expect.poll(() => text('message')).toMatch(/^Возврат № \d+: 199,70 ₽, выдать наличными 199,70 ₽$/);
    // the return reaches the server with who approved it
    await waitUploaded(tillUrl);
    const docs = (await (
      await fetch(`${serverApi}/api/v1/sales/documents?store=S1`, { headers: serverAuth })
    ).json()) as { documents: { kind: string; approval?: { name: string; permission: string } }[] };
    expect(docs.documents.filter((d) => d.kind === 'return').at(-1)).toMatchObject({
      approval: { name: expect.any(String), permission: 'return' },
    });

    // Another price for a line is a price override: the senior cashier approves it at payment.
    await scan(MILK);
    await page.keyboard.press('F9');
    await page.getByTestId('new-price').fill('50,00');
    await page.getByTestId('dialog-ok').click();
    await expect.poll(() => text('total')).toBe('50,00 ₽');
    await page.keyboard.press('F2');
    await page.getByTestId('cash-given').fill('100');
    await page.getByTestId('dialog-ok').click();
    await expect.poll(() => page.getByTestId('approval').isVisible()).toBe(true);
    expect(await page.locator('#approval-text').textContent()).toMatch(/изменение цены/);
    await page.getByTestId('approval-pin').fill('2222');
    await page.getByTestId('approval-ok').click();
    await expect.poll(() => text('message')).toBe('Сдача: 50,00 ₽');

    // A manager returns goods without the sale's receipt with no one to ask.
    await page.locator('#logout').click();
    await login('9999');
    await scan(MILK);
    await page.keyboard.press('F5'); // at once: the key waits for the scan to be looked up
    await page.getByTestId('ret-free').click();
    await expect.poll(() => text('message')).toMatch(/^Возврат № \d+ без чека: выдать наличными 89,90 ₽$/);
  });
});
