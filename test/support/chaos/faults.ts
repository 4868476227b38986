/**
 * The faults of the chaos run (run.ts): kill -9 of an app process (its supervisor starts it again,
 * processes.ts), every Postgres connection cut (tcp-proxy.ts), Redis restarted (private-redis.ts),
 * and the Bot API stand-in answering 500 or 429 to the sends, edits and copies to some chats.
 *
 * Two plans. `random` (npm run chaos): one fault after another at random pauses, as long as the
 * customers play. `scripted` (the suite's short form, test/e2e/chaos.test.ts): each kind of fault
 * once per round, each fired when a customer reaches a chosen point of the journey (the Progress
 * events of customers.ts) — the Bot API fails as an invoice is asked for, a bot is killed just
 * after a deposit was paid, Redis restarts at a store checkout, Postgres drops out as a store
 * payment arrives — so that a short run with a few customers still hits the paths issue 10 is
 * about, whatever the machine's speed.
 */
import type { BotApiStandIn } from '../bot-api-stand-in.js';
import type { FaultSpec } from '../stand-in/faults.js';
import type { PrivateRedis } from '../private-redis.js';
import type { TcpProxy } from '../tcp-proxy.js';
import { sleep } from '../wait.js';
import type { Customers, Progress } from './customers.js';
import type { AppProcess } from './processes.js';

export type FaultPlan = 'random' | 'scripted';

export const SERVER_ERROR: FaultSpec = { code: 500, description: 'Internal Server Error' };
export const TOO_MANY_REQUESTS: FaultSpec = { code: 429, description: 'Too Many Requests: retry after 1', retryAfter: 1 };

export interface FaultCounts {
  kills: number;
  pg_cuts: number;
  redis_restarts: number;
  api_fault_windows: number;
}

/** The fault actions against one run's processes, proxy, Redis and stand-in, counted. */
export class Faults {
  readonly counts: FaultCounts = { kills: 0, pg_cuts: 0, redis_restarts: 0, api_fault_windows: 0 };
  /** Chats the stand-in fails right now (lifted by `liftApiFaults`). */
  private readonly failing = new Set<number>();

  constructor(
    private readonly api: BotApiStandIn,
    private readonly proxy: TcpProxy,
    private readonly redis: PrivateRedis,
    private readonly random: () => number,
    private readonly print: (line: string) => void,
  ) {}

  /** kill -9 (the supervisor starts it again); false when it was not running. */
  async kill(victim: AppProcess, why = ''): Promise<boolean> {
    if (!victim.running) return false;
    this.counts.kills++;
    this.print(`  kill -9 ${victim.name} (pid ${victim.pid})${why}`);
    await victim.kill9();
    return true;
  }

  /** Every Postgres connection cut, new ones refused, for `ms`; resolves when the cut is over. */
  async pgCut(ms: number, why = ''): Promise<void> {
    this.counts.pg_cuts++;
    this.print(`  Postgres cut for ${ms} ms (${this.proxy.open} connections)${why}`);
    this.proxy.cut(ms);
    await sleep(ms);
  }

  async redisRestart(why = ''): Promise<void> {
    this.counts.redis_restarts++;
    this.print(`  Redis restart${why}`);
    await this.redis.stop();
    await sleep(300 + this.random() * 1_000);
    await this.redis.start();
  }

  /** Every send, edit and copy to `chats` answers 500 or 429 (the message is not delivered) for `ms`. */
  async apiFaults(chats: number[], ms: number, why = ''): Promise<void> {
    this.counts.api_fault_windows++;
    this.print(`  Bot API answers 500/429 to ${chats.length} chats for ${ms} ms${why}`);
    for (const chat of chats) {
      this.api.failChat(chat, this.random() < 0.5 ? SERVER_ERROR : TOO_MANY_REQUESTS);
      this.failing.add(chat);
    }
    await sleep(ms);
    this.liftApiFaults();
  }

