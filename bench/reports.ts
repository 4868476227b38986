/**
 * `npm run bench -- reports`: every manager report against a database of `--orders` (1,000,000)
 * car orders with their payments and state changes, funnel steps, store orders, campaigns with
 * recipients and clicks, support conversations and installations, all made with generate_series
 * in SQL. Each report's one query is timed over today, 7 days, 30 days and a year (`--runs`
 * runs each, the median and the slowest printed). Goal: each under 2 s. The last line is one JSON object.
 */
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { loadConfig } from '../src/config.js';
import { createDeps } from '../src/deps.js';
import { presetPeriod, rangePeriod, type Period } from '../src/domain/reports/period.js';
import { reportKinds } from '../src/domain/reports/service.js';
import { localDateKey } from '../src/shared/time.js';
import type { BenchArgs } from './support/args.js';
import { BENCH_TOKEN, createBenchDb, machine } from './support/env.js';

export const description = 'manager reports over 1,000,000 orders: each report query timed per period (goal < 2 s)';

const HELP = `npm run bench -- reports [options]
  --orders N      car orders (default 1000000); customers, payments, clicks… scale with it
  --runs N        runs of each report and period (default 3)
  --keep          keep the database (prints its URL)
  --db URL        time the reports on a database kept by an earlier --keep run (no seeding)`;

const TZ = 'Asia/Shanghai';

async function fill(url: string, orders: number): Promise<Record<string, number>> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const customers = Math.max(1000, Math.floor(orders / 5));
  const started = performance.now();
  try {
    await sql`insert into customers (telegram_id, first_name, language) select 5000000000 + g, 'B' || g, case when g % 3 = 0 then 'en' else 'zh-CN' end from generate_series(1, ${customers}) g`;
    const [{ min: c0 } = { min: 0 }] = await sql<Array<{ min: number }>>`select min(id) as min from customers`;
    // Orders spread over the last 365 days (g-th order about 31 s × (1,000,000 / orders) apart).
    await sql`
      insert into orders (customer_id, model_id, snapshot, total_fen, deposit_fen, state, contact_name, phone, city, created_at, updated_at)
      select ${c0} + (g % ${customers}),
        (array['model-3','model-y','model-s','model-x'])[1 + g % 4], '{}'::jsonb, 30000000,
        case when g % 4 >= 2 then 800000 else 100000 end,
        -- Orders of the last 60 days are anywhere in the lifecycle; older ones are mostly closed
        -- (delivered, cancelled, expired, refunded), a few still waiting, as a real history would be.
        case when g < ${orders} * 60 / 365 or g % 50 = 0
          then (array['awaiting_deposit','deposit_paid','deposit_paid','vehicle_allocated','ready_for_delivery','delivery_scheduled','delivered','delivered','cancelled','refund_requested'])[1 + (g * 7) % 10]
          else (array['delivered','delivered','delivered','delivered','delivered','delivered','cancelled','expired','refunded','delivered'])[1 + (g * 7) % 10] end,
        'Bench', '13800138000', (array['shanghai','beijing','shenzhen','guangzhou','hangzhou','chengdu'])[1 + (g / 7) % 6],
        now() - (g::double precision / ${orders}) * interval '365 days', now() - (g::double precision / ${orders}) * interval '365 days'
      from generate_series(1, ${orders}) g`;
    await sql`
      insert into payments (order_id, telegram_payment_charge_id, provider_payment_charge_id, amount_fen, currency, payer_telegram_id, status, created_at)
      select o.id, 'b' || o.id, 'p' || o.id, o.deposit_fen, 'CNY', 1, case when o.state = 'refund_requested' then 'refunded' else 'applied' end, o.created_at + interval '1 hour'
      from orders o where o.state not in ('awaiting_deposit', 'cancelled')`;
    await sql`
      insert into order_events (order_id, subject, from_state, to_state, actor, created_at)
      select o.id, 'order', 'deposit_paid', 'vehicle_allocated', 'system', o.created_at + interval '5 days'
      from orders o where o.state in ('vehicle_allocated', 'ready_for_delivery', 'delivery_scheduled', 'delivered')
      union all
      select o.id, 'order', 'delivery_scheduled', 'delivered', 'system', o.created_at + interval '20 days' from orders o where o.state = 'delivered'`;
    await sql`
      insert into funnel_events (customer_id, model_id, stage, day, at)
      select ${c0} + (g % ${customers}), (array['model-3','model-y','model-s','model-x'])[1 + g % 4], case when g % 3 = 0 then 'configured' else 'started' end,
        ((now() - (g::double precision / ${orders}) * interval '365 days') at time zone ${TZ})::date, now() - (g::double precision / ${orders}) * interval '365 days'
      from generate_series(1, ${orders}) g on conflict do nothing`;
    const storeOrders = Math.floor(orders / 5);
    await sql`
      insert into store_orders (customer_id, state, goods_fen, paid_at)
      select ${c0} + (g % ${customers}), (array['paid','shipped','delivered','refunded'])[1 + g % 4], 25000, now() - (g::double precision / ${storeOrders}) * interval '365 days'
      from generate_series(1, ${storeOrders}) g`;
    await sql`
      insert into store_order_lines (order_id, variant_id, name, qty, unit_price_fen)
      select so.id, v.id, '{}'::jsonb, 1, v.price_fen
      from store_orders so cross join lateral (select id, price_fen from store_variants order by id offset so.id % 10 limit 1) v`;
    // 20 campaigns over the last 60 days, each to 5% of the customers; a fifth of those click.
    await sql`insert into campaigns (created_by, status, default_locale, started_at) select 1, 'done', 'zh-CN', now() - g * interval '3 days' from generate_series(0, 19) g`;
    await sql`insert into campaign_variants (campaign_id, locale, kind, text) select id, 'zh-CN', 'text', '双十二限时优惠 #' || id from campaigns`;
    await sql`
      insert into campaign_recipients (campaign_id, customer_id, chat_id, locale, batch, state)
      select c.id, ${c0} + g, 5000000000 + g, 'zh-CN', 0, (array['sent','sent','sent','blocked','failed'])[1 + g % 5]
      from campaigns c cross join generate_series(0, ${customers} - 1) g where (g + c.id) % 20 = 0`;
    await sql`
      insert into campaign_clicks (campaign_id, customer_id, button, clicked_at)
      select r.campaign_id, r.customer_id, 0, c.started_at + interval '2 hours' from campaign_recipients r join campaigns c on c.id = r.campaign_id
      where r.state = 'sent' and (r.customer_id / 20) % 5 = 0`;
    const conversations = Math.floor(orders / 10);
    await sql`
      insert into support_conversations (customer_id, status, assignee_telegram_id, assignee_name, opened_at, first_agent_reply_at, closed_at, rating)
      select ${c0} + g % ${customers}, 'closed', 77000 + g % 8, 'Agent ' || g % 8, t, t + (g % 900) * interval '1 second', t + (g % 7200) * interval '1 second', 1 + g % 5
      from (select g, now() - (g::double precision / ${conversations}) * interval '365 days' as t from generate_series(1, ${conversations}) g) x`;
    await sql`
      insert into installations (order_id, state, address, parking, installed_at)
      select o.id, 'installed', 'addr', 'garage', o.created_at + interval '25 days' from orders o where o.state = 'delivered' and o.id % 3 = 0`;
    // A live database's autovacuum keeps the visibility map current, which the reports' index-only
    // scans rely on; a table loaded a moment ago has not been vacuumed yet, so do it here.
    await sql`vacuum analyze`;
    const counts = await sql<Array<{ t: string; n: string }>>`
      select 'orders' as t, count(*) as n from orders union all select 'payments', count(*) from payments union all select 'order_events', count(*) from order_events
      union all select 'funnel_events', count(*) from funnel_events union all select 'store_orders', count(*) from store_orders
      union all select 'campaign_recipients', count(*) from campaign_recipients union all select 'campaign_clicks', count(*) from campaign_clicks
      union all select 'support_conversations', count(*) from support_conversations union all select 'installations', count(*) from installations`;
    return { ...Object.fromEntries(counts.map((c) => [c.t, Number(c.n)])), seed_s: Math.round((performance.now() - started) / 100) / 10 };
  } finally {
    await sql.end();
  }
}

