/**
 * Seeded rows for the report tests, and the report figures computed from those rows in plain
 * TypeScript (loops over arrays, no SQL): the reports' queries are checked against these.
 */
import type postgres from 'postgres';
import type { Period } from '../../src/domain/reports/period.js';

/** drizzle's postgres.js client passes dates through as they are: parameters go as ISO strings. */
const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** mulberry32: the same rows on every run. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const MODELS = ['model-3', 'model-y', 'model-s', 'model-x'];
export const CITIES = ['shanghai', 'beijing', 'shenzhen'];
const STATES = ['awaiting_deposit', 'deposit_paid', 'vehicle_allocated', 'ready_for_delivery', 'delivery_scheduled', 'delivered', 'cancelled', 'refund_requested'];

export interface Seeded {
  customers: Array<{ id: number; telegramId: number }>;
  funnel: Array<{ customerId: number; modelId: string; stage: 'started' | 'configured'; at: Date }>;
  orders: Array<{ id: number; customerId: number; modelId: string; city: string; state: string; createdAt: Date }>;
  payments: Array<{ orderId: number; amountFen: number; status: string; problem: string | null; createdAt: Date }>;
  events: Array<{ orderId: number; toState: string; subject: string; createdAt: Date }>;
  storeOrders: Array<{ id: number; state: string; paidAt: Date | null; lines: Array<{ category: string; qty: number; unitPriceFen: number }> }>;
  campaigns: Array<{ id: number; startedAt: Date | null; label: string }>;
  recipients: Array<{ campaignId: number; customerId: number; state: string }>;
  clicks: Array<{ id: number; campaignId: number; customerId: number; at: Date }>;
  conversations: Array<{ assignee: number | null; name: string | null; openedAt: Date; firstReplyAt: Date | null; closedAt: Date | null; status: string; rating: number | null }>;
  installations: Array<{ state: string; installedAt: Date | null }>;
}

/**
 * Seeds customers, funnel steps, orders with payments and events, store orders, campaigns with
 * recipients and clicks, support conversations and installations, spread over `span` days up to
 * `now` (some just outside the period, some on its edges).
 */
