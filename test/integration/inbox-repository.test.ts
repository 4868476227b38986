/**
 * InboxRepository against the real Postgres: the paths the ops CLI (list/show/retry/drop/prune)
 * and the consumer (claim order, backoff, parking) rely on; the poller and the consumer on top of it.
 */
import type { Telegram } from 'telegraf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboxConsumer } from '../../src/bot/inbox-consumer.js';
import { fatalMessage, Poller, PollingFatalError } from '../../src/bot/poller.js';
import { InboxRepository, type RawUpdate } from '../../src/domain/inbox/index.js';
import { storableJson } from '../../src/domain/inbox/repository.js';
import { createLogger } from '../../src/logger.js';
import { createTestDb, type TestDb } from '../support/db.js';

let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.drop();
});

// Ids far apart per test (and per run) so no test sees another's rows.
let nextId = 500_000_000 + Math.floor(Math.random() * 1_000) * 10_000;
const id = (): number => ++nextId;
let nextChat = 800_000_000 + Math.floor(Math.random() * 1_000_000) * 100;
const chat = (): number => ++nextChat;

const message = (updateId: number, chatId: number, text = 'hi'): RawUpdate => ({
  update_id: updateId,
  message: { message_id: updateId, date: 1_700_000_000, chat: { id: chatId, type: 'private' }, from: { id: chatId, is_bot: false, first_name: 'W' }, text },
});
const preCheckout = (updateId: number, userId: number): RawUpdate => ({
  update_id: updateId,
  pre_checkout_query: { id: `q${updateId}`, from: { id: userId, is_bot: false, first_name: 'W' }, currency: 'CNY', total_amount: 100, invoice_payload: 'p' },
});

const repo = (o: { owner?: string; maxAttempts?: number; leaseMs?: number; retryBaseMs?: number } = {}) =>
  new InboxRepository({
    sql: t.db.$client,
    owner: o.owner ?? 'test-a',
    leaseMs: o.leaseMs ?? 30_000,
    maxAttempts: o.maxAttempts ?? 3,
    retryBaseMs: o.retryBaseMs,
  });

/** Makes a waiting row due now (instead of sleeping through its backoff). */
const makeDue = async (updateId: number) => {
  await t.db.$client`update inbox_updates set not_before = now() where update_id = ${updateId}`;
};
/** Seconds from the database's now to the row's not_before. */
const waitOf = async (updateId: number): Promise<number> => {
  const [r] = await t.db.$client`select extract(epoch from not_before - now())::float8 as s from inbox_updates where update_id = ${updateId}`;
  return Number(r!.s);
};
const rowsOf = async (ids: number[]) =>
  t.db.$client`select update_id::int8 as id, state, attempts from inbox_updates where update_id = any(${ids.map(String)}::bigint[]) order by update_id`;