  /** The next sendInvoice, whatever its chat, answers 500: an order committed, its invoice not sent. */
  failNextInvoice(): void {
    this.api.failNext('sendInvoice', SERVER_ERROR);
  }

  liftApiFaults(): void {
    for (const chat of this.failing) this.api.failChat(chat, null);
    this.failing.clear();
  }
}

export interface PlanContext {
  faults: Faults;
  mode: 'webhook' | 'polling';
  processes: AppProcess[];
  customers: Customers;
  random: () => number;
  /** Average pause between two random faults. */
  faultEveryMs: number;
  /** False once the customers are done (or the run is torn down). */
  on: () => boolean;
  /** True once the run is torn down (the scripted plan stops then). */
  stopped: () => boolean;
}

/** One fault after another at random pauses (0.5–1.5 × `faultEveryMs`) while `on()`. */
export async function randomFaults(x: PlanContext): Promise<void> {
  const { faults, random } = x;
  while (x.on()) {
    await sleep(x.faultEveryMs * (0.5 + random()));
    if (!x.on()) break;
    const pick = Math.floor(random() * 4);
    if (pick === 0) await faults.kill(x.processes[Math.floor(random() * x.processes.length)]!);
    else if (pick === 1) await faults.pgCut(2_000 + Math.floor(random() * 3_000));
    else if (pick === 2) await faults.redisRestart();
    // A third of the round's chats.
    else
      await faults.apiFaults(
        x.customers.chatIds.filter(() => random() < 1 / 3),
        2_000 + Math.floor(random() * 3_000),
      );
  }
}

/**
 * Each kind of fault once (the polling round kills both its processes), in this order, each when a
 * customer next reaches its step — or `fallbackMs` after the one before, should nobody get there
 * (every customer already past it) — so every fault of the plan happens in every round. Runs to
 * its end even after the customers are done (then the faults hit a quiet app, which still has to
 * come back), unless the run is torn down.
 */
export async function scriptedFaults(x: PlanContext, fallbackMs = 8_000): Promise<void> {
  const { faults, customers, processes, random } = x;
  const bot = x.mode === 'webhook' ? processes[Math.floor(random() * processes.length)]! : processes.find((p) => p.name.startsWith('bot'))!;
  const worker = processes.find((p) => p.name === 'worker');
  const script: Array<{ step: string; fault: (why: string) => Promise<unknown> }> = [
    // As an invoice is asked for: the order is made, then sendInvoice fails (the next one for
    // sure, then every send to every chat of the round for a while).
    {
      step: 'confirm',
      fault: (why) => {
        faults.failNextInvoice();
        return faults.apiFaults(customers.chatIds, 2_000 + Math.floor(random() * 1_000), why);
      },
    },
    // Just after a successful_payment was sent: the process handling it may die mid-way.
    { step: 'deposit_payment', fault: (why) => faults.kill(bot, why) },
    ...(worker ? [{ step: 'add', fault: (why: string) => faults.kill(worker, why) }] : []),
    { step: 'checkout', fault: (why) => faults.redisRestart(why) },
    // A store payment arrives while Postgres is away.
    { step: 'store_payment', fault: (why) => faults.pgCut(2_000 + Math.floor(random() * 3_000), why) },
  ];
  for (const { step, fault } of script) {
    if (x.stopped()) return;
    const reached = await nextProgress(customers, (p) => p.step === step, fallbackMs);
    await fault(reached ? ` (chat ${reached.chatId} at ${step})` : ` (nobody reached ${step} within ${fallbackMs} ms)`);
  }
}

/** The next Progress passing `test`, or null after `ms`. */
function nextProgress(customers: Customers, test: (p: Progress) => boolean, ms: number): Promise<Progress | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(null);
    }, ms);
    const off = customers.onProgress((p) => {
      if (!test(p)) return;
      clearTimeout(timer);
      off();
      resolve(p);
    });
  });
}
