/**
 * The customer journey end to end, as a customer sees it: the real app (bot, workers, HTTP) in
 * long-polling mode against the Bot API stand-in, real Postgres and Redis. Played twice: in
 * English for a Model Y (¥1,000 deposit, typed phone, home delivery, garage) and in Chinese for a
 * Model S (¥8,000 deposit, shared contact, pickup, assigned space). Assertions are on what the
 * customer notices (texts, prices, buttons) and on the rows the journey leaves behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../support/bot-api-stand-in.js';
import { TestChat, type Button } from '../support/chat.js';
import { setModelAvailable } from '../support/catalog.js';
import { PROVIDER_TOKEN, startHarness, type Harness } from '../support/harness.js';
import { onTheRoadEstimate } from '../../src/domain/catalog/purchase-tax.js';
import { formatCny } from '../../src/shared/money.js';
import { cb } from '../../src/telegram/callback-data.js';

const cny = (fen: number) => formatCny(fen, 'en');

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ mode: 'polling' });
  // The seed pauses Model S and Model X; the Chinese journey orders a Model S, so ops open it.
  await setModelAvailable(h, 'model-s', true);
});
afterAll(async () => {
  await h?.stop();
});

const TZ = 'Asia/Shanghai';
/** The seed's slot templates, in local (business) time. */
const DELIVERY_WINDOWS = ['10:00–12:00', '14:00–16:00', '16:00–18:00'];
const INSTALLATION_WINDOWS = ['09:00–12:00', '13:00–17:00'];

// ---- helpers ---------------------------------------------------------------

const allButtons = (c: TestChat): Button[] => c.screen()?.buttons.flat() ?? [];

/** Buttons of the current screen whose callback data starts with `prefix` (e.g. 'day:'). */
const buttonsWithData = (c: TestChat, prefix: string): Button[] => allButtons(c).filter((b) => b.data?.startsWith(prefix));

/** Texts the bot sent or edited in this batch of calls. */
const textsIn = (calls: RecordedCall[]): string[] =>
  calls
    .filter((c) => c.response.ok && /^(send|edit)/.test(c.method))
    .map((c) => String(c.params.text ?? c.params.caption ?? c.params.title ?? (c.params.media as { caption?: string } | undefined)?.caption ?? ''));

/** 'HH:MM–HH:MM' of a slot in the business time zone, straight from its row. */
const localWindow = (start: Date, end: Date): string => {
  const f = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return `${f.format(start)}–${f.format(end)}`;
};

interface SlotRow {
  id: number;
  kind: string;
  centre_id: string;
  starts_at: Date;
  ends_at: Date;
  capacity: number;
  booked: number;
}

async function slotRow(id: number): Promise<SlotRow> {
  // Raw timestamps (drizzle makes postgres.js hand them over as text): read epoch ms instead.
  const [row] = await h.db.sql<Array<Omit<SlotRow, 'starts_at' | 'ends_at'> & { starts_ms: string; ends_ms: string }>>`
    select id, kind, centre_id, capacity, booked,
           (extract(epoch from starts_at) * 1000)::bigint as starts_ms, (extract(epoch from ends_at) * 1000)::bigint as ends_ms
    from slots where id = ${id}`;
  if (!row) throw new Error(`no slot ${id}`);
  const { starts_ms, ends_ms, ...rest } = row;
  return { ...rest, starts_at: new Date(Number(starts_ms)), ends_at: new Date(Number(ends_ms)) };
}

const slotIdOf = (b: Button): number => Number(b.data!.split(':')[1]);

/** A phone number as shown to people: its E.164 digits, maybe grouped with spaces or dashes. */
const shownPhone = (e164: string): RegExp =>
  new RegExp(
    e164
      .split('')
      .map((ch) => (ch === '+' ? '\\+' : ch))
      .join('[\\s-]?'),
  );

async function customerRow(telegramId: number) {
  const [row] = await h.db.sql<
    Array<{ id: number; language: string; phone: string | null; source: string | null; first_name: string }>
  >`select id, language, phone, source, first_name from customers where telegram_id = ${telegramId}`;
  return row;
}

async function ordersOf(telegramId: number) {
  return h.db.sql<
    Array<{
      id: number;
      number: string;
      state: string;
      total_fen: number;
      deposit_fen: number;
      currency: string;
      contact_name: string;
      phone: string;
      city: string;
      model_id: string;
      snapshot: any;
    }>
  >`select o.* from orders o join customers c on c.id = o.customer_id where c.telegram_id = ${telegramId} order by o.id`;
}

async function bookingsOf(orderId: number) {
  return h.db.sql<
    Array<{ id: number; kind: string; method: string | null; slot_id: number; address: string | null; parking: string | null; permission: boolean | null; state: string }>
  >`select * from bookings where order_id = ${orderId} order by id`;
}

/** The order's own audit trail (installation events have subject 'installation'). */
async function eventsOf(orderId: number) {
  return h.db.sql<Array<{ from_state: string | null; to_state: string; actor: string }>>`
    select from_state, to_state, actor from order_events where order_id = ${orderId} and subject = 'order' order by id`;
}

// ---- the two journeys --------------------------------------------------------

interface Journey {
  title: string;
  userId: number;
  languageCode: string;
  t: {
    browse: string;
    configure: string;
    back: string;
    changeConfig: string;
    interior: string;
    guidePrice: string;
    estimate: (otr: string, tax: string) => string;
    confirmTitle: string;
    agreePay: string;
    terms: string;
    changeName: string;
    preferWeek: string;
    preferredLine: string;
    vinLine: (vin: string) => string;
    orderNow: string;
    myOrders: string;
    bookDelivery: string;
    bookInstallation: string;
    viewOrder: string;
    menuGreeting: string;
    cardSpecs: string[];
    trimHeader: string;
    fromPrice: string;
    runningTotal: (price: string) => string;
    summaryTotal: (price: string) => string;
    summaryDeposit: (price: string) => string;
    askName: string;
    askPhone: string;
    phoneSaved: string;
    askCity: string;
    orderCreated: (n: string) => string;
    invoiceTitle: (n: string) => string;
    paid: (amount: string, n: string) => string[];
    deliveryMethod: (n: string, city: string) => string;
    home: string;
    pickup: string;
    askAddressDelivery: string;
    askAddressInstallation: string;
    pickDayDelivery: string;
    pickDayInstallation: string;
    booked: (n: string) => string;
    rescheduled: (n: string) => string;
    parking: string;
    askParking: string;
    installationIncluded: string[];
    askPermission: string;
    permissionYes: string;
    stateDepositPaid: string;
    stateRefundRequested: string;
    depositLine: (price: string) => string;
    rescheduleDelivery: string;
    cancelInstallation: string;
    cancelBookingYes: string;
    bookingCancelled: string;
    cancelOrder: string;
    confirmCancelForfeit: (n: string, deposit: string) => string;
    cancelYes: string;
    forfeitToast: (n: string, deposit: string) => string;
    stateCancelled: string;
    stateScheduled: string;
    notRefundableNow: string;
    homeLine: string;
    pickupLine: string;
    installationLine: string;
  };
  model: string;
  modelId: string;
  photo: string;
  trim: { label: string; fen: number };
  paint: { label: string; fen: number };
  wheels: { label: string; fen: number };
  interior: { label: string; fen: number };
  startingPrice: string;
  depositFen: number;
  deposit: string;
  prices: { trim: string; afterPaint: string; afterWheels: string; total: string };
  name: string;
  phone: { typed?: string; contact?: string; e164: string };
  city: { label: string; code: string; centre: string };
  delivery: { method: 'home' | 'pickup'; address?: string };
  installation: { address: string; parkingLabel: string; parking: 'garage' | 'assigned' };
}