describe('ingest', () => {
  it('stores a batch once: a repeated batch (or a repeat inside one) is a no-op that keeps the first copy', async () => {
    const inbox = repo();
    const c = chat();
    const [a, b, d] = [id(), id(), id()];
    expect(await inbox.ingest([])).toEqual([]);
    expect((await inbox.ingest([message(a, c, 'first'), message(b, c)])).sort()).toEqual([a, b]);
    // Telegram redelivers the batch (and one more): only the new one is stored.
    expect(await inbox.ingest([message(a, c, 'changed'), message(b, c), message(d, c)])).toEqual([d]);
    expect(await inbox.ingest([message(a, c), message(b, c), message(d, c)])).toEqual([]);

    const stored = await inbox.show(a);
    expect(stored).toMatchObject({ updateId: a, chatKey: String(c), kind: 'message', state: 'pending', attempts: 0, lastError: null, leasedUntil: null, doneAt: null });
    expect((stored!.payload.message as { text: string }).text).toBe('first');
    expect(stored!.receivedAt).toBeInstanceOf(Date);
    expect((await rowsOf([a, b, d])).map((r) => r.state)).toEqual(['pending', 'pending', 'pending']);
  });

  it('ingestAndClaim claims at most `claim` new chats, plus every pre-checkout query, and reports repeats as not fresh', async () => {
    const inbox = repo();
    const [c1, c2, c3] = [chat(), chat(), chat()];
    const [u1, u2, u3, u4, p] = [id(), id(), id(), id(), id()];
    expect(await inbox.ingestAndClaim([], 5)).toEqual({ fresh: [], claimed: [] });
    const first = await inbox.ingestAndClaim([message(u1, c1), message(u2, c1), message(u3, c2), message(u4, c3), preCheckout(p, c3)], 1);
    expect(first.fresh.sort()).toEqual([u1, u2, u3, u4, p].sort());
    const claimedIds = first.claimed.map((x) => x.updateId);
    // One ordinary chat (the limit), and the pre-checkout query whatever the limit.
    expect(claimedIds).toContain(p);
    expect(claimedIds.filter((x) => x !== p)).toHaveLength(1);
    expect(claimedIds).not.toContain(u2); // never a chat's second update while its first waits
    const pc = first.claimed.find((x) => x.updateId === p)!;
    expect(pc).toMatchObject({ chatKey: `${c3}:pay`, kind: 'pre_checkout_query', attempts: 1 });

    const again = await inbox.ingestAndClaim([message(u1, c1), preCheckout(p, c3)], 10);
    expect(again).toEqual({ fresh: [], claimed: [] });
  });
});

describe('durable barrier', () => {
  it('callers that come while a barrier runs share the next one: 12 calls, 2 statements; a failed barrier rejects its callers only', async () => {
    let statements = 0;
    let fail = false;
    const counting = ((strings: TemplateStringsArray, ...values: unknown[]) => {
      statements++;
      if (fail) return Promise.reject(new Error('connection reset'));
      return t.db.$client(strings, ...(values as never[]));
    }) as unknown as typeof t.db.$client;
    const inbox = new InboxRepository({ sql: counting, relaxed: t.db.$client, owner: 'barrier', leaseMs: 1000, maxAttempts: 3 });
    const first = inbox.durable();
    const rest = Array.from({ length: 11 }, () => inbox.durable());
    await Promise.all([first, ...rest]);
    expect(statements).toBe(2);
    fail = true;
    await expect(inbox.durable()).rejects.toThrow('connection reset');
    fail = false;
    await inbox.durable();
    expect(statements).toBe(4);
  });
});

