/**
 * Operations staff end to end: the real app against the Bot API stand-in. An admin (ADMIN_IDS)
 * makes a colleague ops with /staff; the ops user works an order from /ops through VIN allocation
 * (a bad VIN is asked again), ready, delivered (confirmed first) and charger installed, and reads
 * the audit trail with /ops order. Customers and non-admins are refused without learning anything,
 * forged and repeated presses change nothing. Assertions are on what the staff member sees, in
 * their language, and on the rows left behind; the customer's own messages are another feature's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cb } from '../../src/telegram/callback-data.js';
import type { BookingKind, Order } from '../../src/db/schema/index.js';
import { createI18n } from '../../src/i18n.js';
import { addDays, localDateKey, zonedDayStart } from '../../src/shared/time.js';
import { newCustomer, paidOrder } from '../integration/helpers.js';
import type { RecordedCall } from '../support/bot-api-stand-in.js';
import { TestChat } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';

type Lng = 'en' | 'zh-CN';
const i18n = createI18n('zh-CN');
const t = (lng: Lng, key: string, vars: Record<string, unknown> = {}): string => String(i18n.t(lng)(key, vars));
const TZ = 'Asia/Shanghai';

const ADMIN = 93_000_001;
const OPS = 93_000_002;
let h: Harness;
let admin: TestChat;
let ops: TestChat;

beforeAll(async () => {
  h = await startHarness({ env: { ADMIN_IDS: String(ADMIN) } });
  admin = new TestChat(h, ADMIN, { languageCode: 'en', firstName: 'Anna' });
  // Ops staff are Chinese speakers first.
  ops = new TestChat(h, OPS, { languageCode: 'zh-hans', firstName: 'Fang' });
});
afterAll(async () => {
  await h?.stop();
});

let nextCustomer = 93_100_000;
const services = () => h.app.deps.services;
const toastsIn = (calls: RecordedCall[]) => calls.filter((c) => c.method === 'answerCallbackQuery' && c.params.text).map((c) => String(c.params.text));
const textsIn = (calls: RecordedCall[]) => calls.filter((c) => /^(send|edit)Message/.test(c.method)).map((c) => String(c.params.text ?? ''));
const order = async (id: number) => (await services().orders.byId(id))!;
const eventCount = async (id: number) => (await services().orders.events(id)).length;
const zhState = (state: string) => t('zh-CN', `order_state.${state}`);

/** Books a slot of `kind` for `o`, `days` local days ahead (as the customer would in the booking flow). */
async function book(o: Order, kind: BookingKind, days: number) {
  const s = services();
  const [centre] = await s.bookings.centresIn(o.city);
  const key = localDateKey(addDays(zonedDayStart(new Date(), TZ), days, TZ), TZ);
  const [slot] = await s.bookings.freeSlotsOn(kind, centre!.id, key);
  return s.bookings.book({
    orderId: o.id,
    kind,
    slotId: slot!.id,
    centreId: centre!.id,
    method: kind === 'delivery' ? 'pickup' : undefined,
    address: kind === 'installation' ? '上海市徐汇区漕溪北路 88 号 B1-23' : undefined,
    parking: kind === 'installation' ? 'garage' : undefined,
    permission: kind === 'installation' ? true : undefined,
    actor: 'customer:e2e',
  });
}