const english: Journey = {
  title: 'English · Model Y · ¥1,000 deposit · typed phone · home delivery · garage',
  userId: 710_001,
  languageCode: 'en',
  t: {
    browse: 'Browse models',
    configure: 'Configure and order',
    back: '‹ Back',
    changeConfig: 'Change configuration',
    interior: 'Interior',
    guidePrice: 'Official guide prices, for reference only',
    estimate: (otr, tax) => `Estimated on-the-road price: about ${otr}\n(includes purchase tax of about ${tax}`,
    confirmTitle: 'Please check your order',
    agreePay: 'Agree and pay ¥1,000',
    terms: 'Cancel before a vehicle (VIN) is allocated to your order and it is refunded in full.',
    changeName: 'Change name',
    preferWeek: 'Choose a preferred delivery week',
    preferredLine: 'Preferred delivery: ',
    vinLine: (v) => `VIN: <code>${v}</code>`,
    orderNow: 'Order · ¥1,000 deposit',
    myOrders: 'My orders',
    bookDelivery: 'Book delivery',
    bookInstallation: 'Book charger installation',
    viewOrder: 'View order',
    menuGreeting: 'Hi Wei! Welcome to the Tesla official flagship store on JD.com.',
    cardSpecs: ['Range up to 719 km (CLTC)', '0–100 km/h from 3.5 s', 'Top speed up to 250 km/h', 'From <b>¥263,500</b> · 3 versions', 'Deposit to order: ¥1,000'],
    trimHeader: '<b>Model Y</b> · Step 1 of 4: choose a version',
    fromPrice: 'From <b>¥263,500</b>',
    runningTotal: (p) => `Vehicle price: <b>${p}</b>`,
    summaryTotal: (p) => `Vehicle price: <b>${p}</b>`,
    summaryDeposit: (p) => `A deposit of <b>${p}</b> places the order`,
    askName: 'Whose name should the order be in?',
    askPhone: 'What phone number can we reach you on?',
    phoneSaved: 'Phone number: ',
    askCity: 'In which city would you like to take delivery?',
    orderCreated: (n) => `Order <b>${n}</b> placed`,
    invoiceTitle: (n) => `Model Y deposit · ${n}`,
    paid: (a, n) => [`Deposit of <b>${a}</b> received for order <b>${n}</b>`, 'Your Model Y is confirmed!'],
    deliveryMethod: (n, city) => `<b>Delivery for order ${n}</b> (${city})`,
    home: 'Home delivery',
    pickup: 'Pick up at a delivery centre',
    askAddressDelivery: 'Please type the delivery address',
    askAddressInstallation: 'Please type the installation address',
    pickDayDelivery: 'Choose a day for delivery to your address',
    pickDayInstallation: 'Choose an installation day',
    booked: (n) => `Booked for order <b>${n}</b>`,
    rescheduled: (n) => `Rescheduled for order <b>${n}</b>`,
    parking: 'Private garage',
    askParking: 'Where do you park at home?',
    installationIncluded: [
      '<b>Included with your car order:</b> a basic home-charger installation, free of charge, with up to 30 m of cable.',
      "Extra materials beyond that (longer cable, conduit, a new meter box) are charged on site at the installer's price list",
    ],
    askPermission: 'Has your property management agreed',
    permissionYes: 'Yes',
    stateDepositPaid: 'Deposit paid',
    stateRefundRequested: 'Refund requested',
    depositLine: (p) => `Deposit: ${p}`,
    rescheduleDelivery: 'Reschedule delivery',
    cancelInstallation: 'Cancel installation',
    cancelBookingYes: 'Yes, cancel booking',
    bookingCancelled: 'Booking cancelled.',
    cancelOrder: 'Cancel order',
    confirmCancelForfeit: (n, d) => `Cancel order <b>${n}</b>? A vehicle has been allocated to it, so under the deposit terms your <b>${d}</b> deposit will not be refunded.`,
    cancelYes: 'Yes, cancel',
    forfeitToast: (n, d) => `Order ${n} cancelled. Under the deposit terms, the ${d} deposit is not refunded.`,
    stateCancelled: 'Cancelled',
    stateScheduled: 'Delivery scheduled',
    notRefundableNow: 'the deposit is not refunded if you cancel now',
    homeLine: 'Home delivery',
    pickupLine: 'Pickup',
    installationLine: 'Charger installation',
  },
  model: 'Model Y',
  modelId: 'model-y',
  photo: 'model-y.png',
  trim: { label: 'Long Range AWD', fen: 30_350_000 },
  paint: { label: 'Ultra Red', fen: 1_200_000 },
  wheels: { label: '20" Helix 2.0 wheels', fen: 900_000 },
  interior: { label: 'Black and white premium interior', fen: 800_000 },
  startingPrice: '¥263,500',
  depositFen: 100_000,
  deposit: '¥1,000',
  prices: { trim: '¥303,500', afterPaint: '¥315,500', afterWheels: '¥324,500', total: '¥332,500' },
  name: 'Zhang Wei',
  phone: { typed: '138 0013 8000', e164: '+8613800138000' },
  city: { label: 'Shanghai', code: 'shanghai', centre: 'Shanghai Lingang Delivery Centre' },
  delivery: { method: 'home', address: 'Room 1801, 100 Century Avenue, Pudong, Shanghai' },
  installation: { address: 'Tomson Riviera, Building 3, parking space B2-117, Pudong, Shanghai', parkingLabel: 'Private garage', parking: 'garage' },
};