describe('claims', () => {
  it('hands out each chat oldest first, one update at a time, and the next only once the one before is done', async () => {
    const inbox = repo();
    const [x, y] = [chat(), chat()];
    const [x1, x2, x3, y1] = [id(), id(), id(), id()];
    await inbox.ingest([message(x1, x), message(y1, y), message(x2, x), message(x3, x)]);

    expect(await inbox.claim(0)).toEqual([]);
    const first = await inbox.claim(100);
    const mine = first.filter((r) => [x1, x2, x3, y1].includes(r.updateId));
    expect(mine.map((r) => r.updateId).sort()).toEqual([x1, y1].sort());
    expect(mine.find((r) => r.updateId === x1)).toMatchObject({ chatKey: String(x), kind: 'message', attempts: 1 });
    expect(mine.find((r) => r.updateId === x1)!.payload).toEqual(message(x1, x));

    // Both chats are being handled: nothing more of them is handed out.
    expect((await inbox.claim(100)).filter((r) => [x2, x3].includes(r.updateId))).toEqual([]);

    expect(await inbox.markDone(x1)).toBe(true);
    expect(await inbox.markDone(x1)).toBe(false); // already done
    const next = await inbox.claim(100);
    expect(next.map((r) => r.updateId)).toContain(x2);
    expect(next.map((r) => r.updateId)).not.toContain(x3);

    // done-and-next: x2 done, x3 claimed in the same round trip; then the chat is empty.
    expect(await inbox.doneAndNext(x2)).toMatchObject({ updateId: x3, chatKey: String(x), attempts: 1 });
    expect(await inbox.doneAndNext(x3)).toBeNull();
    expect((await inbox.show(x3))!.state).toBe('done');
    expect((await inbox.show(x3))!.doneAt).toBeInstanceOf(Date);
  });

  it('another process cannot complete, renew or release a claim it does not hold; an expired lease is claimed again', async () => {
    const a = repo({ owner: 'proc-a', leaseMs: 300 });
    const b = repo({ owner: 'proc-b', leaseMs: 30_000 });
    const c = chat();
    const u = id();
    await a.ingest([message(u, c)]);
    expect((await a.claimIds([u])).map((r) => r.updateId)).toEqual([u]);
    expect(await b.claimIds([u])).toEqual([]); // held
    expect(await a.claimIds([])).toEqual([]);
    expect(await b.markDone(u)).toBe(false);

    await a.renew([]);
    await a.renew([u]);
    const renewed = (await a.show(u))!;
    expect(renewed.leasedUntil).not.toBeNull();

    await b.release([u]); // not b's: nothing changes
    expect((await a.show(u))!.attempts).toBe(1);

    // a dies; its lease runs out and b takes the row over (the try counts).
    await new Promise((r) => setTimeout(r, 400));
    const taken = await b.claimIds([u]);
    expect(taken).toMatchObject([{ updateId: u, attempts: 2 }]);
    expect(await a.markDone(u)).toBe(false);

    // Shutdown before handling: the claim is given back without counting the try.
    await b.release([]);
    await b.release([u]);
    expect(await b.show(u)).toMatchObject({ attempts: 1, leasedUntil: null, state: 'pending' });
    // Free again: the next claim of its chat takes it, as try 2 (not 3).
    expect((await a.claim(1000)).find((r) => r.updateId === u)).toMatchObject({ attempts: 2 });
  });
});