describe('staff roles', () => {
  it('a non-admin gets the unknown-command help for /staff and changes nothing', async () => {
    const calls = await ops.text(`/staff add ${OPS} admin`);
    expect(textsIn(calls).join('\n')).toContain(t('zh-CN', 'errors.unknown_command'));
    expect(textsIn(calls).join('\n')).not.toContain('/staff list');
    expect(await services().staff.rolesOf(OPS)).toEqual([]);
  });

  it('the bootstrapped admin sees usage errors, adds an ops user, and lists staff', async () => {
    const s = (key: string, vars: Record<string, unknown> = {}) => t('en', key, vars);
    expect(admin.lastText()).toBe('');
    await admin.text('/staff');
    const usage = s('staff.usage', { roles: 'admin, agent (support), marketer, ops (operations), manager (reports)' });
    expect(admin.lastText()).toBe(usage);
    await admin.text('/staff add 12ab ops');
    expect(admin.lastText()).toBe(s('staff.bad_id', { input: '12ab' }));
    await admin.text(`/staff add ${OPS} boss`);
    expect(admin.lastText()).toContain('“boss” is not a role');
    await admin.text(`/staff add ${OPS} ops extra`);
    expect(admin.lastText()).toBe(usage);
    expect(await services().staff.rolesOf(OPS)).toEqual([]);

    await admin.text(`/staff add ${OPS} OPS`);
    expect(admin.lastText()).toBe(s('staff.added', { id: OPS, role: s('staff.role.ops') }));
    await admin.text(`/staff add ${OPS} ops`);
    expect(admin.lastText()).toBe(s('staff.already', { id: OPS, role: s('staff.role.ops') }));
    const [row] = (await services().staff.list()).filter((r) => r.telegramId === OPS);
    expect(row).toMatchObject({ role: 'ops', addedBy: `staff:${ADMIN}` });

    await ops.text('/start'); // so the list knows the ops user's name
    await admin.text('/staff list');
    expect(admin.lastText()).toContain(`<code>${ADMIN}</code> Anna · admin`);
    expect(admin.lastText()).toContain(`<code>${OPS}</code> Fang · ops (operations)`);
  });

  it('an admin cannot remove their own admin role', async () => {
    await admin.text(`/staff remove ${ADMIN} admin`);
    expect(admin.lastText()).toBe(t('en', 'staff.self_admin'));
    expect(await services().staff.can(ADMIN, 'admin')).toBe(true);
  });
});