const chinese: Journey = {
  title: '简体中文 · Model S · ¥8,000 订金 · 分享手机号 · 到店自提 · 小区固定车位',
  userId: 710_002,
  languageCode: 'zh-hans',
  t: {
    browse: '浏览车型',
    configure: '选配并下单',
    back: '‹ 返回',
    changeConfig: '修改配置',
    interior: '内饰',
    guidePrice: '官方指导价，仅供参考',
    estimate: (otr, tax) => `预估落地价：约 ${otr}\n（含车辆购置税约 ${tax}`,
    confirmTitle: '请确认订单信息',
    agreePay: '同意并支付 ¥8,000',
    terms: '分配车辆（车架号 VIN）前取消订单，订金全额原路退还。',
    changeName: '修改姓名',
    preferWeek: '选择期望交付时间',
    preferredLine: '期望交付：',
    vinLine: (v) => `车架号（VIN）：<code>${v}</code>`,
    orderNow: '立即下单 · 订金 ¥8,000',
    myOrders: '我的订单',
    bookDelivery: '预约交付',
    bookInstallation: '预约充电桩安装',
    viewOrder: '查看订单',
    menuGreeting: 'Wei，您好！欢迎来到特斯拉京东官方旗舰店。',
    cardSpecs: ['续航最高 715 公里（CLTC）', '百公里加速最快 2.1 秒', '最高车速 322 公里/小时', '<b>¥684,900</b> 起 · 共 2 个版本', '下单订金：¥8,000'],
    trimHeader: '<b>Model S</b> · 第 1/4 步：选择版本',
    fromPrice: '<b>¥684,900</b> 起',
    runningTotal: (p) => `车辆价格：<b>${p}</b>`,
    summaryTotal: (p) => `车辆价格：<b>${p}</b>`,
    summaryDeposit: (p) => `下单需支付订金 <b>${p}</b>`,
    askName: '请输入车主姓名，须与身份证一致',
    askPhone: '请提供车主手机号',
    phoneSaved: '手机号：',
    askCity: '请选择交付城市',
    orderCreated: (n) => `订单 <b>${n}</b> 已提交`,
    invoiceTitle: (n) => `Model S 订金 · ${n}`,
    paid: (a, n) => [`已收到订单 <b>${n}</b> 的订金 <b>${a}</b>`, '您的 Model S 订单已确认'],
    deliveryMethod: (n, city) => `<b>订单 ${n} · 预约交付</b>（${city}）`,
    home: '送车上门',
    pickup: '到交付中心自提',
    askAddressDelivery: '请输入送车地址',
    askAddressInstallation: '请输入充电桩安装地址',
    pickDayDelivery: '提车的日期',
    pickDayInstallation: '请选择安装日期',
    booked: (n) => `订单 <b>${n}</b> 预约成功`,
    rescheduled: (n) => `订单 <b>${n}</b> 改期成功`,
    parking: '小区固定产权/租赁车位',
    askParking: '请问您的车位是？',
    installationIncluded: [
      '<b>购车订单含一次免费的家用充电桩基础安装</b>（含 30 米以内线缆）。',
      '超出部分的线缆、穿管、电表箱等辅材由安装师傅按价目表现场收费，施工前会先与您确认。',
    ],
    askPermission: '物业是否已同意安装充电桩？',
    permissionYes: '已同意',
    stateDepositPaid: '订金已支付',
    stateRefundRequested: '退款处理中',
    depositLine: (p) => `订金：${p}`,
    rescheduleDelivery: '交付改期',
    cancelInstallation: '取消安装预约',
    cancelBookingYes: '确定取消预约',
    bookingCancelled: '预约已取消。',
    cancelOrder: '取消订单',
    confirmCancelForfeit: (n, d) => `确定取消订单 <b>${n}</b> 吗？该订单已分配车辆，按订金条款 <b>${d}</b> 订金不予退还。`,
    cancelYes: '确定取消',
    forfeitToast: (n, d) => `订单 ${n} 已取消。按订金条款，${d} 订金不予退还。`,
    stateCancelled: '已取消',
    stateScheduled: '已预约交付',
    notRefundableNow: '现在取消订单订金不予退还',
    homeLine: '送车上门',
    pickupLine: '到交付中心自提',
    installationLine: '充电桩安装',
  },
  model: 'Model S',
  modelId: 'model-s',
  photo: 'model-s.png',
  trim: { label: 'Plaid 三电机版', fen: 81_490_000 },
  paint: { label: '深海蓝', fen: 1_200_000 },
  wheels: { label: '21 英寸 Arachnid 轮毂', fen: 3_600_000 },
  interior: { label: '奶油色内饰', fen: 2_000_000 },
  startingPrice: '¥684,900',
  depositFen: 800_000,
  deposit: '¥8,000',
  prices: { trim: '¥814,900', afterPaint: '¥826,900', afterWheels: '¥862,900', total: '¥882,900' },
  name: '张伟',
  phone: { contact: '8613900139000', e164: '+8613900139000' },
  city: { label: '北京', code: 'beijing', centre: '北京亦庄交付中心' },
  delivery: { method: 'pickup' },
  installation: { address: '北京市朝阳区建国路 88 号 SOHO 现代城 B2 层 123 号车位', parkingLabel: '小区固定产权/租赁车位', parking: 'assigned' },
};