describe('poison updates and finishing', () => {
  /** Lets every lease of these rows run out now (as when the process holding them died). */
  const expire = async (ids: number[]) => {
    await t.db.$client`update inbox_updates set leased_until = now() - interval '1 second' where update_id = any(${ids.map(String)}::bigint[]) and leased_until is not null`;
  };

  it('a row claimed maxAttempts times with no outcome recorded is parked by the next claim, with the reason; its chat goes on', async () => {
    const inbox = repo({ maxAttempts: 3 });
    const c = chat();
    const [poison, after] = [id(), id()];
    await inbox.ingest([message(poison, c), message(after, c)]);
    // Three claims, each by a process that dies while handling it (no markDone, no markFailed).
    for (let i = 1; i <= 3; i++) {
      const got = (await inbox.claim(1000)).find((r) => r.updateId === poison);
      expect(got).toMatchObject({ attempts: i });
      expect(got!.parked).toBeUndefined();
      await expire([poison]);
    }
    const fourth = (await inbox.claim(1000)).find((r) => r.updateId === poison);
    expect(fourth).toMatchObject({ updateId: poison, attempts: 3 });
    expect(fourth!.parked).toMatch(/claimed 3 times without an outcome recorded/);
    expect(await inbox.show(poison)).toMatchObject({ state: 'parked', leasedUntil: null, attempts: 3 });
    // The chat is no longer held up by it.
    expect((await inbox.claim(1000)).find((r) => r.updateId === after)).toMatchObject({ attempts: 1 });
    expect(await inbox.markDone(after)).toBe(true);
  });

  it('the poison check also holds for the next row finish hands out and for the pre-checkout fast path', async () => {
    const inbox = repo({ maxAttempts: 2 });
    const c = chat();
    const [first, poison, pay] = [id(), id(), id()];
    await inbox.ingest([message(first, c), message(poison, c), preCheckout(pay, c)]);
    // poison was claimed twice before and both processes died (set directly: the claims themselves are tested above).
    await t.db.$client`update inbox_updates set attempts = 2, last_error = 'TypeError: boom' where update_id = ${poison}`;
    await t.db.$client`update inbox_updates set attempts = 2 where update_id = ${pay}`;
    expect((await inbox.claimIds([first])).map((r) => r.updateId)).toEqual([first]);
    const next = await inbox.finish(first);
    expect(next).toMatchObject({ updateId: poison });
    expect(next!.parked).toMatch(/claimed 2 times without an outcome recorded.*\(last error: TypeError: boom\)/);
    expect(await inbox.show(poison)).toMatchObject({ state: 'parked' });
    const [fast] = await inbox.claimIds([pay]);
    expect(fast).toMatchObject({ updateId: pay, attempts: 2 });
    expect(fast!.parked).toMatch(/claimed 2 times/);
    expect(await inbox.show(pay)).toMatchObject({ state: 'parked', leasedUntil: null });
  });

  it('finish saves the conversation state and the done mark in one transaction, and neither without the claim', async () => {
    const a = repo({ owner: 'finish-a' });
    const b = repo({ owner: 'finish-b' });
    const c = chat();
    const [u1, u2] = [id(), id()];
    await a.ingest([message(u1, c), message(u2, c)]);
    const state = { chatId: c, step: 'order.name', data: { model: 'model-y' }, menuMessageId: 7, menuPhoto: null };
    expect((await a.claimIds([u1])).map((r) => r.updateId)).toEqual([u1]);
    // b does not hold u1: nothing is marked, nothing saved.
    expect(await b.finish(u1, state)).toBeNull();
    expect(await a.show(u1)).toMatchObject({ state: 'pending' });
    expect(await t.db.$client`select 1 from conversation_states where chat_id = ${c}`).toHaveLength(0);
    // a does: done, the state saved, and the chat's next update claimed, in one statement.
    expect(await a.finish(u1, state)).toMatchObject({ updateId: u2, attempts: 1 });
    expect(await a.show(u1)).toMatchObject({ state: 'done' });
    const [saved] = await t.db.$client`select step, data, menu_message_id, version from conversation_states where chat_id = ${c}`;
    expect(saved).toMatchObject({ step: 'order.name', data: { model: 'model-y' }, menu_message_id: 7, version: 0 });
    // A second save bumps the version; finishing without a state leaves the state as it is.
    expect(await a.finish(u2, { ...state, step: 'order.phone' })).toBeNull();
    const [again] = await t.db.$client`select step, version from conversation_states where chat_id = ${c}`;
    expect(again).toMatchObject({ step: 'order.phone', version: 1 });
  });

  it('release gives the claim back with no owner left on the row', async () => {
    const inbox = repo({ owner: 'release-a' });
    const u = id();
    await inbox.ingest([message(u, chat())]);
    await inbox.claimIds([u]);
    await inbox.release([u]);
    const [row] = await t.db.$client`select lease_owner, leased_until, attempts from inbox_updates where update_id = ${u}`;
    expect(row).toMatchObject({ lease_owner: null, leased_until: null, attempts: 0 });
  });
});

