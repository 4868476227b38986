import { RateLimitError, UnrecoverableError, Worker, type ConnectionOptions, type Job, type Queue } from 'bullmq';
import type { Telegram } from 'telegraf';
import { groupFmt, mention } from '../../telegram/support-desk.js';
import { withSendBudget } from '../../telegram/budgeted-client.js';
import type { AppDeps } from '../../deps.js';
import { classifyTelegramError } from '../../shared/telegram-errors.js';
import { queueNames, type SupportRelayJob, type SupportSlaJob } from '../queues.js';
import { relayProcessor, type RelayOutcome } from '../support/relay-worker.js';

export type SupportSlaOutcome = 'posted' | 'skipped';

/** Jobs per second of the `support` queue (SLA reminders and relay drains); a 429 pauses it (queue.rateLimit). */
export const SUPPORT_JOBS_PER_S = 20;

const timeFormats = new Map<string, Intl.DateTimeFormat>();
const hhmm = (at: Date, timeZone: string): string => {
  let f = timeFormats.get(timeZone);
  if (!f) timeFormats.set(timeZone, (f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
  return f.format(at);
};

/**
 * SLA reminders in the support group. A job names a waiting spell; it posts only if that spell
 * is still running (no agent answered, not closed), so a job an agent's reply failed to remove,
 * or a re-run, does nothing. It mentions every agent when unassigned; else the assigned agent,
 * and at the second reminder (3×N) every other agent as well.
 */
export function createSupportWorker(
  deps: AppDeps,
  connection: ConnectionOptions,
  queue: Queue<SupportSlaJob>,
  opts: { telegram?: Telegram } = {},
): Worker<SupportSlaJob | SupportRelayJob, SupportSlaOutcome | RelayOutcome> {
  const telegram = withSendBudget(opts.telegram ?? deps.telegram, deps.budget, 'notice');
  // Relay jobs (name 'relay') copy messages Telegram would not take yet: src/jobs/support/relay-worker.ts.
  const relay = relayProcessor(deps, telegram, queue);
  return new Worker<SupportSlaJob | SupportRelayJob, SupportSlaOutcome | RelayOutcome>(
    queueNames.support,
    async (anyJob, token) => {
      if (anyJob.name === 'relay') return relay(anyJob as Job<SupportRelayJob>, token);
      const job = anyJob as Job<SupportSlaJob>;
      const { support, staff } = deps.services;
      const chatId = deps.config.supportChatId;
      const c = await support.byId(job.data.conversationId);
      if (!chatId || !c || c.status === 'closed' || !c.threadId || c.waitingSince?.getTime() !== job.data.waitingSince) return 'skipped';
      const f = groupFmt(deps);
      // The agents on the rota (the agent role), named even if they never opened the bot.
      const rota = (await staff.directory()).filter((e) => e.roles.includes('agent'));
      const claimed = await support.claimNames(rota.filter((e) => !e.name).map((e) => e.telegramId));
      const everyone = rota.map((e) => ({ id: e.telegramId, name: e.name ?? claimed.get(e.telegramId) ?? null }));
      let list = everyone;
      if (c.assigneeTelegramId) {
        // First the agent who holds it; at 3×N everyone else on the rota too.
        const holder = { id: c.assigneeTelegramId, name: c.assigneeName ?? (await support.nameOf(c.assigneeTelegramId)) };
        list = job.data.level >= 2 ? [holder, ...everyone.filter((a) => a.id !== holder.id)] : [holder];
      }
      const agents = list.length ? list.map((a) => mention(a.id, a.name)).join(' ') : f.t('support.group.sla_no_agents');
      const since = new Date(job.data.waitingSince);
      const minutes = Math.max(1, Math.round((deps.now().getTime() - since.getTime()) / 60_000));
      try {
        await telegram.sendMessage(chatId, f.t('support.group.sla', { since: hhmm(since, deps.config.timeZone), minutes, agents }), {
          message_thread_id: c.threadId,
          parse_mode: 'HTML',
        });
      } catch (err) {
        const failure = classifyTelegramError(err);
        if (failure.kind === 'bad_request' || failure.kind === 'blocked') throw new UnrecoverableError(`SLA reminder refused: ${String(err)}`);
        if (failure.kind === 'rate_limited') {
          // The group's limit: the whole queue waits (relays too), this job goes back unspent.
          await queue.rateLimit(failure.retryAfterS * 1000);
          throw new RateLimitError();
        }
        throw err;
      }
      deps.logger.info({ job: job.id, conversation: c.id, level: job.data.level }, 'support SLA reminder posted');
      return 'posted';
    },
    { connection, prefix: deps.config.queuePrefix, concurrency: 5, limiter: { max: SUPPORT_JOBS_PER_S, duration: 1000 } },
  );
}