export async function seedReports(sql: postgres.Sql, now: Date, opts: { seed?: number; customers?: number; span?: number } = {}): Promise<Seeded> {
  const r = rng(opts.seed ?? 42);
  const span = opts.span ?? 40;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const at = (maxDaysBack = span) => new Date(now.getTime() - Math.floor(r() * maxDaysBack * 86_400_000));
  const out: Seeded = {
    customers: [],
    funnel: [],
    orders: [],
    payments: [],
    events: [],
    storeOrders: [],
    campaigns: [],
    recipients: [],
    clicks: [],
    conversations: [],
    installations: [],
  };

  const nCustomers = opts.customers ?? 60;
  const customerRows = await sql<Array<{ id: number; telegram_id: string }>>`
    insert into customers (telegram_id, first_name, language)
    select 880000000 + g, 'C' || g, 'zh-CN' from generate_series(1, ${nCustomers}) g
    returning id, telegram_id`;
  out.customers = customerRows.map((c) => ({ id: c.id, telegramId: Number(c.telegram_id) }));

  // Funnel steps: one row per customer, model, stage and day, as the catalog writes them.
  const seen = new Set<string>();
  for (const c of out.customers)
    for (let i = 0; i < 3; i++) {
      const modelId = pick(MODELS);
      const started = at();
      for (const [stage, when] of [
        ['started', started],
        ['configured', new Date(started.getTime() + 600_000)],
      ] as const) {
        if (stage === 'configured' && r() < 0.4) continue;
        const day = new Date(when.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
        const key = `${c.id}|${modelId}|${stage}|${day}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.funnel.push({ customerId: c.id, modelId, stage, at: when });
        await sql`insert into funnel_events (customer_id, model_id, stage, day, at) values (${c.id}, ${modelId}, ${stage}, ${day}, ${iso(when)})`;
      }
    }

  // Car orders, each with its payments and state changes.
  for (const c of out.customers.slice(0, Math.floor(nCustomers * 0.7))) {
    for (let i = 0; i < 2; i++) {
      const modelId = pick(MODELS);
      const city = pick(CITIES);
      const state = pick(STATES);
      const createdAt = at();
      const deposit = modelId === 'model-s' || modelId === 'model-x' ? 800_000 : 100_000;
      const [o] = await sql<Array<{ id: number }>>`
        insert into orders (customer_id, model_id, snapshot, total_fen, deposit_fen, state, contact_name, phone, city, created_at, updated_at)
        values (${c.id}, ${modelId}, ${JSON.stringify({ modelId })}::jsonb, 30000000, ${deposit}, ${state}, 'Zhang', '13800138000', ${city}, ${iso(createdAt)}, ${iso(createdAt)})
        returning id`;
      out.orders.push({ id: o!.id, customerId: c.id, modelId, city, state, createdAt });
      if (state !== 'awaiting_deposit' && state !== 'cancelled') {
        const paidAt = new Date(createdAt.getTime() + Math.floor(r() * 3 * 86_400_000));
        if (paidAt <= now) {
          const status = state === 'refund_requested' && r() < 0.5 ? 'refunded' : 'applied';
          await sql`insert into payments (order_id, telegram_payment_charge_id, provider_payment_charge_id, amount_fen, currency, payer_telegram_id, status, created_at)
            values (${o!.id}, ${`ch_${o!.id}`}, ${`pv_${o!.id}`}, ${deposit}, 'CNY', ${c.telegramId}, ${status}, ${iso(paidAt)})`;
          out.payments.push({ orderId: o!.id, amountFen: deposit, status, problem: null, createdAt: paidAt });
        }
        // A payment that could not be applied (never a deposit paid).
        if (r() < 0.1) {
          await sql`insert into payments (order_id, telegram_payment_charge_id, provider_payment_charge_id, amount_fen, currency, payer_telegram_id, status, problem, created_at)
            values (${o!.id}, ${`chx_${o!.id}`}, ${`pvx_${o!.id}`}, ${deposit}, 'CNY', ${c.telegramId}, 'refund_needed', 'already_paid', ${iso(paidAt)})`;
          out.payments.push({ orderId: o!.id, amountFen: deposit, status: 'refund_needed', problem: 'already_paid', createdAt: paidAt });
        }
      }
      const later = ['vehicle_allocated', 'ready_for_delivery', 'delivery_scheduled', 'delivered'];
      for (const [subject, toState] of [
        ['order', 'vehicle_allocated'],
        ['order', 'delivered'],
        ['installation', 'delivered'],
      ] as const) {
        if (toState === 'vehicle_allocated' && !later.includes(state)) continue;
        if (toState === 'delivered' && state !== 'delivered') continue;
        const when = new Date(createdAt.getTime() + Math.floor(r() * 10 * 86_400_000));
        if (when > now) continue;
        await sql`insert into order_events (order_id, subject, from_state, to_state, actor, created_at) values (${o!.id}, ${subject}, 'x', ${toState}, 'system', ${iso(when)})`;
        out.events.push({ orderId: o!.id, toState, subject, createdAt: when });
      }
    }
  }

  // Store orders over the seeded catalog's variants.
  const variants = await sql<Array<{ id: string; category: string; price_fen: number }>>`
    select v.id, p.category, v.price_fen from store_variants v join store_products p on p.id = v.product_id order by v.id`;
  for (let i = 0; i < 40; i++) {
    const state = pick(['paid', 'shipped', 'delivered', 'refunded', 'pending_payment', 'needs_refund']);
    const paidAt = state === 'pending_payment' ? null : at();
    const lines = Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
      const v = pick(variants);
      return { variantId: v.id, category: v.category, qty: 1 + Math.floor(r() * 3), unitPriceFen: v.price_fen };
    });
    const goods = lines.reduce((s, l) => s + l.qty * l.unitPriceFen, 0);
    const [so] = await sql<Array<{ id: number }>>`
      insert into store_orders (customer_id, state, goods_fen, paid_at) values (${pick(out.customers).id}, ${state}, ${goods}, ${iso(paidAt)}) returning id`;
    for (const l of lines)
      await sql`insert into store_order_lines (order_id, variant_id, name, qty, unit_price_fen) values (${so!.id}, ${l.variantId}, ${JSON.stringify({ 'zh-CN': 'x', en: 'x' })}::jsonb, ${l.qty}, ${l.unitPriceFen})`;
    out.storeOrders.push({ id: so!.id, state, paidAt, lines });
  }

  // Campaigns: started inside, before and not at all; recipients; clicks (some customers click two campaigns).
  for (let i = 0; i < 4; i++) {
    const startedAt = i === 3 ? null : at(i === 2 ? 30 : 10);
    const label = i % 2 ? `Model Y 限时优惠 ${i}` : `Winter, offer "${i}"`;
    const [c] = await sql<Array<{ id: number }>>`
      insert into campaigns (created_by, status, default_locale, started_at) values (1, ${startedAt ? 'done' : 'scheduled'}, 'zh-CN', ${iso(startedAt)}) returning id`;
    await sql`insert into campaign_variants (campaign_id, locale, kind, text) values (${c!.id}, 'zh-CN', 'text', ${label})`;
    out.campaigns.push({ id: c!.id, startedAt, label });
    if (!startedAt) continue;
    for (const cust of out.customers) {
      if (r() < 0.3) continue;
      const state = pick(['sent', 'sent', 'sent', 'blocked', 'failed', 'pending']);
      await sql`insert into campaign_recipients (campaign_id, customer_id, chat_id, locale, batch, state) values (${c!.id}, ${cust.id}, ${cust.telegramId}, 'zh-CN', 0, ${state})`;
      out.recipients.push({ campaignId: c!.id, customerId: cust.id, state });
      if (state === 'sent' && r() < 0.5)
        for (let k = 0; k < 1 + Math.floor(r() * 2); k++) {
          const when = new Date(Math.min(now.getTime(), startedAt.getTime() + Math.floor(r() * 12 * 86_400_000)));
          const [cl] = await sql<
            Array<{ id: number }>
          >`insert into campaign_clicks (campaign_id, customer_id, button, clicked_at) values (${c!.id}, ${cust.id}, 0, ${iso(when)}) returning id`;
          out.clicks.push({ id: cl!.id, campaignId: c!.id, customerId: cust.id, at: when });
        }
    }
  }

  // Support conversations, some unassigned, some unanswered, rated or not.
  const agents: Array<[number, string]> = [
    [77001, '小王'],
    [77002, 'Chen'],
  ];
  for (const cust of out.customers.slice(0, 45)) {
    const openedAt = at();
    const agent = r() < 0.15 ? null : pick(agents);
    const firstReplyAt = agent && r() < 0.9 ? new Date(openedAt.getTime() + Math.floor(r() * 40 * 60_000)) : null;
    const closed = r() < 0.7;
    const closedAt = closed ? new Date(openedAt.getTime() + Math.floor(r() * 5 * 3600_000)) : null;
    const rating = closed && r() < 0.7 ? 1 + Math.floor(r() * 5) : null;
    const status = closed ? 'closed' : agent ? 'assigned' : 'queued';
    // At most one open conversation per customer (a partial unique index).
    await sql`insert into support_conversations (customer_id, status, assignee_telegram_id, assignee_name, opened_at, first_agent_reply_at, closed_at, rating)
      values (${cust.id}, ${status}, ${agent?.[0] ?? null}, ${agent?.[1] ?? null}, ${iso(openedAt)}, ${iso(firstReplyAt)}, ${iso(closedAt)}, ${rating})`;
    out.conversations.push({ assignee: agent?.[0] ?? null, name: agent?.[1] ?? null, openedAt, firstReplyAt, closedAt, status, rating });
  }

  // Installations done (for the weeks chart), on the orders placed.
  for (const o of out.orders.slice(0, 20)) {
    const state = pick(['installed', 'installed', 'scheduled', 'requested']);
    const installedAt = state === 'installed' ? at(20) : null;
    await sql`insert into installations (order_id, state, address, parking, installed_at) values (${o.id}, ${state}, 'addr', 'garage', ${iso(installedAt)})`;
    out.installations.push({ state, installedAt });
  }
  return out;
}

const inP = (d: Date | null, p: Period) => !!d && d >= p.from && d < p.to;
const localDay = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);

/** Linear-interpolated percentile (Postgres percentile_cont). */
export function percentileCont(values: number[], q: number): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export function expectedFunnel(s: Seeded, p: Period) {
  const count = (filter: { model?: string; city?: string }) => {
    const orderOk = (o: Seeded['orders'][number]) => (!filter.model || o.modelId === filter.model) && (!filter.city || o.city === filter.city);
    const byId = new Map(s.orders.map((o) => [o.id, o]));
    const stage = (st: 'started' | 'configured') =>
      filter.city ? 0 : new Set(s.funnel.filter((f) => f.stage === st && inP(f.at, p) && (!filter.model || f.modelId === filter.model)).map((f) => f.customerId)).size;
    return {
      started: stage('started'),
      configured: stage('configured'),
      ordered: s.orders.filter((o) => inP(o.createdAt, p) && orderOk(o)).length,
      depositPaid: new Set(s.payments.filter((x) => x.problem === null && inP(x.createdAt, p) && orderOk(byId.get(x.orderId)!)).map((x) => x.orderId)).size,
      allocated: new Set(
        s.events.filter((e) => e.subject === 'order' && e.toState === 'vehicle_allocated' && inP(e.createdAt, p) && orderOk(byId.get(e.orderId)!)).map((e) => e.orderId),
      ).size,
      delivered: new Set(s.events.filter((e) => e.subject === 'order' && e.toState === 'delivered' && inP(e.createdAt, p) && orderOk(byId.get(e.orderId)!)).map((e) => e.orderId))
        .size,
    };
  };
  return { total: count({}), model: (m: string) => count({ model: m }), city: (c: string) => count({ city: c }) };
}

export function expectedRevenue(s: Seeded, p: Period) {
  const byId = new Map(s.orders.map((o) => [o.id, o]));
  const rows = new Map<string, { count: number; amountFen: number; orders?: Set<number> }>();
  const add = (key: string, fen: number, order?: number) => {
    const row = rows.get(key) ?? { count: 0, amountFen: 0, orders: new Set<number>() };
    row.amountFen += fen;
    if (order === undefined) row.count++;
    else row.orders!.add(order);
    rows.set(key, row);
  };
  for (const x of s.payments.filter((x) => x.status === 'applied' && inP(x.createdAt, p))) add(`deposit|${localDay(x.createdAt)}|${byId.get(x.orderId)!.modelId}`, x.amountFen);
  for (const so of s.storeOrders.filter((o) => ['paid', 'shipped', 'delivered'].includes(o.state) && inP(o.paidAt, p)))
    for (const l of so.lines) add(`store|${localDay(so.paidAt!)}|${l.category}`, l.qty * l.unitPriceFen, so.id);
  return new Map([...rows].map(([k, v]) => [k, { count: v.orders?.size ? v.orders.size : v.count, amountFen: v.amountFen }]));
}

export function expectedCampaigns(s: Seeded, p: Period) {
  const chosen = s.campaigns.filter((c) => inP(c.startedAt, p));
  const attributed = new Map<number, number[]>();
  for (const o of s.orders) {
    const window = s.clicks.filter((k) => k.customerId === o.customerId && k.at <= o.createdAt && k.at.getTime() > o.createdAt.getTime() - 7 * 86_400_000);
    if (!window.length) continue;
    const last = window.reduce((a, b) => (b.at > a.at || (b.at.getTime() === a.at.getTime() && b.id > a.id) ? b : a));
    attributed.set(last.campaignId, [...(attributed.get(last.campaignId) ?? []), o.id]);
  }
  return chosen.map((c) => {
    const rec = s.recipients.filter((x) => x.campaignId === c.id);
    const clicks = s.clicks.filter((k) => k.campaignId === c.id);
    const orders = attributed.get(c.id) ?? [];
    const deposits = orders.map((id) => s.payments.filter((x) => x.orderId === id && x.status === 'applied')).filter((ps) => ps.length);
    return {
      campaignId: c.id,
      sent: rec.filter((x) => ['sent', 'blocked', 'failed'].includes(x.state)).length,
      delivered: rec.filter((x) => x.state === 'sent').length,
      blocked: rec.filter((x) => x.state === 'blocked').length,
      clickers: new Set(clicks.map((k) => k.customerId)).size,
      clicks: clicks.length,
      orders: orders.length,
      deposits: deposits.length,
      depositsFen: deposits.flat().reduce((a, x) => a + x.amountFen, 0),
    };
  });
}

export function expectedSupport(s: Seeded, p: Period, slaMinutes: number, now: Date) {
  const group = (rows: Seeded['conversations']) => {
    const fr = rows.filter((c) => c.firstReplyAt).map((c) => (c.firstReplyAt!.getTime() - c.openedAt.getTime()) / 1000);
    const closed = rows.filter((c) => c.status === 'closed');
    const res = closed.map((c) => (c.closedAt!.getTime() - c.openedAt.getTime()) / 1000);
    const rated = rows.filter((c) => c.rating !== null).map((c) => c.rating!);
    return {
      conversations: rows.length,
      firstReplyP50: percentileCont(fr, 0.5),
      firstReplyP90: percentileCont(fr, 0.9),
      closed: closed.length,
      resolutionP50: percentileCont(res, 0.5),
      resolutionAvg: res.length ? res.reduce((a, b) => a + b, 0) / res.length : null,
      ratings: [1, 2, 3, 4, 5].map((n) => rated.filter((x) => x === n).length),
      ratingAvg: rated.length ? rated.reduce((a, b) => a + b, 0) / rated.length : null,
      slaBreaches: rows.filter((c) => (c.firstReplyAt ?? now).getTime() > c.openedAt.getTime() + slaMinutes * 60_000).length,
    };
  };
  const inPeriod = s.conversations.filter((c) => inP(c.openedAt, p));
  return { total: group(inPeriod), agent: (id: number | null) => group(inPeriod.filter((c) => c.assignee === id)) };
}

export function expectedWaiting(s: Seeded, now: Date) {
  const waiting = ['awaiting_deposit', 'deposit_paid', 'vehicle_allocated', 'ready_for_delivery', 'delivery_scheduled', 'refund_requested'];
  return waiting.map((state) => {
    const ages = s.orders.filter((o) => o.state === state).map((o) => (now.getTime() - o.createdAt.getTime()) / 86_400_000);
    return {
      state,
      orders: ages.length,
      avgAgeDays: ages.length ? ages.reduce((a, b) => a + b, 0) / ages.length : null,
      maxAgeDays: ages.length ? Math.max(...ages) : null,
      upTo7: ages.filter((a) => a <= 7).length,
      upTo30: ages.filter((a) => a > 7 && a <= 30).length,
      over30: ages.filter((a) => a > 30).length,
    };
  });
}

/** Installations done per local week (Monday key), from the seeded rows. */
export function expectedInstalled(s: Seeded): Map<string, number> {
  const out = new Map<string, number>();
  for (const i of s.installations.filter((x) => x.state === 'installed')) {
    const local = new Date(i.installedAt!.getTime() + 8 * 3600_000);
    const monday = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() - ((local.getUTCDay() + 6) % 7)));
    const key = monday.toISOString().slice(0, 10);
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}