describe('failures', () => {
  it('backs off 1 s, 2 s … and parks the update with its reason after maxAttempts', async () => {
    const inbox = repo({ maxAttempts: 3, retryBaseMs: 1000 });
    const c = chat();
    const [u, later] = [id(), id()];
    await inbox.ingest([message(u, c), message(later, c)]);

    const [first] = await inbox.claimIds([u]);
    expect(first!.attempts).toBe(1);
    expect(await inbox.markFailed(u, 1, 'boom 1')).toBe('retry');
    expect(await inbox.show(u)).toMatchObject({ state: 'pending', lastError: 'boom 1', leasedUntil: null, attempts: 1 });
    expect(await waitOf(u)).toBeGreaterThan(0.5);
    expect(await waitOf(u)).toBeLessThanOrEqual(1.05);
    // Not due yet: neither it nor the chat's later update is handed out.
    expect((await inbox.claim(100)).map((r) => r.updateId).filter((x) => x === u || x === later)).toEqual([]);

    await makeDue(u);
    expect((await inbox.claim(100)).find((r) => r.updateId === u)).toMatchObject({ attempts: 2 });
    expect(await inbox.markFailed(u, 2, 'boom 2')).toBe('retry');
    expect(await waitOf(u)).toBeGreaterThan(1.5);
    expect(await waitOf(u)).toBeLessThanOrEqual(2.05);

    await makeDue(u);
    expect((await inbox.claim(100)).find((r) => r.updateId === u)).toMatchObject({ attempts: 3 });
    const longReason = `TypeError: ${'x'.repeat(3000)}`;
    expect(await inbox.markFailed(u, 3, longReason)).toBe('parked');
    const parked = (await inbox.show(u))!;
    expect(parked).toMatchObject({ state: 'parked', attempts: 3, leasedUntil: null });
    expect(parked.lastError).toBe(longReason.slice(0, 2000));

    expect((await inbox.list()).map((e) => e.updateId)).toContain(u);
    expect((await inbox.list('parked', 1000)).find((e) => e.updateId === u)!.lastError).toHaveLength(2000);
    expect((await inbox.counts()).parked).toBeGreaterThanOrEqual(1);

    // A parked update no longer holds up its chat.
    expect((await inbox.claim(100)).map((r) => r.updateId)).toContain(later);
  });

  it('caps the backoff at 5 minutes, and a failure reported without the claim changes nothing', async () => {
    const inbox = repo({ maxAttempts: 50, retryBaseMs: 1000 });
    const other = repo({ owner: 'someone-else', maxAttempts: 50 });
    const u = id();
    await inbox.ingest([message(u, chat())]);
    await inbox.claimIds([u]);
    expect(await other.markFailed(u, 1, 'not mine')).toBe('retry');
    expect((await inbox.show(u))!.lastError).toBeNull();

    expect(await inbox.markFailed(u, 20, 'slow')).toBe('retry');
    const wait = await waitOf(u);
    expect(wait).toBeGreaterThan(299);
    expect(wait).toBeLessThanOrEqual(300.05);
  });
});

describe('ops: list, show, retry, drop', () => {
  const park = async (inbox: InboxRepository, u: number, reason: string) => {
    await inbox.claimIds([u]);
    expect(await inbox.markFailed(u, inbox.maxAttempts, reason)).toBe('parked');
  };

  it('retry makes a parked update pending again, due now, with its tries counted from zero', async () => {
    const inbox = repo({ maxAttempts: 1 });
    const u = id();
    await inbox.ingest([message(u, chat())]);
    await park(inbox, u, 'handler threw');

    expect(await inbox.retry(u)).toBe(true);
    const e = (await inbox.show(u))!;
    expect(e).toMatchObject({ state: 'pending', attempts: 0, leasedUntil: null, doneAt: null, lastError: 'handler threw' });
    expect(await waitOf(u)).toBeLessThanOrEqual(0);
    expect((await inbox.list()).map((x) => x.updateId)).not.toContain(u);
    expect((await inbox.list('pending', 1000)).map((x) => x.updateId)).toContain(u);

    // Handled at once, as try 1.
    expect(await inbox.claimIds([u])).toMatchObject([{ updateId: u, attempts: 1 }]);
    expect(await inbox.markDone(u)).toBe(true);
    // A done update cannot be retried or dropped; an unknown one neither.
    expect(await inbox.retry(u)).toBe(false);
    expect(await inbox.drop(u)).toBe(false);
    expect(await inbox.retry(1)).toBe(false);
    expect(await inbox.drop(1)).toBe(false);
    expect(await inbox.show(1)).toBeNull();
  });

  it('drop marks a parked update done, keeping its reason with [dropped]; a pending one too', async () => {
    const inbox = repo({ maxAttempts: 1 });
    const c = chat();
    const [u, next, pending] = [id(), id(), id()];
    await inbox.ingest([message(u, c), message(next, c), message(pending, chat())]);
    await park(inbox, u, 'bad payload');

    expect(await inbox.drop(u)).toBe(true);
    const dropped = (await inbox.show(u))!;
    expect(dropped).toMatchObject({ state: 'done', lastError: 'bad payload [dropped]', leasedUntil: null });
    expect(dropped.doneAt).toBeInstanceOf(Date);
    expect(await inbox.drop(u)).toBe(false);
    expect((await inbox.list('done', 1000)).map((x) => x.updateId)).toContain(u);

    expect(await inbox.drop(pending)).toBe(true);
    expect(await inbox.show(pending)).toMatchObject({ state: 'done', lastError: ' [dropped]' });
    // The chat goes on with its next update.
    expect((await inbox.claim(100)).map((r) => r.updateId)).toContain(next);
  });
});

