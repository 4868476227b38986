/**
 * A delivery of stock sent to /stock as a CSV file, end to end through the stand-in (getFile and the
 * download of the file the staff member sent): a good file is applied with its audit rows and a
 * report of every line; a file with bad lines applies nothing and names each bad line; a file that
 * is not CSV, too large or too long is refused; free text gets a hint; a customer cannot reach it.
 * In English and Chinese.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { TestChat, conversationState } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import { documentUpdate } from '../support/updates.js';

vi.setConfig({ testTimeout: 60_000 });

let h: Harness;
const MANAGER = 578_000_001;
const OPS = 578_000_002;
const CUSTOMER = 578_000_003;

beforeAll(async () => {
  h = await startHarness();
  await h.app.deps.services.staff.add(MANAGER, 'manager', 'test');
  await h.app.deps.services.staff.add(OPS, 'ops', 'test');
});
afterAll(async () => {
  await h?.stop();
});

const audit = () =>
  h.db.sql<Array<{ actor: string; entity_id: string; field: string; before: unknown; after: unknown; note: string | null }>>`
    select actor, entity_id, field, before, after, note from catalog_audit order by id`;
const stockOf = async (id: string) => (await h.db.sql<[{ stock: number }]>`select stock from store_variants where id = ${id}`)[0].stock;
const callsSince = (from: number, method: string) => h.api.calls.slice(from).filter((c) => c.method === method);

it('a manager sends a delivery as CSV: every line applied, audited and reported (English)', async () => {
  const m = new TestChat(h, MANAGER, { languageCode: 'en' });
  await m.text('/stock');
  await m.tap('📥 Import a delivery (CSV)');
  expect(m.lastText()).toContain('<b>Import a delivery of stock</b>\nSend the delivery as a CSV file (a document, at most 1 MB and 5,000 lines).');
  expect((await conversationState(h, MANAGER)).step).toBe('stock.import');

  await m.text('mc 10');
  expect(m.lastText()).toBe('Please send the delivery as a CSV file (📎 → File), or press Cancel.');
  await m.document('%PDF-1.7 not a table', 'delivery.pdf', 'application/pdf');
  expect(m.lastText()).toBe('That is not a CSV file. Please send a file whose name ends in <code>.csv</code> (in a spreadsheet: Save as → CSV).');

  const from = h.api.calls.length;
  // A spreadsheet's export: BOM, CRLF, a blank line, an extra column, columns in another order.
  const sent = documentUpdate(m.user, h.api.putFile('\uFEFFqty,variant,note\r\n10,mc,pallet 1\r\n\r\n2,CAP-BLK,\r\n', 'delivery-1203.csv', 'text/csv'));
  await h.deliver(sent);
  expect(m.lastText()).toBe(
    ['✅ <b>Delivery applied</b> (delivery-1203.csv): 2 lines, 12 units in all.', 'line 2: <code>mc</code> +10: 15 → 25', 'line 4: <code>cap-blk</code> +2: 10 → 12'].join('\n'),
  );
  expect(m.buttonLabels()).toEqual(['⬅️ All products']);
  // The file was fetched as a bot does: getFile, then its download URL.
  const [getFile] = callsSince(from, 'getFile');
  expect(getFile?.params.file_id).toMatch(/^BQACAgIAAxkBAAIStandInDoc\d+$/);
  expect(callsSince(from, 'downloadFile').map((c) => c.params.file_path)).toEqual([getFile!.response.result.file_path]);
  expect([await stockOf('mc'), await stockOf('cap-blk')]).toEqual([25, 12]);
  expect((await audit()).map((r) => [r.actor, r.entity_id, r.field, r.before, r.after, r.note])).toEqual([
    [`staff:${MANAGER}`, 'mc', 'stock', 15, 25, `bot delivery-1203.csv (message ${sent.message.message_id}) line 2: +10`],
    [`staff:${MANAGER}`, 'cap-blk', 'stock', 10, 12, `bot delivery-1203.csv (message ${sent.message.message_id}) line 4: +2`],
  ]);
  expect((await conversationState(h, MANAGER)).step).toBe('stock.home');

  // The same message handled again (as after a crash before its update was marked done): nothing twice.
  await m.tap('⬅️ All products');
  await m.tap('📥 Import a delivery (CSV)');
  await h.deliver(documentUpdate(m.user, sent.message.document, { messageId: sent.message.message_id }));
  expect(m.lastText()).toBe('This file (this very message) was imported already; nothing was added again.');
  expect([await stockOf('mc'), await stockOf('cap-blk')]).toEqual([25, 12]);
  expect(await audit()).toHaveLength(2);
  await m.text('/cancel');
  expect(m.lastText()).toMatch(/^<b>Stock and prices<\/b>/);
});

it('a file with bad lines applies nothing and names every bad line; too large, too long and bad headers are refused (Chinese)', async () => {
  const o = new TestChat(h, OPS, { languageCode: 'zh-hans' });
  await o.text('/stock');
  await o.tap('📥 导入到货（CSV）');
  expect(o.lastText()).toContain('请以 CSV 文件发送到货清单（作为文件发送，不超过 1 MB、5,000 行）');
  await o.text('你好');
  expect(o.lastText()).toBe('请以 CSV 文件发送到货清单（📎 → 文件），或点击“取消”。');

  const auditBefore = (await audit()).length;
  await o.document('variant,qty\nmc,5\nnope,3\ncap-blk,x\nwc3,2\n', '到货.csv');
  expect(o.lastText()).toBe(
    [
      '❌ <b>未执行任何更改</b>（到货.csv）：4 行中有 2 行有误。请修正后重新发送文件。',
      '第 3 行：<code>nope</code>：没有规格 nope。',
      '第 4 行：<code>cap-blk</code>：数量须为 0 到 100000 之间的整数（补货至少 1 件）。',
    ].join('\n'),
  );
  expect(o.buttonLabels()).toEqual(['取消']);
  expect([await stockOf('mc'), await stockOf('cap-blk'), await stockOf('wc3')]).toEqual([25, 12, 50]);
  expect(await audit()).toHaveLength(auditBefore);
  // Still waiting for the corrected file.
  expect((await conversationState(h, OPS)).step).toBe('stock.import');

  await o.document('sku,amount\nmc,5\n', '到货.csv');
  expect(o.lastText()).toBe('第一行须写明列名 <code>variant</code> 和 <code>qty</code>（例如：<code>variant,qty</code>）。未执行任何更改。');
  await o.document(`variant,qty\n${'mc,1\n'.repeat(5_001)}`, '到货.csv');
  expect(o.lastText()).toBe('文件行数过多：表头之后最多 5,000 行。请将到货清单拆分为较小的文件。');
  const from = h.api.calls.length;
  await o.document(`variant,qty\n${'mc,1,'.padEnd(100, ' ')}\n`.repeat(11_000), '到货.csv');
  expect(o.lastText()).toBe('文件过大：最多 1 MB。请将到货清单拆分为较小的文件。');
  // Refused on the size Telegram gives, before anything was downloaded.
  expect(callsSince(from, 'downloadFile')).toEqual([]);
  await o.document(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]), '到货.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  expect(o.lastText()).toBe('这不是 CSV 文件。请发送文件名以 <code>.csv</code> 结尾的文件（在表格软件中选择“另存为 → CSV”）。');
  expect(await audit()).toHaveLength(auditBefore);

  // More bad lines than one message holds: as many as fit, and the whole report as a file.
  const many = Array.from({ length: 400 }, (_, i) => `nope${i},1`).join('\n');
  const sent = await o.document(`variant,qty\n${many}\n`, '到货.csv');
  const report = o.messages().at(-2)!.text;
  expect(report.length).toBeLessThan(4_096);
  expect(report).toMatch(/^❌ <b>未执行任何更改<\/b>（到货.csv）：400 行中有 400 行有误。/);
  expect(report).toMatch(/\n第 2 行：<code>nope0<\/code>：没有规格 nope0。\n/);
  expect(report).toMatch(/\n……另有 \d+ 行：完整报告见下方文件。$/);
  const file = sent.find((c) => c.method === 'sendDocument')!;
  expect(file.params.document.filename).toBe('到货-report.txt');
  const lines = file.params.document.bytes.toString('utf8').split('\n');
  expect(lines).toHaveLength(401);
  expect(lines.at(-1)).toBe('第 401 行：nope399：没有规格 nope399。');
  expect(await audit()).toHaveLength(auditBefore);

  // The corrected file goes through.
  await o.document('variant,qty\nmc,5\nwc3,2\n', '到货.csv');
  expect(o.lastText()).toBe(['✅ <b>到货已入库</b>（到货.csv）：共 2 行，合计 7 件。', '第 2 行：<code>mc</code> +5：25 → 30', '第 3 行：<code>wc3</code> +2：50 → 52'].join('\n'));
  expect((await audit()).slice(auditBefore).map((r) => r.actor)).toEqual([`staff:${OPS}`, `staff:${OPS}`]);
});

it('a customer can neither open the import nor restock by sending a CSV', async () => {
  const c = new TestChat(h, CUSTOMER, { languageCode: 'en' });
  await c.text('/start');
  const from = h.api.calls.length;
  await c.press('stki');
  expect(c.lastText()).not.toContain('Import a delivery');
  await c.document('variant,qty\nmc,100\n', 'delivery.csv', 'text/csv');
  expect(callsSince(from, 'getFile')).toEqual([]);
  expect(callsSince(from, 'downloadFile')).toEqual([]);
  expect(c.lastText()).not.toContain('Delivery applied');
  expect(await stockOf('mc')).toBe(30);
  expect((await conversationState(h, CUSTOMER)).step).not.toMatch(/^stock\./);
});