describe('an order through fulfilment', () => {
  let o: Order;

  it('/ops lists the worklist with a button per order; allocating asks for the VIN and re-asks a bad one', async () => {
    o = (await paidOrder(services())).order;
    await ops.text('/ops');
    const list = ops.screen()!;
    expect(list.text).toContain(t('zh-CN', 'ops.list.title'));
    expect(list.text).toMatch(/已付订金，待分配车辆：<b>\d+<\/b>/);
    const label = `🔑 ${o.number} · Model Y · ${zhState('deposit_paid')} → 分配车架号`;
    expect(ops.buttonLabels()).toContain(label);

    await ops.tap(label);
    expect(ops.lastText()).toContain(`<b>为订单 ${o.number} 分配车辆</b>`);
    let calls = await ops.text('LRWYGCEK1PC12345O');
    expect(textsIn(calls)[0]).toBe(t('zh-CN', 'ops.errors.invalid_vin', { input: 'LRWYGCEK1PC12345O', length: 17 }));
    expect(ops.lastText()).toContain(`<b>为订单 ${o.number} 分配车辆</b>`); // asked again
    await ops.sticker();
    expect(ops.messages().at(-2)!.text).toBe(t('zh-CN', 'ops.vin.type_it'));
    expect(await order(o.id)).toMatchObject({ state: 'deposit_paid', vin: null });

    calls = await ops.text('lrw ygc-ek1 pc900001');
    const card = textsIn(calls).find((x) => x.includes(`订单 ${o.number}`))!;
    expect(card).toContain(t('zh-CN', 'ops.done.allocated', { number: o.number, vin: 'LRWYGCEK1PC900001' }));
    expect(card).toContain(zhState('vehicle_allocated'));
    // The worklist follows, refreshed: the order is now to be marked ready.
    expect(ops.buttonLabels()).toContain(`📦 ${o.number} · Model Y · ${zhState('vehicle_allocated')} → 标记可交付`);
    expect(await order(o.id)).toMatchObject({ state: 'vehicle_allocated', vin: 'LRWYGCEK1PC900001' });
    expect((await services().orders.events(o.id)).at(-1)).toMatchObject({ toState: 'vehicle_allocated', actor: `staff:${OPS}` });
  });

  it('/ops shows the delivery waitlist: cities customers asked for, with how many customers each, most wanted first', async () => {
    const [a, b] = [await newCustomer(services()), await newCustomer(services())];
    await services().orders.joinWaitlist(a.id, '拉萨');
    await services().orders.joinWaitlist(b.id, '拉萨');
    await services().orders.joinWaitlist(a.id, '<b>Xining</b>');
    await ops.text('/ops');
    const text = ops.screen()!.text;
    expect(text).toContain('🔔 等待开通交付的城市：\n• 拉萨：2 位客户\n• &lt;b&gt;xining&lt;/b&gt;：1 位客户');
  });

  it('a VIN already in use is refused and asked again', async () => {
    const other = (await paidOrder(services())).order;
    await ops.text(`/ops order ${other.number}`);
    await ops.tap('🔑 分配车架号');
    const calls = await ops.text('LRWYGCEK1PC900001');
    expect(textsIn(calls)[0]).toBe(t('zh-CN', 'ops.errors.vin_in_use', { vin: 'LRWYGCEK1PC900001', other: o.number }));
    expect((await order(other.id)).vin).toBeNull();
    await ops.text('/cancel');
    expect(ops.messages().at(-2)!.text).toBe(t('zh-CN', 'ops.cancelled'));
    expect(ops.lastText()).toContain(`订单 ${other.number}`);
  });

  it('mark ready; a double press says the order moved on and writes nothing', async () => {
    await ops.text(`/ops order ${o.number}`);
    const card = ops.screen()!;
    const ready = cb.opsReady.pack({ orderId: o.id });
    let calls = await ops.press(ready, card);
    expect(toastsIn(calls)).toEqual([t('zh-CN', 'ops.done.ready', { number: o.number })]);
    expect((await order(o.id)).state).toBe('ready_for_delivery');
    const events = await eventCount(o.id);

    calls = await ops.press(ready, card);
    expect(toastsIn(calls)).toEqual([t('zh-CN', 'ops.errors.order_state_changed', { number: o.number, state: zhState('ready_for_delivery') })]);
    expect(await eventCount(o.id)).toBe(events);
  });

  it('mark delivered asks first; the confirmation pressed twice delivers once', async () => {
    await book(o, 'delivery', 1);
    expect((await order(o.id)).state).toBe('delivery_scheduled');
    await ops.text('/ops');
    await ops.tap(new RegExp(`^🚚 ${o.number} .* → 标记已交付$`));
    expect(ops.lastText()).toContain(`确认订单 <b>${o.number}</b> 已交付？`);
    expect((await order(o.id)).state).toBe('delivery_scheduled');
    const confirm = ops.screen()!;
    await ops.tap('✅ 确认已交车');
    expect((await order(o.id)).state).toBe('delivered');
    const events = await eventCount(o.id);
    const calls = await ops.press(cb.opsDeliveredConfirm.pack({ orderId: o.id }), confirm);
    expect(toastsIn(calls)[0]).toContain(zhState('delivered'));
    expect(await eventCount(o.id)).toBe(events);
  });

  it('mark the charger installed from the worklist', async () => {
    await book(o, 'installation', 2);
    const [installation] = await services().fulfilment.installationsOf(o.id);
    await ops.text('/ops');
    const calls = await ops.tap(new RegExp(`^🔌 ${o.number} .* → 标记已安装$`));
    expect(toastsIn(calls)).toEqual([t('zh-CN', 'ops.done.installed', { number: o.number })]);
    expect((await services().fulfilment.installation(installation!.id))!.state).toBe('installed');
  });

  it('/ops order shows customer, car, bookings in Shanghai time and the audit trail (by number or id)', async () => {
    const [delivery] = (await services().bookings.activeFor([o.id])).filter((b) => b.kind === 'delivery');
    const hhmm = (d: Date) => new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
    for (const ref of [o.number.toLowerCase(), String(o.id)]) {
      await ops.text(`/ops order ${ref}`);
      const text = ops.lastText();
      expect(text).toContain(`<b>订单 ${o.number}</b> · ${zhState('delivered')}`);
      expect(text).toContain('Zhang Wei');
      expect(text).toContain('上海');
      expect(text).toContain('车架号 <code>LRWYGCEK1PC900001</code>');
      expect(text).toContain(`${hhmm(delivery!.slot.startsAt)}–${hhmm(delivery!.slot.endsAt)}`);
      expect(text).toContain('已安装 · 上海市徐汇区漕溪北路 88 号 B1-23');
      expect(text).toContain(`${zhState('deposit_paid')} → ${zhState('vehicle_allocated')} · 员工 ${OPS} · <i>VIN LRWYGCEK1PC900001</i>`);
      expect(text).toContain(`${zhState('vehicle_allocated')} → ${zhState('ready_for_delivery')} · 员工 ${OPS}`);
      expect(text).toContain(`${zhState('delivery_scheduled')} → ${zhState('delivered')} · 员工 ${OPS}`);
      expect(text).toContain(`🔌 已预约 → 已安装 · 员工 ${OPS}`);
      // Nothing left to do: only refresh and back.
      expect(ops.buttonLabels()).toEqual(['🔄 刷新', '‹ 待办列表']);
    }
    await ops.text('/ops order TJ999999');
    expect(ops.lastText()).toBe(t('zh-CN', 'ops.errors.order_not_found', { ref: 'TJ999999' }));
  });

  it('a stale worklist button for an order allocated elsewhere says so and shows it as it is now', async () => {
    const other = (await paidOrder(services())).order;
    await ops.text('/ops');
    const list = ops.screen()!;
    await services().fulfilment.allocate(other.id, 'LRWYGCEK1PC900777', 'cli:someone');
    const calls = await ops.press(cb.opsAllocate.pack({ orderId: other.id }), list);
    expect(toastsIn(calls)).toEqual([t('zh-CN', 'ops.errors.order_state_changed', { number: other.number, state: zhState('vehicle_allocated') })]);
    expect(ops.lastText()).toContain(`<b>订单 ${other.number}</b> · ${zhState('vehicle_allocated')}`);
    expect((await order(other.id)).vin).toBe('LRWYGCEK1PC900777');
  });
});