describe('prune', () => {
  it('deletes done rows older than 7 days; keeps recent done, parked and pending rows whatever their age', async () => {
    const inbox = repo({ maxAttempts: 1 });
    const [oldDone, newDone, oldParked, oldPending, edge] = [id(), id(), id(), id(), id()];
    await inbox.ingest([oldDone, newDone, oldParked, oldPending, edge].map((u) => message(u, chat())));
    for (const u of [oldDone, newDone, edge]) {
      await inbox.claimIds([u]);
      expect(await inbox.markDone(u)).toBe(true);
    }
    await inbox.claimIds([oldParked]);
    await inbox.markFailed(oldParked, 1, 'old failure');
    const sql = t.db.$client;
    await sql`update inbox_updates set done_at = now() - interval '8 days', received_at = now() - interval '8 days' where update_id = ${oldDone}`;
    await sql`update inbox_updates set done_at = now() - interval '6 days 23 hours' where update_id = ${edge}`;
    await sql`update inbox_updates set received_at = now() - interval '30 days', not_before = now() - interval '30 days' where update_id = any(${[oldParked, oldPending].map(String)}::bigint[])`;

    const before = await inbox.counts();
    expect(await inbox.prune()).toBe(1);
    expect(await inbox.show(oldDone)).toBeNull();
    expect((await rowsOf([newDone, oldParked, oldPending, edge])).map((r) => [Number(r.id), r.state])).toEqual([
      [newDone, 'done'],
      [oldParked, 'parked'],
      [oldPending, 'pending'],
      [edge, 'done'],
    ]);
    const after = await inbox.counts();
    expect(after).toEqual({ ...before, done: before.done - 1 });
    expect(await inbox.prune()).toBe(0);

    // A shorter window takes the 6-day-old row as well.
    expect(await inbox.prune(6)).toBe(1);
    expect(await inbox.show(edge)).toBeNull();
    expect(await inbox.show(newDone)).not.toBeNull();
  });
});

describe('what jsonb cannot store', () => {
  it('storableJson leaves ordinary updates as JSON.stringify writes them, escapes included', () => {
    const u = { update_id: 1, message: { text: 'emoji 🚗 "quoted" \\u0000 literal backslash-u', n: [1, null, { a: 'b' }] } };
    // A literal "\u0000" typed by a user is JSON "\\u0000": storable, left as sent.
    expect(storableJson(u)).toBe(JSON.stringify(u));
  });

  it('stores NULs and lone surrogates in values and keys as U+FFFD, arrays and nesting included', async () => {
    const inbox = repo();
    const c = chat();
    const u = id();
    const raw: RawUpdate = {
      update_id: u,
      message: {
        message_id: 1,
        chat: { id: c, type: 'private' },
        text: 'a\u0000b',
        caption: 'x\uD800y',
        entities: [{ type: 'bold', label: '\uDC00' }, 'plain\u0000', 7, null],
        ['key\u0000']: { ['\uD83D']: true },
        ok: '🚗',
      },
    };
    expect(await inbox.ingest([raw])).toEqual([u]);
    const m = (await inbox.show(u))!.payload.message as Record<string, unknown>;
    expect(m.text).toBe('a\uFFFDb');
    expect(m.caption).toBe('x\uFFFDy');
    expect(m.entities).toEqual([{ type: 'bold', label: '\uFFFD' }, 'plain\uFFFD', 7, null]);
    expect(m['key\uFFFD']).toEqual({ '\uFFFD': true });
    expect(m.ok).toBe('🚗');
    expect(m.chat).toEqual({ id: c, type: 'private' });
  });

  it('an unknown update kind with a NUL in its name is stored, with a storable kind and its own lane', async () => {
    const inbox = repo();
    const [u, v] = [id(), id()];
    expect(await inbox.ingest([{ update_id: u, ['odd\u0000kind']: { x: 1 } }])).toEqual([u]);
    expect(await inbox.show(u)).toMatchObject({ kind: 'odd\uFFFDkind', chatKey: `update:${u}`, payload: { update_id: u, 'odd\uFFFDkind': { x: 1 } } });

    const r = await inbox.ingestAndClaim([{ update_id: v, ['odd\u0000kind']: { y: '\uDFFF' } }], 5);
    expect(r.fresh).toEqual([v]);
    expect(r.claimed).toMatchObject([{ updateId: v, kind: 'odd\uFFFDkind', chatKey: `update:${v}`, attempts: 1 }]);
    expect((await inbox.show(v))!.payload).toEqual({ update_id: v, 'odd\uFFFDkind': { y: '\uFFFD' } });
  });
});