export async function run(args: BenchArgs): Promise<void> {
  if (args.flag('help')) {
    console.log(HELP);
    return;
  }
  const orders = args.number('orders', 1_000_000);
  const runs = args.number('runs', 3);
  const m = machine();
  console.log(`bench reports: ${m.cores} cores (${m.cpu}), node ${m.node}, load average ${m.load1}, ${orders} orders`);
  const reuse = args.string('db', '');
  const db = reuse ? { url: reuse, drop: () => Promise.resolve() } : await createBenchDb(TZ);
  try {
    const rows = reuse ? { reused: 1 } : await fill(db.url, orders);
    console.log(`seeded: ${JSON.stringify(rows)}`);
    const deps = createDeps(loadConfig({ BOT_TOKEN: BENCH_TOKEN, DATABASE_URL: db.url, TZ_BUSINESS: TZ }), { dbMax: 2 });
    const now = new Date();
    const year = rangePeriod(localDateKey(new Date(now.getTime() - 364 * 86_400_000), TZ), localDateKey(now, TZ), TZ);
    const periods: Array<[string, Period]> = [
      ['today', presetPeriod('today', now, TZ)],
      ['7d', presetPeriod('7d', now, TZ)],
      ['30d', presetPeriod('30d', now, TZ)],
      ['365d', year],
    ];
    const results: Record<string, Record<string, { p50_ms: number; max_ms: number }>> = {};
    let slowest = 0;
    try {
      for (const kind of reportKinds) {
        results[kind] = {};
        for (const [name, period] of periods) {
          const times: number[] = [];
          for (let i = 0; i < runs; i++) {
            const t0 = performance.now();
            await deps.services.reports.run(kind, period);
            times.push(performance.now() - t0);
          }
          times.sort((a, b) => a - b);
          const r = { p50_ms: Math.round(times[Math.floor(times.length / 2)]!), max_ms: Math.round(times.at(-1)!) };
          results[kind][name] = r;
          slowest = Math.max(slowest, r.max_ms);
          console.log(`${kind.padEnd(10)} ${name.padEnd(5)} p50 ${String(r.p50_ms).padStart(5)} ms  max ${String(r.max_ms).padStart(5)} ms`);
        }
      }
    } finally {
      await deps.close();
    }
    console.log(JSON.stringify({ bench: 'reports', orders, runs, rows, slowest_ms: slowest, under_2s: slowest < 2000, results, machine: machine() }));
  } finally {
    if (args.flag('keep')) console.log(`kept database: ${db.url}`);
    else await db.drop();
  }
}