describe('people without the ops role', () => {
  it("a customer's /ops gets the unknown-command help, and forged ops buttons change nothing", async () => {
    const customer = new TestChat(h, ++nextCustomer, { languageCode: 'en' });
    const target = (await paidOrder(services())).order;
    const calls = await customer.text('/ops');
    const reply = textsIn(calls).join('\n');
    expect(reply).toContain(t('en', 'errors.unknown_command'));
    expect(reply).not.toContain('TJ');
    await customer.text(`/ops order ${target.number}`);
    expect(customer.lastText()).not.toContain(target.number);

    await customer.text('/start');
    const events = await eventCount(target.id);
    for (const data of [
      cb.opsAllocate.pack({ orderId: target.id }),
      cb.opsReady.pack({ orderId: target.id }),
      cb.opsDeliveredConfirm.pack({ orderId: target.id }),
      cb.opsOrder.pack({ orderId: target.id }),
      cb.opsList.pack({}),
      cb.opsInstalled.pack({ installationId: 1 }),
    ]) {
      const pressed = await customer.press(data);
      expect(toastsIn(pressed)).toEqual([t('en', 'errors.bad_button')]);
      expect(textsIn(pressed).join('\n')).not.toContain(target.number);
    }
    // Typing a VIN afterwards is just text on the main menu.
    await customer.text('LRWYGCEK1PC900555');
    expect(await order(target.id)).toMatchObject({ state: 'deposit_paid', vin: null });
    expect(await eventCount(target.id)).toBe(events);
  });

  it('an ops user whose role is removed mid-allocation is refused from then on', async () => {
    const target = (await paidOrder(services())).order;
    await ops.text(`/ops order ${target.number}`);
    await ops.tap('🔑 分配车架号');
    await admin.text(`/staff remove ${OPS} ops`);
    expect(admin.lastText()).toBe(t('en', 'staff.removed', { id: OPS, role: t('en', 'staff.role.ops') }));

    await ops.text('LRWYGCEK1PC900888');
    expect(await order(target.id)).toMatchObject({ state: 'deposit_paid', vin: null });
    const calls = await ops.press(cb.opsAllocate.pack({ orderId: target.id }));
    expect(toastsIn(calls)).toEqual([t('zh-CN', 'errors.bad_button')]);
    await ops.text('/ops');
    expect(ops.lastText()).toContain(t('zh-CN', 'errors.unknown_command'));
  });
});