describe('Poller into the inbox', () => {
  const logger = createLogger('silent');
  const apiError = (code: number, description: string) => Object.assign(new Error(description), { response: { error_code: code, description } });

  /** A Telegram whose getUpdates answers from a script (then waits until aborted); the offsets asked for are recorded. */
  const scripted = (script: (() => unknown)[]) => {
    const offsets: number[] = [];
    const telegram = {
      callApi: async (_method: string, payload: { offset: number }, extra: { signal: AbortSignal }) => {
        offsets.push(payload.offset);
        const step = script.shift();
        if (step) return step();
        return new Promise((_resolve, reject) => extra.signal.addEventListener('abort', () => reject(new Error('aborted'))));
      },
    };
    return { telegram: telegram as unknown as Telegram, offsets };
  };

  it('fatalMessage explains 401 (the token) and 409 (another poller or a webhook)', () => {
    expect(fatalMessage(401, 'Unauthorized')).toMatch(/BOT_TOKEN.*401 Unauthorized.*@BotFather/);
    expect(fatalMessage(409, 'Conflict: terminated by other getUpdates request')).toMatch(/409 Conflict: terminated.*one polling process only.*WEBHOOK_URL/);
  });

  it('a 401 or 409 fails the start itself, and nothing is stored', async () => {
    const inbox = repo();
    for (const code of [401, 409]) {
      const { telegram } = scripted([
        () => {
          throw apiError(code, 'nope');
        },
      ]);
      const poller = new Poller({ telegram, allowedUpdates: ['message'], logger, ingest: (u) => inbox.ingest(u) });
      await expect(poller.start()).rejects.toThrow(PollingFatalError);
    }
  });

  it('stores each batch before moving the offset; a failed call is tried again, repeats are no-ops, and a later 409 ends the loop', async () => {
    const inbox = repo();
    const c = chat();
    const [u1, u2, u3] = [id(), id(), id()];
    const { telegram, offsets } = scripted([
      () => [],
      () => [message(u1, c), message(u2, c)],
      () => {
        throw apiError(502, 'Bad Gateway');
      },
      () => [message(u2, c), message(u3, c)],
      () => {
        throw apiError(409, 'Conflict');
      },
    ]);
    const stored: number[][] = [];
    const poller = new Poller({
      telegram,
      allowedUpdates: ['message'],
      logger,
      timeoutS: 0,
      ingest: async (u) => {
        const fresh = await inbox.ingest(u);
        stored.push(fresh);
        return fresh;
      },
    });
    await poller.start();
    await expect(poller.done).rejects.toThrow(/409 Conflict/);
    expect(stored.map((s) => [...s].sort())).toEqual([[u1, u2].sort(), [u3]]);
    expect(offsets).toEqual([0, 0, u2 + 1, u2 + 1, u3 + 1]);
    expect((await rowsOf([u1, u2, u3])).map((r) => r.state)).toEqual(['pending', 'pending', 'pending']);
    await poller.stop(); // after the end: resolves
  });

  it('stop abandons an open long poll without an error', async () => {
    const { telegram, offsets } = scripted([() => []]);
    const poller = new Poller({ telegram, allowedUpdates: ['message'], logger, ingest: () => Promise.resolve([]) });
    await poller.start();
    await new Promise((r) => setTimeout(r, 20));
    await poller.stop();
    await expect(poller.done).resolves.toBeUndefined();
    expect(offsets).toEqual([0, 0]);
  });
});

