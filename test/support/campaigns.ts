import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type postgres from 'postgres';
import type { CampaignSegment } from '../../src/db/schema/campaigns.js';
import { CampaignRepository, type VariantDraft } from '../../src/domain/campaigns/repository.js';
import type { Db } from '../../src/db/client.js';
import { campaignQueue, jobIds } from '../../src/jobs/campaign-jobs.js';
import type { TestChat } from './chat.js';
import { nodeArgsFor } from './compiled.js';
import { dbEnv, redisEnv, type TestDb } from './db.js';
import { TEST_TOKEN, type Harness } from './harness.js';
import { waitFor } from './wait.js';

/** Inserts `count` customers from telegram id `firstId` on, consenting unless told otherwise; returns their telegram ids. */
export async function seedCustomers(
  sql: postgres.Sql,
  firstId: number,
  count: number,
  opts: { consent?: boolean | null; language?: 'en' | 'zh-CN'; blocked?: boolean; source?: string; activeDaysAgo?: number } = {},
): Promise<number[]> {
  const consent = opts.consent === undefined ? true : opts.consent;
  await sql`
    insert into customers (telegram_id, first_name, language, marketing_consent, blocked, source, last_active_at)
    select ${firstId} + g, 'Cust', ${opts.language ?? 'zh-CN'}, ${consent}, ${opts.blocked ?? false}, ${opts.source ?? null},
           now() - make_interval(days => ${opts.activeDaysAgo ?? 0})
    from generate_series(0, ${count - 1}::int) g`;
  return Array.from({ length: count }, (_, i) => firstId + i);
}

export const textVariant = (locale: 'en' | 'zh-CN', text: string, buttons: VariantDraft['buttons'] = []): VariantDraft => ({
  locale,
  kind: 'text',
  text,
  fileId: null,
  entities: [],
  buttons,
});

/** A confirmed campaign (as the composer's Confirm makes one) and its start job queued now. */
export async function launchCampaign(h: Harness, opts: { createdBy: number; segment?: CampaignSegment; variants?: VariantDraft[] }): Promise<number> {
  const repo = new CampaignRepository(h.app.deps.db);
  const id = await repo.create({
    createdBy: opts.createdBy,
    segment: opts.segment ?? {},
    defaultLocale: 'zh-CN',
    scheduledAt: new Date(),
    variants: opts.variants ?? [textVariant('zh-CN', '新品上市'), textVariant('en', 'New arrivals')],
  });
  await campaignQueue(h.app.deps.redis, h.config.queuePrefix).add('start', { kind: 'start', campaignId: id }, { jobId: jobIds.start(id) });
  return id;
}

export async function waitForStatus(db: Db, id: number, statuses: string[], timeoutMs = 30_000): Promise<string> {
  const repo = new CampaignRepository(db);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await repo.status(id);
    if (s && statuses.includes(s.status)) return s.status;
    if (Date.now() > until) throw new Error(`campaign ${id} still ${s?.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** How many recipients of campaign `id` are in `state`. */
export async function recipientCount(sql: postgres.Sql, id: number, state: string): Promise<number> {
  return Number((await sql<[{ n: string }]>`select count(*) as n from campaign_recipients where campaign_id = ${id} and state = ${state}`)[0].n);
}

/**
 * After a pause or cancel: waits until no delivery job of campaign `id` runs and none of its
 * recipients is being sent, so the sends that were on the wire at the press have landed (a job
 * stops at its next status check: runBatch in src/jobs/workers/campaigns.worker.ts).
 */
export async function sendsSettled(h: Harness, id: number): Promise<void> {
  const queue = campaignQueue(h.app.deps.redis, h.config.queuePrefix);
  await waitFor(`campaign ${id}: the sends on the wire to land`, async () => {
    const running = (await queue.getJobs(['active'])).filter((j) => j?.data.kind === 'batch' && j.data.campaignId === id);
    return running.length === 0 && (await recipientCount(h.db.sql, id, 'sending')) === 0;
  });
}

/**
 * In marketer `m`'s chat: /campaign in English to everyone who agreed, `content` sending the
 * message itself, no buttons, sent now and confirmed; resolves with the new campaign's id.
 */
export async function composeAndSend(m: TestChat, content: () => Promise<unknown>): Promise<number> {
  await m.text('/campaign');
  await m.tap('English');
  await content();
  await m.tap('No buttons');
  await m.tap('Skip');
  await m.tap('Next');
  await m.tap('Send now');
  await m.tap('Confirm');
  const [row] = await m.h.db.sql<[{ id: number }]>`select id from campaigns order by id desc limit 1`;
  return row.id;
}

export async function recipientStates(sql: postgres.Sql, id: number): Promise<Map<number, { state: string; attempts: number; error: string | null }>> {
  const rows = await sql<Array<{ chat_id: string; state: string; attempts: number; error: string | null }>>`
    select chat_id, state, attempts, error from campaign_recipients where campaign_id = ${id}`;
  return new Map(rows.map((r) => [Number(r.chat_id), { state: r.state, attempts: r.attempts, error: r.error }]));
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The environment of a worker process (spawnCampaignWorker) on `db` and the queue `prefix`, talking to the Bot API at `apiRoot`. */
export const workerEnv = (apiRoot: string, db: TestDb, prefix: string, more: Record<string, string> = {}): Record<string, string> => ({
  BOT_TOKEN: TEST_TOKEN,
  TELEGRAM_API_ROOT: apiRoot,
  DATABASE_URL: db.url,
  ...dbEnv(),
  ...redisEnv(),
  APP_ROLE: 'worker',
  PORT: '0',
  QUEUE_PREFIX: prefix,
  LOG_LEVEL: 'warn',
  ...more,
});

/**
 * Starts test/support/campaigns-worker.ts (compiled, see test/support/compiled.ts) in its own
 * process with `env` only (plus PATH and HOME); `ready` resolves once it runs. `cleanups` gets a
 * SIGKILL for it, in case the test does not stop it.
 */
export function spawnCampaignWorker(env: Record<string, string>, cleanups: Array<() => Promise<unknown>>): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, nodeArgsFor('test/support/campaigns-worker.ts'), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready: ${err}`)));
  });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
  });
  return { child, ready };
}
