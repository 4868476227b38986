/**
 * `npm run bench -- handoff`: the support handoff's two hops through the Bot API stand-in, with
 * the real app (APP_ROLE=bot, webhook mode, its own process, real Postgres and Redis):
 *
 *   customer → topic: a customer's message in a handoff, delivered by webhook, until the stand-in
 *                     receives its copyMessage into the customer's forum topic;
 *   agent → customer: an agent's message in a topic until the copyMessage to the customer.
 *
 * `--customers` (20) customers each open a handoff (/support); an agent claims each; then
 * `--count` (500) messages per direction are sent one at a time, round-robin over the customers.
 * The last line is one JSON object.
 */
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import type { Update, User } from 'telegraf/types';
import type { RecordedCall } from '../test/support/bot-api-stand-in.js';
import { groupTextUpdate, textUpdate, userFor, withId } from '../test/support/updates.js';
import type { BenchArgs } from './support/args.js';
import { machine, startBenchApp, type BenchApp } from './support/env.js';
import { Latencies, round } from './support/stats.js';

export const description = 'support handoff: customer message → copy in the topic, agent reply → copy to the customer (p50/p99)';

const HELP = `npm run bench -- handoff [options]
  --customers N   customers in a handoff (default 20)
  --count N       messages per direction (default 500)
  --warmup N      unmeasured round trips first (default 50)`;

const GROUP = -1009999000001;
const AGENT = 8_800_000_001;

/** Resolves when the stand-in has recorded a call that `match` accepts; the time it was recorded. */
class CallWatch {
  private waiting: Array<{ match: (c: RecordedCall) => boolean; resolve: (at: number) => void }> = [];
  constructor(app: BenchApp) {
    app.api.onCall((call) => {
      const at = performance.now();
      for (const w of [...this.waiting]) {
        if (w.match(call)) {
          this.waiting.splice(this.waiting.indexOf(w), 1);
          w.resolve(at);
        }
      }
    });
  }
  next(match: (c: RecordedCall) => boolean, timeoutMs = 10_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a copyMessage')), timeoutMs);
      this.waiting.push({ match, resolve: (at) => (clearTimeout(timer), resolve(at)) });
    });
  }
}

export async function run(args: BenchArgs): Promise<void> {
  if (args.flag('help')) {
    console.log(HELP);
    return;
  }
  const customerCount = args.number('customers', 20);
  const count = args.number('count', 500);
  const warmup = args.number('warmup', 50);
  const m = machine();
  console.log(`bench handoff: ${m.cores} cores (${m.cpu}), node ${m.node}, load average ${m.load1}`);
  const app = await startBenchApp({ env: { SUPPORT_CHAT_ID: String(GROUP), SUPPORT_HOURS: '00:00-24:00', SUPPORT_SLA_MINUTES: '60' } });
  const onSignal = () => void app.stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const sql = postgres(app.db.url, { max: 1, onnotice: () => {} });
    await sql`insert into staff (telegram_id, role, added_by) values (${AGENT}, 'agent', 'bench')`;
    await sql.end();
    const watch = new CallWatch(app);
    const deliver = async (update: Update) => {
      const res = await app.api.deliverWebhook(update);
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
    };
    const agent = userFor(AGENT, { firstName: 'Agent' });

    // Set-up: every customer asks for a person; their topic's thread id from createForumTopic.
    const customers: Array<{ user: User; thread: number }> = [];
    for (let i = 0; i < customerCount; i++) {
      const user = userFor(8_810_000_000 + i, { languageCode: i % 2 ? 'en' : 'zh-hans', firstName: `Bench${i}` });
      const created = watch.next((c) => c.method === 'createForumTopic');
      await deliver(withId(textUpdate(user, '/support')));
      await created;
      const call = app.api.callsTo('createForumTopic').at(-1)!;
      customers.push({ user, thread: (call.response as { result: { message_thread_id: number } }).result.message_thread_id });
    }

    /** One customer message until its copy reaches the topic. */
    const customerHop = async (i: number): Promise<number> => {
      const { user } = customers[i % customers.length]!;
      const update = withId(textUpdate(user, `question ${i}`)) as Update.MessageUpdate;
      const id = update.message.message_id;
      const copied = watch.next(
        (c) => c.method === 'copyMessage' && String(c.params.chat_id) === String(GROUP) && Number(c.params.message_id) === id && String(c.params.from_chat_id) === String(user.id),
      );
      const t0 = performance.now();
      await deliver(update);
      return (await copied) - t0;
    };
    /** One agent message in a topic until its copy reaches the customer. */
    const agentHop = async (i: number): Promise<number> => {
      const { user, thread } = customers[i % customers.length]!;
      const update = withId(groupTextUpdate(agent, GROUP, `answer ${i}`, { messageThreadId: thread })) as Update.MessageUpdate;
      const id = update.message.message_id;
      const copied = watch.next((c) => c.method === 'copyMessage' && String(c.params.chat_id) === String(user.id) && Number(c.params.message_id) === id);
      const t0 = performance.now();
      await deliver(update);
      return (await copied) - t0;
    };

    for (let i = 0; i < Math.max(warmup, customers.length); i++) {
      await customerHop(i);
      await agentHop(i); // the first reply per customer claims the conversation
    }
    const inbound = new Latencies();
    const outbound = new Latencies();
    for (let i = 0; i < count; i++) inbound.add(await customerHop(i));
    for (let i = 0; i < count; i++) outbound.add(await agentHop(i));
    const a = inbound.summary();
    const b = outbound.summary();
    console.log(`customer → topic:   p50 ${round(a.p50, 2)} ms, p90 ${round(a.p90, 2)} ms, p99 ${round(a.p99, 2)} ms, max ${round(a.max, 2)} ms (${a.count})`);
    console.log(`agent → customer:   p50 ${round(b.p50, 2)} ms, p90 ${round(b.p90, 2)} ms, p99 ${round(b.p99, 2)} ms, max ${round(b.max, 2)} ms (${b.count})`);
    console.log(
      JSON.stringify({
        bench: 'handoff',
        customers: customers.length,
        count,
        customer_to_topic_p50_ms: round(a.p50, 2),
        customer_to_topic_p99_ms: round(a.p99, 2),
        agent_to_customer_p50_ms: round(b.p50, 2),
        agent_to_customer_p99_ms: round(b.p99, 2),
      }),
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await app.stop();
  }
}