describe('InboxConsumer on the real inbox', () => {
  const logger = createLogger('silent');
  const until = async (cond: () => Promise<boolean> | boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('records thrown errors (Error or not) as failures with their message, parks after the last try, and runs fast rows out of order', async () => {
    const inbox = repo({ maxAttempts: 1, owner: 'consumer-1' });
    const c = chat();
    const [boom, str, pay] = [id(), id(), id()];
    const seen: number[] = [];
    const settled: [number, string, string | null][] = [];
    const consumer = new InboxConsumer({
      inbox,
      concurrency: 1,
      pollMs: 20,
      logger,
      handle: async (u) => {
        await Promise.resolve();
        seen.push(u.update_id);
        if (u.update_id === boom) throw new Error('handler exploded');
        if (u.update_id === str) throw 'a string'; // eslint-disable-line @typescript-eslint/only-throw-error
        return { reason: null };
      },
      onSettled: (row, outcome, reason) => settled.push([row.updateId, outcome, reason]),
    });
    await inbox.ingest([message(boom, c), message(str, c), preCheckout(pay, c)]);
    await consumer.fast([]);
    await consumer.fast([pay]);
    expect(settled).toContainEqual([pay, 'done', null]);
    expect(consumer.inFlight).toBe(0);

    consumer.start();
    // Rows other tests left pending are handled too: look at this chat's only.
    const mine = () => settled.filter(([x]) => [boom, str, pay].includes(x));
    await until(() => mine().length >= 3);
    await consumer.stop();
    await consumer.fast([boom]); // stopped: claims nothing
    expect(mine()).toEqual([
      [pay, 'done', null],
      [boom, 'parked', 'handler exploded'],
      [str, 'parked', 'a string'],
    ]);
    expect(await inbox.show(boom)).toMatchObject({ state: 'parked', lastError: 'handler exploded' });
    expect(await inbox.show(str)).toMatchObject({ state: 'parked', lastError: 'a string' });
    expect(seen.filter((x) => [boom, str, pay].includes(x))).toEqual([pay, boom, str]);
  });

  it('a failing claim or record is tried again: the update is handled and recorded once the database answers', async () => {
    const real = repo({ owner: 'consumer-2' });
    let claimFailures = 1;
    let recordFailures = 2;
    // The real inbox, with a claim and a completion that fail a few times first.
    const flaky = Object.create(real) as InboxRepository;
    flaky.claim = async (n) => {
      if (claimFailures-- > 0) throw new Error('connection reset');
      return real.claim(n);
    };
    flaky.finish = async (updateId, state) => {
      if (recordFailures-- > 0) throw new Error('connection reset');
      return real.finish(updateId, state);
    };
    const u = id();
    await real.ingest([message(u, chat())]);
    const handled: number[] = [];
    const consumer = new InboxConsumer({
      inbox: flaky,
      concurrency: 4,
      pollMs: 20,
      logger,
      handle: (x) => {
        handled.push(x.update_id);
        return Promise.resolve({ reason: null });
      },
    });
    consumer.start();
    await until(async () => (await real.show(u))?.state === 'done');
    await consumer.stop();
    expect(handled.filter((x) => x === u)).toEqual([u]);
    expect(claimFailures).toBeLessThan(0);
    expect(recordFailures).toBeLessThan(0);
  });
});
