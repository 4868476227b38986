/**
 * Reminders that come due while no worker runs fire once a worker is back, and a restart after
 * they fired does not send them again. The app clock is set just before a booked slot's 24-hour
 * reminder, so real reminders (queued by real bookings) come due within seconds.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { Customer, Slot } from '../../src/db/schema/index.js';
import type { BotApiStandIn } from '../support/bot-api-stand-in.js';
import { REDIS_URL, type TestDb } from '../support/db.js';
import { sentTo, startReminderBed, startWorker, stopReminderBed, TestClock, testConfig, uniquePrefix, type Producer } from '../support/reminders.js';
import { sleep } from '../support/wait.js';
import { futureSlots, paidOrder, readyForDelivery } from './helpers.js';

const CENTRES = ['bj-yizhuang', 'sh-lingang', 'gz-panyu', 'sz-nanshan', 'hz-xiaoshan', 'cd-gaoxin'];
const DAY = 86_400_000;

let t: TestDb;
let api: BotApiStandIn;
let p: Producer;
let worker: App | null = null;
const prefix = uniquePrefix();
const clock = new TestClock();

beforeAll(async () => {
  ({ t, api, p, worker } = await startReminderBed(prefix, clock, { worker: false }));
});

afterAll(async () => {
  await stopReminderBed({ worker, p, api, t }, prefix);
});

/** The same 14:00 delivery slot (two days out or more) at every centre. */
async function sameTimeSlots(): Promise<Slot[]> {
  const [first] = (await futureSlots(t.db, 'delivery', CENTRES[0]!, new Date(Date.now() + 2 * DAY))).filter(
    (s) => new Date(s.startsAt.getTime() + 8 * 3_600_000).getUTCHours() === 14,
  );
  const all = await Promise.all(
    CENTRES.map(async (c) => (await futureSlots(t.db, 'delivery', c, new Date(first!.startsAt.getTime() - 1))).find((s) => s.startsAt.getTime() === first!.startsAt.getTime())),
  );
  return all.map((s) => s!);
}

/** Books each slot for a new paid order whose car is ready; their 24-hour reminders are due at `startsAt - 24 h`. */
async function bookAll(slotsToBook: Slot[]): Promise<Customer[]> {
  const out: Customer[] = [];
  for (const slot of slotsToBook) {
    const { customer, order } = await paidOrder(p.services);
    // Delivery reminders are sent for a ready car only; made ready quietly, so that no ready notice is sent as well.
    await readyForDelivery(p.quiet, order.id);
    await p.services.bookings.book({ orderId: order.id, kind: 'delivery', slotId: slot.id, centreId: slot.centreId, method: 'pickup' });
    out.push(customer);
  }
  return out;
}

it('reminders due while the worker is down fire once when it is back, and not again after another restart', async () => {
  const slotsToBook = await sameTimeSlots();
  expect(slotsToBook).toHaveLength(CENTRES.length);
  const dueAt = slotsToBook[0]!.startsAt.getTime() - DAY;
  // The app clock reads 6 s before the 24-hour reminders (13:59:54 in Shanghai: no quiet hours).
  clock.set(new Date(dueAt - 6_000));

  const config = testConfig(t, REDIS_URL, prefix, api);
  worker = await startWorker(config, clock);
  const chats = await bookAll(slotsToBook);
  const queued = (await p.queue.getDelayed(0, -1)).filter((j) => j.data.kind === 'delivery' && j.data.step === 't24h');
  expect(queued).toHaveLength(CENTRES.length);

  // The worker goes away before they are due…
  await worker.stop();
  worker = null;
  expect(clock.now().getTime(), 'the set-up took longer than the lead time').toBeLessThan(dueAt);
  // Time passes with no worker, until they are overdue: that is the case under test.
  await sleep(Math.max(0, dueAt - clock.now().getTime()) + 1_000);
  for (const c of chats) expect(sentTo(api, c.telegramId), 'nothing while down').toHaveLength(0);

  // …and a new one sends each of them once.
  const since = api.calls.length;
  worker = await startWorker(config, clock);
  await api.waitFor('sendMessage', { count: CENTRES.length, since, timeoutMs: 10_000 });
  for (const c of chats) expect(sentTo(api, c.telegramId)).toHaveLength(1);
  const sent = sentTo(api, chats[0]!.telegramId)[0]!;
  // Sent after the due time, never before it.
  expect(sent.at + clock.offsetMs).toBeGreaterThanOrEqual(dueAt);

  // Restarting once more does not repeat them.
  await worker.stop();
  worker = await startWorker(config, clock);
  await sleep(1_500); // proving a negative: nothing is sent again in this time
  for (const c of chats) expect(sentTo(api, c.telegramId)).toHaveLength(1);
  // The 2-hour reminders are still waiting for their time.
  const later = (await p.queue.getDelayed(0, -1)).filter((j) => j.data.kind === 'delivery' && j.data.step === 't2h');
  expect(later).toHaveLength(CENTRES.length);
});