for (const j of [english, chinese]) {
  describe(j.title, () => {
    const c = () => chat;
    let chat: TestChat;
    let orderId = 0;
    let orderNumber = '';
    let deliveryBookingId = 0;
    let deliverySlotId = 0;
    let installationSlotId = 0;

    beforeAll(() => {
      chat = new TestChat(h, j.userId, { languageCode: j.languageCode, firstName: 'Wei' });
    });

    it('/start with a deep link: main menu in the language of the Telegram client, source kept; no bookings for a first-time visitor', async () => {
      await c().text('/start src_campaign42');
      expect(c().lastText()).toContain(j.t.menuGreeting);
      expect(c().buttonLabels()).toEqual(expect.arrayContaining([expect.stringContaining(j.t.browse), expect.stringContaining(j.t.myOrders)]));
      // Nothing to book yet: the menu shows what a first-time visitor can do now.
      expect(
        c()
          .buttonLabels()
          .some((l) => l.includes(j.t.bookDelivery) || l.includes(j.t.bookInstallation)),
      ).toBe(false);
      const customer = await customerRow(j.userId);
      expect(customer).toMatchObject({ language: j.languageCode === 'en' ? 'en' : 'zh-CN', source: 'src_campaign42', first_name: 'Wei' });
    });

    it('browse: every model with its starting price; the model card is a photo with specs, price and deposit', async () => {
      await c().tap(j.t.browse);
      expect(c().lastText()).toContain(j.t.guidePrice);
      const labels = c().buttonLabels();
      for (const model of ['Model 3', 'Model Y', 'Model Y L', 'Model S', 'Model X']) expect(labels.some((l) => l.startsWith(model))).toBe(true);
      expect(labels.find((l) => l.startsWith(j.model))).toContain(j.startingPrice);

      const calls = await c().tap(j.model);
      const photo = calls.find((call) => call.method === 'sendPhoto');
      // The model's picture from data/photos/, uploaded (its first send in this process).
      expect(photo?.params.photo).toMatchObject({ upload: true, filename: j.photo });
      const card = c().screen()!;
      expect(card.photo).toBe(true);
      expect(card.text).toContain(`<b>${j.model}</b>`);
      for (const spec of j.t.cardSpecs) expect(card.text).toContain(spec);

      // Back from the card goes to the list, and the model opens again.
      await c().tap(j.t.back);
      expect(
        c()
          .buttonLabels()
          .some((l) => l.startsWith('Model X')),
      ).toBe(true);
      await c().tap(j.model);
      expect(c().screen()!.photo).toBe(true);
    });

    it('configure: trim → paint → wheels → interior with the running total, and Back at every step', async () => {
      await c().tap(j.t.configure);
      expect(c().lastText()).toContain(j.t.trimHeader);
      expect(c().lastText()).toContain(j.t.fromPrice);
      expect(c().buttonLabels()).toContain(`${j.trim.label} · ${j.prices.trim}`);
      // Back from the trims: the model card again.
      await c().tap(j.t.back);
      expect(c().lastText()).toContain(j.t.cardSpecs[0]);
      await c().tap(j.t.configure);

      await c().tap(j.trim.label);
      expect(c().lastText()).toContain(`• ${j.trim.label}`);
      expect(c().lastText()).toContain(j.t.runningTotal(j.prices.trim));
      // Back from paint: the trims again, the trim choice undone.
      await c().tap(j.t.back);
      expect(c().lastText()).toContain(j.t.trimHeader);
      expect(c().lastText()).not.toContain(`• ${j.trim.label}`);
      await c().tap(j.trim.label);

      await c().tap(j.paint.label);
      expect(c().lastText()).toContain(`• ${j.paint.label}`);
      expect(c().lastText()).toContain(j.t.runningTotal(j.prices.afterPaint));
      await c().tap(j.t.back);
      expect(c().lastText()).toContain(j.t.runningTotal(j.prices.trim));
      expect(c().lastText()).not.toContain(`• ${j.paint.label}`);
      await c().tap(j.paint.label);

      await c().tap(j.wheels.label);
      expect(c().lastText()).toContain(j.t.runningTotal(j.prices.afterWheels));
      await c().tap(j.t.back);
      expect(c().lastText()).toContain(j.t.runningTotal(j.prices.afterPaint));
      await c().tap(j.wheels.label);

      // The whole configuration happened in one photo message, edited in place.
      expect(
        c()
          .messages()
          .filter((m) => m.photo),
      ).toHaveLength(1);
    });

    it('summary: price breakdown, vehicle price, on-the-road estimate and deposit; "Change configuration" changes one choice', async () => {
      await c().tap(j.interior.label);
      const text = c().lastText();
      expect(text).toContain(j.trim.label.replace(/"/g, '&quot;'));
      for (const part of [j.paint, j.wheels, j.interior]) {
        const price = new Intl.NumberFormat('en', { style: 'currency', currency: 'CNY', currencyDisplay: 'narrowSymbol', maximumFractionDigits: 0 }).format(part.fen / 100);
        expect(text).toMatch(new RegExp(`${part.label.replace(/"/g, '&quot;')}.*${price.replace(/[$¥]/g, '\\$&')}`));
      }
      expect(text).toContain(j.t.summaryTotal(j.prices.total));
      const vehicleFen = j.trim.fen + j.paint.fen + j.wheels.fen + j.interior.fen;
      const estimate = onTheRoadEstimate(vehicleFen);
      expect(text).toContain(j.t.estimate(cny(estimate.totalFen), cny(estimate.taxFen)));
      expect(text).toContain(j.languageCode === 'en' ? 'registration and insurance not included' : '不含上牌费和保险');
      expect(text).toContain(j.t.summaryDeposit(j.deposit));
      expect(c().buttonLabels()).toContain(j.t.orderNow);

      // One tap on what to change, one on the new choice: the other choices are kept.
      await c().tap(j.t.changeConfig);
      await c().tap(j.t.interior);
      expect(c().lastText()).toContain(j.t.runningTotal(j.prices.afterWheels));
      await c().tap(j.interior.label);
      expect(c().lastText()).toContain(j.t.summaryTotal(j.prices.total));
      expect(c().lastText()).toContain(j.t.summaryDeposit(j.deposit));
    });

    it(`order: name, phone (${j.phone.typed ? 'typed' : 'shared contact'}), city → a confirmation screen, nothing written yet`, async () => {
      await c().tap(j.t.orderNow);
      expect(c().lastText()).toContain(j.t.askName);
      // Back from the name question shows the summary again; ordering resumes from there.
      await c().tap(j.t.back);
      expect(c().lastText()).toContain(j.t.summaryTotal(j.prices.total));
      await c().tap(j.t.orderNow);

      const asked = await c().text(j.name);
      expect(c().lastText()).toContain(j.t.askPhone);
      // The phone question comes with Telegram's "share my number" reply keyboard.
      const prompt = asked.find((call) => String(call.params.text ?? '').includes(j.t.askPhone));
      const markup = (typeof prompt?.params.reply_markup === 'string' ? JSON.parse(prompt.params.reply_markup) : prompt?.params.reply_markup) as
        { keyboard?: Array<Array<{ request_contact?: boolean }>> } | undefined;
      expect(markup?.keyboard?.flat().some((b) => b.request_contact === true)).toBe(true);

      const sent = j.phone.typed ? await c().text(j.phone.typed) : await c().contact(j.phone.contact!);
      const saved = textsIn(sent).find((t) => t.includes(j.t.phoneSaved));
      expect(saved).toMatch(shownPhone(j.phone.e164));
      // The reply keyboard with the contact button is removed once the number is saved.
      expect(sent.some((call) => call.params.reply_markup && JSON.stringify(call.params.reply_markup).includes('remove_keyboard'))).toBe(true);
      expect(c().lastText()).toContain(j.t.askCity);
      expect(c().buttonLabels()).toEqual(
        expect.arrayContaining(
          ['Beijing', 'Shanghai', 'Guangzhou', 'Shenzhen', 'Hangzhou', 'Chengdu'].map((en, i) =>
            j.languageCode === 'en' ? en : ['北京', '上海', '广州', '深圳', '杭州', '成都'][i]!,
          ),
        ),
      );

      await c().tap(j.city.label);
      const confirm = c().lastText();
      expect(confirm).toContain(j.t.confirmTitle);
      expect(confirm).toContain(j.trim.label.replace(/"/g, '&quot;'));
      expect(confirm).toContain(j.t.summaryTotal(j.prices.total));
      expect(confirm).toContain(j.deposit);
      expect(confirm).toContain(j.name);
      expect(confirm).toMatch(shownPhone(j.phone.e164));
      expect(confirm).toContain(j.city.label);
      expect(confirm).toContain(j.t.terms);
      expect(c().buttonLabels()).toContain(j.t.agreePay);
      // Nothing is written before "confirm": no order, and the phone is not saved on the customer.
      expect(await ordersOf(j.userId)).toHaveLength(0);
      expect((await customerRow(j.userId))!.phone).toBeNull();

      // A changed name comes back to the confirmation screen with the other answers kept.
      await c().tap(j.t.changeName);
      expect(c().lastText()).toContain(j.t.askName);
      await c().text(`${j.name}x`);
      expect(c().lastText()).toContain(j.t.confirmTitle);
      expect(c().lastText()).toContain(`${j.name}x`);
      expect(c().lastText()).toContain(j.city.label);
      await c().tap(j.t.changeName);
      await c().text(j.name);
      expect(c().lastText()).toContain(j.t.confirmTitle);
    });

    it('agree and pay: the order awaiting its deposit (terms accepted, refund policy frozen) and a CNY invoice', async () => {
      const calls = await c().tap(j.t.agreePay);
      const [order] = await ordersOf(j.userId);
      expect(order).toMatchObject({
        state: 'awaiting_deposit',
        model_id: j.modelId,
        deposit_fen: j.depositFen,
        currency: 'CNY',
        contact_name: j.name,
        phone: j.phone.e164,
        city: j.city.code,
      });
      expect(order!.number).toMatch(/^TJ\d{6,}$/);
      expect(order!.total_fen).toBe(j.trim.fen + j.paint.fen + j.wheels.fen + j.interior.fen);
      expect(order!.snapshot.trim.priceFen).toBe(j.trim.fen);
      orderId = order!.id;
      orderNumber = order!.number;
      expect((await customerRow(j.userId))!.phone).toBe(j.phone.e164);

      const created = textsIn(calls).find((t) => t.includes(j.t.orderCreated(orderNumber)));
      expect(created).toBeDefined();
      expect(created).toContain(j.prices.total);
      expect(created).toContain(j.deposit);

      const invoice = calls.find((call) => call.method === 'sendInvoice');
      expect(invoice).toBeDefined();
      const prices = (typeof invoice!.params.prices === 'string' ? JSON.parse(invoice!.params.prices) : invoice!.params.prices) as Array<{ amount: number }>;
      expect(invoice!.params).toMatchObject({ currency: 'CNY', provider_token: PROVIDER_TOKEN, title: j.t.invoiceTitle(orderNumber) });
      expect(prices.map((p) => p.amount)).toEqual([j.depositFen]);
      expect(String(invoice!.params.payload)).toContain(String(orderId));
      expect(Buffer.byteLength(String(invoice!.params.payload))).toBeLessThanOrEqual(128);
      // The invoice says what the deposit is and until when it is refundable.
      expect(String(invoice!.params.description)).toContain(
        j.languageCode === 'en' ? 'Refunded in full if you cancel before a vehicle is allocated.' : '分配车辆前取消可全额退还订金。',
      );
      const [terms] = await h.db.sql<Array<{ refund_policy: string; terms_accepted_at: Date | null }>>`select refund_policy, terms_accepted_at from orders where id = ${orderId}`;
      expect(terms!.refund_policy).toBe('until_vin');
      expect(terms!.terms_accepted_at).not.toBeNull();
      expect(await eventsOf(orderId)).toEqual([{ from_state: null, to_state: 'awaiting_deposit', actor: `customer:${j.userId}` }]);
    });

    it('pay: pre-checkout approved, order deposit_paid, one payment row, audit event, confirmation with the number', async () => {
      const paid = await c().pay({ chargeId: `tg_charge_journey_${j.userId}` });
      expect(paid.approved).toBe(true);
      const confirmation = textsIn(paid.calls).join('\n');
      for (const part of j.t.paid(j.deposit, orderNumber)) expect(confirmation).toContain(part);
      // No delivery booking before there is a car: a preferred week instead.
      expect(c().buttonLabels()).toEqual(expect.arrayContaining([expect.stringContaining(j.t.preferWeek), expect.stringContaining(j.t.bookInstallation)]));
      expect(
        c()
          .buttonLabels()
          .some((l) => l.includes(j.t.bookDelivery)),
      ).toBe(false);

      const [order] = await ordersOf(j.userId);
      expect(order!.state).toBe('deposit_paid');
      const payments = await h.db.sql`select * from payments where order_id = ${orderId}`;
      expect(payments).toHaveLength(1);
      expect(payments[0]).toMatchObject({
        amount_fen: j.depositFen,
        currency: 'CNY',
        telegram_payment_charge_id: `tg_charge_journey_${j.userId}`,
        provider_payment_charge_id: `prov_tg_charge_journey_${j.userId}`,
      });
      expect(Number(payments[0]!.payer_telegram_id)).toBe(j.userId);
      expect((await eventsOf(orderId)).map((e) => [e.from_state, e.to_state])).toEqual([
        [null, 'awaiting_deposit'],
        ['awaiting_deposit', 'deposit_paid'],
      ]);
    });

    it('before the car is ready: a preferred week (shown on the order, a wish for ops), no delivery booking', async () => {
      await c().tap(j.t.preferWeek);
      const weeks = buttonsWithData(c(), 'pwk:');
      expect(weeks).toHaveLength(8);
      await c().press(weeks[1]!.data!);
      expect(c().lastText()).toContain(j.t.preferredLine);
      expect(
        c()
          .buttonLabels()
          .some((l) => l.includes(j.t.bookDelivery)),
      ).toBe(false);
      const [row] = await h.db.sql<Array<{ preferred_delivery_week: string }>>`select preferred_delivery_week from orders where id = ${orderId}`;
      expect(row!.preferred_delivery_week).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(new Date(`${row!.preferred_delivery_week}T12:00:00Z`).getUTCDay()).toBe(1);
      expect(await bookingsOf(orderId)).toHaveLength(0);
    });

    it('vehicle allocated and ready: the order shows the VIN and the expected delivery week, and delivery can be booked', async () => {
      const vin = j.languageCode === 'en' ? 'LRWYGCEK1PC310001' : 'LRWYGCEK1PC310002';
      await h.app.deps.services.fulfilment.allocate(orderId, vin, 'staff:1');
      await h.app.deps.services.fulfilment.markReady(orderId, 'staff:1');
      // Read from the order screen this press shows (the ready notice comes on its own, outside quiet hours).
      const calls = await c().press(cb.orderDetail.pack({ orderId }));
      const shown = calls.find((call) => /^(edit|send)Message/.test(call.method) && String(call.params.text ?? '').includes(orderNumber))!;
      expect(String(shown.params.text)).toContain(j.t.vinLine(vin));
      expect(String(shown.params.text)).toContain(j.languageCode === 'en' ? 'Expected delivery: ' : '预计交付：');
      expect(JSON.stringify(shown.params.reply_markup)).toContain(`bd:${orderId}`);
    });

    it(`book delivery (${j.delivery.method}): day, slot in Asia/Shanghai time, booking row, slot booked + 1`, async () => {
      await c().tap(j.t.bookDelivery);
      expect(c().lastText()).toContain(j.t.deliveryMethod(orderNumber, j.city.label));
      if (j.delivery.method === 'home') {
        await c().tap(j.t.home);
        expect(c().lastText()).toContain(j.t.askAddressDelivery);
        await c().text(j.delivery.address!);
      } else {
        await c().tap(j.t.pickup);
      }
      expect(c().lastText()).toContain(j.t.pickDayDelivery);
      if (j.delivery.method === 'pickup') expect(c().lastText()).toContain(j.city.centre);

      const days = buttonsWithData(c(), 'day:');
      expect(days.length).toBeGreaterThanOrEqual(10);
      await c().press(days[0]!.data!);
      const slots = buttonsWithData(c(), 'slot:');
      expect(slots.length).toBeGreaterThan(0);
      for (const s of slots) {
        const row = await slotRow(slotIdOf(s));
        expect(row.kind).toBe('delivery');
        // The label shows the window in the business zone, never UTC.
        expect(s.text).toContain(localWindow(row.starts_at, row.ends_at));
        expect(DELIVERY_WINDOWS.some((w) => s.text.includes(w))).toBe(true);
      }
      const chosen = slots[0]!;
      deliverySlotId = slotIdOf(chosen);
      const before = await slotRow(deliverySlotId);
      await c().press(chosen.data!);

      const window = localWindow(before.starts_at, before.ends_at);
      expect(c().lastText()).toContain(j.t.booked(orderNumber));
      expect(c().lastText()).toContain(window);
      expect(c().lastText()).toContain(j.delivery.method === 'home' ? j.delivery.address! : j.city.centre);
      expect((await slotRow(deliverySlotId)).booked).toBe(before.booked + 1);
      const [booking] = await bookingsOf(orderId);
      expect(booking).toMatchObject({ kind: 'delivery', method: j.delivery.method, slot_id: deliverySlotId, state: 'active', address: j.delivery.address ?? null });
      deliveryBookingId = booking!.id;
    });

    it(`book charger installation: parking (${j.installation.parking}), permission yes, then the address, slot`, async () => {
      await c().tap(j.t.viewOrder);
      await c().tap(j.t.bookInstallation);
      // Eligibility first: nobody types an address to be told they cannot have a charger.
      expect(c().lastText()).toContain(j.t.askParking);
      // Whether it costs anything: the basic installation comes with the car, extra materials are charged on site.
      for (const part of j.t.installationIncluded) expect(c().lastText()).toContain(part);
      await c().tap(j.installation.parkingLabel);
      expect(c().lastText()).toContain(j.t.askPermission);
      await c().tap(j.t.permissionYes);
      expect(c().lastText()).toContain(j.t.askAddressInstallation);
      await c().text(j.installation.address);
      expect(c().lastText()).toContain(j.t.pickDayInstallation);

      await c().press(buttonsWithData(c(), 'day:')[0]!.data!);
      const slots = buttonsWithData(c(), 'slot:');
      for (const s of slots) expect(INSTALLATION_WINDOWS.some((w) => s.text.includes(w))).toBe(true);
      installationSlotId = slotIdOf(slots[0]!);
      const before = await slotRow(installationSlotId);
      expect(before.kind).toBe('installation');
      await c().press(slots[0]!.data!);
      expect(c().lastText()).toContain(j.t.booked(orderNumber));
      expect(c().lastText()).toContain(localWindow(before.starts_at, before.ends_at));
      expect((await slotRow(installationSlotId)).booked).toBe(before.booked + 1);
      const installation = (await bookingsOf(orderId)).find((b) => b.kind === 'installation');
      expect(installation).toMatchObject({ address: j.installation.address, parking: j.installation.parking, permission: true, state: 'active', slot_id: installationSlotId });
    });

    it('My orders: configuration, state and both bookings', async () => {
      await c().text('/orders');
      const entry = c()
        .buttonLabels()
        .find((l) => l.includes(orderNumber));
      expect(entry).toContain(j.model);
      expect(entry).toContain(j.t.stateScheduled);
      await c().tap(orderNumber);
      const text = c().lastText();
      expect(text).toContain(orderNumber);
      expect(text).toContain(j.t.stateScheduled);
      // A vehicle is allocated: under the default terms the deposit is no longer refundable, and the order says so.
      expect(text).toContain(j.t.notRefundableNow);
      expect(text).toContain(`<b>${j.model}</b>`);
      for (const label of [j.trim.label, j.paint.label, j.wheels.label, j.interior.label]) expect(text).toContain(label.replace(/"/g, '&quot;'));
      expect(text).toContain(j.prices.total);
      expect(text).toContain(j.t.depositLine(j.deposit));
      expect(text).toContain(j.name);
      expect(text).toMatch(shownPhone(j.phone.e164));
      expect(text).toContain(j.delivery.method === 'home' ? j.t.homeLine : j.t.pickupLine);
      expect(text).toContain(j.t.installationLine);
      expect(text).toContain(j.installation.address);
      const d = await slotRow(deliverySlotId);
      const i = await slotRow(installationSlotId);
      expect(text).toContain(localWindow(d.starts_at, d.ends_at));
      expect(text).toContain(localWindow(i.starts_at, i.ends_at));
    });

    it('reschedule delivery to another day: new slot taken, old slot freed, old booking cancelled', async () => {
      const oldBefore = await slotRow(deliverySlotId);
      await c().tap(j.t.rescheduleDelivery);
      expect(c().lastText()).toContain(j.t.pickDayDelivery);
      await c().press(buttonsWithData(c(), 'day:')[1]!.data!);
      const target = buttonsWithData(c(), 'slot:').at(-1)!;
      const newId = slotIdOf(target);
      expect(newId).not.toBe(deliverySlotId);
      const newBefore = await slotRow(newId);
      await c().press(target.data!);

      expect(c().lastText()).toContain(j.t.rescheduled(orderNumber));
      expect(c().lastText()).toContain(localWindow(newBefore.starts_at, newBefore.ends_at));
      expect((await slotRow(deliverySlotId)).booked).toBe(oldBefore.booked - 1);
      expect((await slotRow(newId)).booked).toBe(newBefore.booked + 1);
      const rows = await bookingsOf(orderId);
      expect(rows.find((b) => b.id === deliveryBookingId)!.state).toBe('cancelled');
      const active = rows.filter((b) => b.kind === 'delivery' && b.state === 'active');
      expect(active).toHaveLength(1);
      expect(active[0]).toMatchObject({ slot_id: newId, method: j.delivery.method, address: j.delivery.address ?? null });
      deliverySlotId = newId;
    });

    it('cancel the installation from My orders: booking cancelled, slot freed', async () => {
      await c().tap(j.t.viewOrder);
      const before = await slotRow(installationSlotId);
      await c().tap(j.t.cancelInstallation);
      expect(c().lastText()).toContain(j.installation.address);
      await c().tap(j.t.cancelBookingYes);
      expect(c().toasts()).toContain(j.t.bookingCancelled);
      expect(c().lastText()).not.toContain(j.installation.address);
      expect(c().buttonLabels()).toEqual(expect.arrayContaining([expect.stringContaining(j.t.bookInstallation)]));
      expect((await slotRow(installationSlotId)).booked).toBe(before.booked - 1);
      expect((await bookingsOf(orderId)).find((b) => b.kind === 'installation')!.state).toBe('cancelled');
    });

    it('cancel after a VIN is allocated: cancelled, the deposit kept under the terms accepted, bookings released', async () => {
      const delivery = await slotRow(deliverySlotId);
      await c().tap(j.t.cancelOrder);
      expect(c().lastText()).toContain(j.t.confirmCancelForfeit(orderNumber, j.deposit));
      await c().tap(j.t.cancelYes);
      expect(c().toasts()).toContain(j.t.forfeitToast(orderNumber, j.deposit));
      expect(c().lastText()).toContain(j.t.stateCancelled);
      expect(c().lastText()).toContain(j.t.depositLine(j.deposit));
      // No booking is listed any more.
      expect(c().lastText()).not.toContain(j.delivery.method === 'home' ? j.t.homeLine : j.t.pickupLine);
      expect(c().lastText()).not.toContain(j.t.installationLine);
      expect(c().buttonLabels()).not.toContain(j.t.cancelOrder);

      const [order] = await ordersOf(j.userId);
      expect(order!.state).toBe('cancelled');
      expect((await eventsOf(orderId)).map((e) => e.to_state)).toEqual([
        'awaiting_deposit',
        'deposit_paid',
        'vehicle_allocated',
        'ready_for_delivery',
        'delivery_scheduled',
        'cancelled',
      ]);
      const [note] = await h.db.sql<Array<{ note: string }>>`select note from order_events where order_id = ${orderId} and subject = 'order' and to_state = 'cancelled'`;
      expect(note!.note).toBe('deposit_not_refundable');
      expect(await h.db.sql`select 1 from payments where order_id = ${orderId} and status <> 'applied'`).toHaveLength(0);
      expect((await bookingsOf(orderId)).every((b) => b.state === 'cancelled')).toBe(true);
      expect((await slotRow(deliverySlotId)).booked).toBe(delivery.booked - 1);
    });
  });
}

// ---- installation that cannot be booked ---------------------------------------

/** A quick paid Model 3 order for `c` (RWD, free options, Hangzhou). */
async function paidModel3(c: TestChat, t: { browse: string; configure: string; city: string }) {
  await c.text('/start');
  await c.tap(t.browse);
  await c.tap('Model 3');
  await c.tap(t.configure);
  await c.press('pick:trim:m3-rwd');
  await c.press('pick:paint:m3-paint-white');
  await c.press('pick:wheels:m3-wheels-18');
  await c.press('pick:interior:m3-int-black');
  await c.press('order');
  await c.text('Li Na');
  await c.text('+86 139 0000 1111');
  await c.tap(t.city);
  await c.press(cb.orderConfirm.pack({}));
  const paid = await c.pay();
  expect(paid.approved).toBe(true);
  const [order] = await ordersOf(c.id);
  expect(order!.state).toBe('deposit_paid');
  return order!;
}

async function installationSlotsBooked(): Promise<number> {
  const [row] = await h.db.sql<Array<{ n: number }>>`select coalesce(sum(booked), 0)::int as n from slots where kind = 'installation'`;
  return row!.n;
}

describe('charger installation that cannot be booked yet', () => {
  it("'No fixed parking space' explains what is needed and books nothing", async () => {
    const c = new TestChat(h, 710_011, { languageCode: 'en' });
    const order = await paidModel3(c, { browse: 'Browse models', configure: 'Configure', city: 'Hangzhou' });
    const booked = await installationSlotsBooked();
    await c.tap('Book charger installation');
    // Asked before any address: the customer learns first whether a charger is possible.
    expect(c.lastText()).not.toContain('address');
    await c.tap('No fixed parking space');
    expect(c.lastText()).toContain('A home charger needs a fixed parking space');
    expect(c.lastText()).toContain('Superchargers');
    expect(c.buttonLabels()).not.toEqual(expect.arrayContaining([expect.stringMatching(/^\d\d:\d\d/)]));
    expect(await bookingsOf(order.id)).toHaveLength(0);
    expect(await installationSlotsBooked()).toBe(booked);
    // Back leads to the order, where installation can still be booked later.
    await c.tap('‹ Back');
    expect(c.lastText()).toContain(order.number);
    expect(c.buttonLabels()).toContain('🔌 Book charger installation');
  });

  it("'Not yet' (no permission from property management) explains what is needed and books nothing", async () => {
    const c = new TestChat(h, 710_012, { languageCode: 'zh-hans' });
    const order = await paidModel3(c, { browse: '浏览车型', configure: '选配', city: '杭州' });
    const booked = await installationSlotsBooked();
    await c.tap('预约充电桩安装');
    expect(c.lastText()).not.toContain('地址');
    await c.tap('私家车库');
    await c.tap('尚未同意');
    expect(c.lastText()).toContain('安装充电桩需要物业同意');
    expect(c.lastText()).toContain('同意书');
    expect(await bookingsOf(order.id)).toHaveLength(0);
    expect(await installationSlotsBooked()).toBe(booked);
  });
});

// ---- language and commands ------------------------------------------------------

describe('language', () => {
  it('/language switches zh → en → zh and the main menu follows', async () => {
    const c = new TestChat(h, 710_021, { languageCode: 'zh-hans' });
    await c.text('/start');
    expect(c.lastText()).toContain('欢迎来到特斯拉京东官方旗舰店');

    await c.text('/language');
    expect(c.lastText()).toContain('请选择语言');
    expect(c.buttonLabels()).toEqual(['简体中文', 'English', '🙋 联系人工客服']);
    await c.tap('English');
    expect(c.toasts()).toContain('Language set to English');
    expect((await customerRow(c.id))!.language).toBe('en');
    await c.text('/start');
    expect(c.lastText()).toContain('Welcome to the Tesla official flagship store on JD.com');
    expect(c.buttonLabels()).toContain('🚗 Browse models');

    await c.text('/language');
    expect(c.lastText()).toContain('Choose your language');
    await c.tap('简体中文');
    expect(c.toasts()).toContain('已切换为简体中文');
    expect((await customerRow(c.id))!.language).toBe('zh-CN');
    await c.text('/start');
    expect(c.lastText()).toContain('欢迎来到特斯拉京东官方旗舰店');
    expect(c.buttonLabels()).toContain('🚗 浏览车型');
  });

  it('the language a customer picked wins over their Telegram client language', async () => {
    const c = new TestChat(h, 710_022, { languageCode: 'en' });
    await c.text('/start');
    await c.tap('中文');
    expect(c.lastText()).toContain('欢迎来到特斯拉京东官方旗舰店');
    await c.text('/start');
    expect(c.lastText()).toContain('欢迎来到特斯拉京东官方旗舰店');
  });

  it('setMyCommands was called for en and zh with localized descriptions', () => {
    const calls = h.api.callsTo('setMyCommands');
    const byLang = (lang: string | undefined) =>
      calls.find((call) => call.params.language_code === lang)?.params.commands as Array<{ command: string; description: string }> | undefined;
    const en = byLang('en');
    const zh = byLang('zh');
    expect(en).toBeDefined();
    expect(zh).toBeDefined();
    const commands = ['start', 'models', 'orders', 'store', 'cart', 'language', 'settings', 'help', 'support', 'deletemydata', 'cancel'];
    expect(en!.map((x) => x.command)).toEqual(commands);
    expect(zh!.map((x) => x.command)).toEqual(commands);
    expect(en!.find((x) => x.command === 'models')!.description).toBe('Browse models');
    expect(zh!.find((x) => x.command === 'models')!.description).toBe('浏览车型');
    for (const [i, x] of zh!.entries()) expect(x.description).not.toBe(en![i]!.description);
    for (const x of zh!) expect(x.description).toMatch(/[\u4e00-\u9fff]/);
  });
});

// ---- wording ------------------------------------------------------------------------------

describe('wording', () => {
  it('Chinese price breakdowns use the full-width colon, like every other zh-CN line', async () => {
    const c = new TestChat(h, 710_031, { languageCode: 'zh-hans' });
    await c.text('/start');
    await c.tap('浏览车型');
    await c.tap('Model 3');
    await c.tap('选配');
    await c.press('pick:trim:m3-rwd');
    await c.press('pick:paint:m3-paint-red');
    await c.press('pick:wheels:m3-wheels-19');
    await c.press('pick:interior:m3-int-black');
    const summary = c.lastText();
    expect(summary).toContain('车辆价格：<b>¥249,900</b>');
    // "后轮驱动版: ¥231,900" mixes a half-width colon into Chinese text.
    expect(summary).toContain('后轮驱动版：¥231,900');
    expect(summary).toContain('烈焰红：¥12,000');
    expect(summary).not.toMatch(/[\u4e00-\u9fff]: /);
  });

  it('a sticker where a typed answer is expected asks for the typed answer, not for buttons', async () => {
    const c = new TestChat(h, 710_032, { languageCode: 'en' });
    await c.text('/start');
    await c.tap('Browse models');
    await c.tap('Model 3');
    await c.tap('Configure');
    await c.press('pick:trim:m3-rwd');
    await c.press('pick:paint:m3-paint-white');
    await c.press('pick:wheels:m3-wheels-18');
    await c.press('pick:interior:m3-int-black');
    await c.tap('Order');
    const calls = await c.sticker();
    const texts = textsIn(calls);
    // The name question comes again…
    expect(texts.some((t) => t.includes('Whose name should the order be in?'))).toBe(true);
    // …but the notice before it must not send the customer looking for buttons: the step wants a typed name.
    expect(texts.join('\n')).not.toContain('Please answer with the buttons below.');
  });
});

// ---- bookkeeping over the whole file -------------------------------------------------

describe('over the whole file', () => {
  it('every callback query was answered exactly once', () => {
    const sentIds = h.api
      .callsTo('getUpdates')
      .flatMap((call) => (call.response.ok ? (call.response.result as Array<{ callback_query?: { id: string } }>) : []))
      .map((u) => u.callback_query?.id)
      .filter((id): id is string => !!id);
    const answered = h.api.callsTo('answerCallbackQuery').map((call) => String(call.params.callback_query_id));
    expect(sentIds.length).toBeGreaterThan(50);
    expect(answered.length).toBe(sentIds.length);
    expect(new Set(answered)).toEqual(new Set(sentIds));
  });

  it('nothing went wrong on the bot side: no apology was sent and no Bot API call failed', () => {
    const failed = h.api.calls.filter((call) => !call.response.ok && call.method !== 'getUpdates');
    expect(failed.map((call) => `${call.method}: ${call.response.description}`)).toEqual([]);
    const apologies = h.api.calls.filter((call) => /something went wrong|系统出了点问题/.test(String(call.params.text ?? '')));
    expect(apologies).toEqual([]);
  });
});
