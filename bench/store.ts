/**
 * `npm run bench -- store`: a flash sale through the real app (APP_ROLE=bot, webhook mode, its own
 * process, real Postgres and Redis) and the Bot API stand-in. `--customers` (200) customers each
 * have a checked-out order for one unit of a variant with `--stock` (10) units; their
 * pre_checkout_query updates arrive `--concurrency` (50) at a time. Measured: the time from the
 * webhook POST to its answer (answerPreCheckoutQuery is called inside it), and whether exactly
 * `stock` customers were let through. The last line is one JSON object.
 */
import { performance } from 'node:perf_hooks';
import { eq } from 'drizzle-orm';
import type { Update } from 'telegraf/types';
import { loadConfig } from '../src/config.js';
import { storeVariants } from '../src/db/schema/index.js';
import { createDeps } from '../src/deps.js';
import { storePayload } from '../src/domain/store/rules.js';
import { preCheckoutWithShippingUpdate, SAMPLE_ORDER_INFO, userFor, withId } from '../test/support/updates.js';
import type { BenchArgs } from './support/args.js';
import { BENCH_TOKEN, machine, startBenchApp } from './support/env.js';
import { Latencies, round } from './support/stats.js';

export const description = 'store flash sale: concurrent pre-checkouts for the last units (answer latency p50/p99, exactly `stock` sold)';

const HELP = `npm run bench -- store [options]
  --customers N    customers racing (default 200)
  --stock N        units on the shelf (default 10)
  --concurrency N  pre-checkouts in flight at once (default 50)`;

const VARIANT = 'cap-wht';

export async function run(args: BenchArgs): Promise<void> {
  if (args.flag('help')) {
    console.log(HELP);
    return;
  }
  const customerCount = args.number('customers', 200);
  const stock = args.number('stock', 10);
  const concurrency = args.number('concurrency', 50);
  const m = machine();
  console.log(`bench store: ${m.cores} cores (${m.cpu}), node ${m.node}, load average ${m.load1}`);
  const app = await startBenchApp();
  const onSignal = () => void app.stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // The benchmark's own view of the app's database and queues, built as the app builds its own.
  const deps = createDeps(loadConfig({ BOT_TOKEN: BENCH_TOKEN, DATABASE_URL: app.db.url, QUEUE_PREFIX: app.prefix }), { dbMax: 4 });
  const handle = { db: deps.db, close: () => deps.close() };
  try {
    const s = deps.services;
    // Everyone has the cap in the cart and an invoice for it (stock is high while they check out).
    await handle.db.update(storeVariants).set({ stock: customerCount, held: 0 }).where(eq(storeVariants.id, VARIANT));
    const updates: Update[] = [];
    for (let i = 0; i < customerCount; i++) {
      const user = userFor(8_900_000_000 + i, { languageCode: i % 2 ? 'en' : 'zh-hans', firstName: `Buyer${i}` });
      const customer = await s.customers.touch(user);
      await s.store.add(customer.id, VARIANT);
      const { order } = await s.storeCheckout.place(customer.id);
      updates.push(
        withId(
          preCheckoutWithShippingUpdate(user, {
            payload: storePayload(order.id),
            currency: 'CNY',
            totalAmount: order.goodsFen + 1_500,
            shippingOptionId: 'standard',
            orderInfo: SAMPLE_ORDER_INFO,
          }),
        ),
      );
    }
    // Then the shelf drops to the last units, and the sale starts.
    await handle.db.update(storeVariants).set({ stock, held: 0 }).where(eq(storeVariants.id, VARIANT));
    const latencies = new Latencies();
    const started = performance.now();
    let next = 0;
    const lane = async () => {
      while (next < updates.length) {
        const update = updates[next++]!;
        const t0 = performance.now();
        const res = await app.api.deliverWebhook(update);
        if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
        latencies.add(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, updates.length) }, lane));
    const seconds = (performance.now() - started) / 1000;
    const answers = app.api.callsTo('answerPreCheckoutQuery');
    const approved = answers.filter((c) => c.params.ok === true || c.params.ok === 'true').length;
    const [row] = await handle.db.select().from(storeVariants).where(eq(storeVariants.id, VARIANT));
    const l = latencies.summary();
    console.log(`answers: ${answers.length}, approved ${approved} of ${stock} units; held ${row!.held}, stock ${row!.stock}`);
    console.log(`pre-checkout answer: p50 ${round(l.p50, 2)} ms, p90 ${round(l.p90, 2)} ms, p99 ${round(l.p99, 2)} ms, max ${round(l.max, 2)} ms`);
    console.log(
      JSON.stringify({
        bench: 'store',
        customers: customerCount,
        stock,
        concurrency,
        approved,
        refused: answers.length - approved,
        held: row!.held,
        oversold: Math.max(0, approved - stock),
        pre_checkout_p50_ms: round(l.p50, 2),
        pre_checkout_p99_ms: round(l.p99, 2),
        pre_checkouts_per_s: round(customerCount / seconds, 1),
      }),
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await handle.close();
    await app.stop();
  }
}
