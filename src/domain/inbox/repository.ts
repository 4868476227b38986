import type postgres from 'postgres';
import { chatKeyOf, updateKind } from '../../shared/chat-key.js';
import { storableText } from '../../shared/text.js';

/** A raw Telegram update: its id and one body field. */
export type RawUpdate = { update_id: number } & Record<string, unknown>;

export type InboxState = 'pending' | 'done' | 'parked';

/** A row claimed for handling. */
export interface ClaimedUpdate {
  updateId: number;
  chatKey: string;
  kind: string;
  payload: RawUpdate;
  /** This claim included (1 on the first try). */
  attempts: number;
  /**
   * Set when the claim found the row already claimed INBOX_MAX_ATTEMPTS times with no outcome
   * recorded (a poison update: the process handling it died each time) and parked it instead: the
   * reason. Such a row is not to be handled, only reported.
   */
  parked?: string;
}

/** The conversation state a handler left, saved with the update's done mark (InboxRepository.finish). */
export interface FinishState {
  chatId: number;
  step: string;
  data: Record<string, unknown>;
  menuMessageId: number | null;
  menuPhoto: string | null;
}

export interface InboxEntry extends ClaimedUpdate {
  state: InboxState;
  lastError: string | null;
  notBefore: Date;
  leasedUntil: Date | null;
  receivedAt: Date;
  doneAt: Date | null;
}

export interface InboxOptions {
  /** The durable pool: an ingest must be on disk before Telegram is told it arrived. */
  sql: postgres.Sql;
  /** The pool for claims and completions (DbHandle.relaxed; `sql` by default). */
  relaxed?: postgres.Sql;
  /**
   * The intake lane (DbHandle.intake): `store` for ingests (relaxed), `barrier` for `durable()`
   * (synchronous); `relaxed` and `sql` by default. Its own connections keep the acknowledgement
   * of new updates from queuing behind the handlers' statements.
   */
  intake?: { store: postgres.Sql; barrier: postgres.Sql };
  /** Who holds a claim (one id per process). */
  owner: string;
  /** How long a claim lasts unless renewed; a process that dies leaves its rows to expire. */
  leaseMs: number;
  /** Tries before an update is parked (INBOX_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** First retry delay, doubled per try, at most 5 minutes. */
  retryBaseMs?: number;
}

/** A NUL or a lone surrogate, as JSON.stringify writes them: jsonb refuses both. */
const UNSTORABLE = /\\u0000|\\ud[89a-f]/i;

/**
 * The update as JSON that jsonb accepts: what Postgres cannot store becomes U+FFFD, as the bot's
 * sanitize middleware does for every string anyway (src/bot/middlewares/sanitize.ts); otherwise as sent.
 * Keys too: an update kind the bot does not know can be named anything, and an update that cannot
 * be stored is answered 500 and redelivered by Telegram for ever.
 */
export function storableJson(u: RawUpdate): string {
  const text = JSON.stringify(u);
  return UNSTORABLE.test(text) ? JSON.stringify(u, storableValue) : text;
}

function storableValue(_key: string, v: unknown): unknown {
  if (typeof v === 'string') return storableText(v);
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [storableText(k), x]));
  return v;
}

const json = (v: unknown): RawUpdate => (typeof v === 'string' ? JSON.parse(v) : v) as RawUpdate;

function toClaimed(r: Record<string, unknown>): ClaimedUpdate {
  const row: ClaimedUpdate = { updateId: Number(r.update_id), chatKey: r.chat_key as string, kind: r.kind as string, payload: json(r.payload), attempts: Number(r.attempts) };
  if (r.state === 'parked') row.parked = (r.last_error as string | null) ?? 'parked';
  return row;
}

/** The columns a claim returns: enough to handle the row, or to report it parked. */
const CLAIMED = 'update_id, chat_key, kind, payload, attempts, state, last_error';

/**
 * The transactional inbox (table inbox_updates): the store of every update received, and the
 * claims that hand them out in per-chat order to any number of processes. Plain SQL on postgres.js:
 * it is on every update's path, twice (src/domain/conversation/repository.ts does the same).
 */
export class InboxRepository {
  private readonly sql: postgres.Sql;
  private readonly relaxed: postgres.Sql;
  private readonly intake: { store: postgres.Sql; barrier: postgres.Sql };
  readonly owner: string;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  /** The durable barrier running, and the one queued after it (see `durable`). */
  private barrier: Promise<void> | null = null;
  private barrierQueued: Promise<void> | null = null;

  constructor(opts: InboxOptions) {
    this.sql = opts.sql;
    this.relaxed = opts.relaxed ?? opts.sql;
    this.intake = opts.intake ?? { store: this.relaxed, barrier: this.sql };
    this.owner = opts.owner;
    this.leaseMs = opts.leaseMs;
    this.maxAttempts = opts.maxAttempts;
    this.retryBaseMs = opts.retryBaseMs ?? 1000;
  }

  /**
   * Stores updates in one statement (one commit); an update_id stored before is left as it is.
   * Returns the ids newly stored. When it resolves the updates are durable: only then may they
   * be acknowledged to Telegram.
   */
  async ingest(updates: readonly RawUpdate[]): Promise<number[]> {
    if (updates.length === 0) return [];
    const ids: string[] = [];
    const keys: string[] = [];
    const kinds: string[] = [];
    const payloads: string[] = [];
    for (const u of updates) {
      ids.push(String(u.update_id));
      keys.push(chatKeyOf(u));
      kinds.push(storableText(updateKind(u)));
      payloads.push(storableJson(u));
    }
    const rows = await this.sql`
      insert into inbox_updates (update_id, chat_key, kind, payload)
      select i, k, t, p::jsonb from unnest(${ids}::bigint[], ${keys}::text[], ${kinds}::text[], ${payloads}::text[]) as x(i, k, t, p)
      on conflict do nothing returning update_id`;
    return rows.map((r) => Number(r.update_id));
  }

  /**
   * `ingest`, and in the same transaction (one round trip) claims for this process each new update
   * that may be handled now: its chat's oldest pending one, nothing of its chat being handled; at
   * most `claim` of them, plus every pre-checkout query. Returns the new ids and the claimed rows
   * (their payload is the update handed in).
   *
   * On the relaxed pool: the commit does not wait for the WAL flush, so the claimed rows can be
   * handled at once, while the flush happens. Nothing stored this way may be acknowledged to
   * Telegram before `durable()` has resolved.
   */
  async ingestAndClaim(updates: readonly RawUpdate[], claim: number): Promise<{ fresh: number[]; claimed: ClaimedUpdate[] }> {
    if (updates.length === 0) return { fresh: [], claimed: [] };
    const ids: string[] = [];
    const keys: string[] = [];
    const kinds: string[] = [];
    const payloads: string[] = [];
    const byId = new Map<number, { u: RawUpdate; key: string; kind: string }>();
    for (const u of updates) {
      const key = chatKeyOf(u);
      // The kind is the body's key: an unknown one can hold a NUL, which a text column refuses.
      const kind = storableText(updateKind(u));
      ids.push(String(u.update_id));
      keys.push(key);
      kinds.push(kind);
      payloads.push(storableJson(u));
      byId.set(u.update_id, { u, key, kind });
    }
    const rows = await this.intake.store`
      select update_id, claimed from inbox_ingest(${ids}::bigint[], ${keys}::text[], ${kinds}::text[], ${payloads}::text[], ${this.owner}, ${this.leaseMs}, ${claim})`;
    const fresh: number[] = [];
    const claimed: ClaimedUpdate[] = [];
    for (const r of rows) {
      const id = Number(r.update_id);
      fresh.push(id);
      const e = byId.get(id);
      if (r.claimed === true && e) claimed.push({ updateId: id, chatKey: e.key, kind: e.kind, payload: e.u, attempts: 1 });
    }
    return { fresh, claimed };
  }

  /**
   * Resolves once everything this process committed before the call is on disk, the relaxed
   * ingests included: a commit that waits for its WAL flush (the durable pool, synchronous_commit
   * on; `txid_current()` gives the transaction an id, so it has a commit record to flush) flushes
   * the whole WAL up to it. Concurrent calls share one flush (Postgres's group commit).
   */
  durable(): Promise<void> {
    // One barrier at a time: a caller that comes while one runs (which may have begun before its
    // commit) waits for the next, shared by everyone who came meanwhile. Under load that is one
    // statement for many batches, instead of one each.
    if (this.barrierQueued) return this.barrierQueued;
    if (!this.barrier) return this.launchBarrier();
    const current = this.barrier;
    this.barrierQueued = current
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        this.barrierQueued = null;
        return this.launchBarrier();
      });
    return this.barrierQueued;
  }

  private launchBarrier(): Promise<void> {
    const p = this.intake.barrier`select txid_current()`.then(() => undefined);
    this.barrier = p;
    const clear = () => {
      if (this.barrier === p) this.barrier = null;
    };
    p.then(clear, clear);
    return p;
  }

  /**
   * Marks a handled update done and, in the same transaction, saves the conversation state its
   * handler left (`state`, when it changed) and claims its chat's next pending update if it is due
   * (or parks it, see ClaimedUpdate.parked): one round trip (function inbox_finish,
   * migrations/0013_inbox_hot_path.sql). The state is saved only while this process still holds
   * the claim: the done mark and the state commit together or not at all.
   */
  async finish(updateId: number, state: FinishState | null = null): Promise<ClaimedUpdate | null> {
    const s = state;
    const [row] = await this.relaxed.unsafe(
      `select ${CLAIMED} from inbox_finish($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        updateId,
        this.owner,
        this.leaseMs,
        this.maxAttempts,
        s ? s.chatId : null,
        s ? s.step : null,
        s ? JSON.stringify(s.data) : null,
        s ? s.menuMessageId : null,
        s ? s.menuPhoto : null,
      ],
      { prepare: true },
    );
    return row ? toClaimed(row) : null;
  }

  /** `finish` with no conversation state to save. */
  doneAndNext(updateId: number): Promise<ClaimedUpdate | null> {
    return this.finish(updateId, null);
  }

  /**
   * Claims the oldest pending update of up to `limit` chats that are due and have no update being
   * handled: a chat's next update is only handed out once the one before it is done. One call of
   * the function inbox_claim (migrations/0013_inbox_hot_path.sql), which takes a per-chat advisory
   * lock before it looks, so two processes never handle one chat at once. A row claimed
   * `maxAttempts` times without an outcome is parked instead and returned with `parked` set.
   */
  async claim(limit: number): Promise<ClaimedUpdate[]> {
    if (limit <= 0) return [];
    const rows = await this.relaxed.unsafe(`select ${CLAIMED} from inbox_claim($1, $2, $3, $4)`, [limit, this.owner, this.leaseMs, this.maxAttempts], { prepare: true });
    return rows.map(toClaimed);
  }

  /** Claims these updates if they are pending and unclaimed, whatever their chat's order (the fast path of pre-checkout queries); poison ones are parked. */
  async claimIds(ids: readonly number[]): Promise<ClaimedUpdate[]> {
    if (ids.length === 0) return [];
    const rows = await this.relaxed.unsafe(`select ${CLAIMED} from inbox_claim_ids($1::bigint[], $2, $3, $4)`, [ids.map(String), this.owner, this.leaseMs, this.maxAttempts], {
      prepare: true,
    });
    return rows.map(toClaimed);
  }

  /** Extends this process's claims on rows still being handled. */
  async renew(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.relaxed`
      update inbox_updates set leased_until = clock_timestamp() + ${this.leaseMs} * interval '1 millisecond'
      where update_id = any(${ids.map(String)}::bigint[]) and lease_owner = ${this.owner} and state = 'pending'`;
  }

  /** The update was handled (or refused for good). False when this process no longer held the claim. */
  async markDone(updateId: number): Promise<boolean> {
    const rows = await this.relaxed`
      update inbox_updates set state = 'done', done_at = now(), leased_until = null
      where update_id = ${updateId} and state = 'pending' and lease_owner = ${this.owner} returning 1`;
    return rows.length > 0;
  }

  /**
   * Handling failed on try `attempts`: the row waits (1 s, 2 s, 4 s … at most 5 min) and is tried
   * again, or after `maxAttempts` tries is parked with the reason, for an admin to retry or drop.
   */
  async markFailed(updateId: number, attempts: number, reason: string): Promise<'retry' | 'parked'> {
    const park = attempts >= this.maxAttempts;
    const delayMs = Math.min(300_000, this.retryBaseMs * 2 ** Math.max(0, attempts - 1));
    await this.sql`
      update inbox_updates set state = ${park ? 'parked' : 'pending'}, last_error = ${reason.slice(0, 2000)},
        leased_until = null, not_before = now() + ${park ? 0 : delayMs} * interval '1 millisecond'
      where update_id = ${updateId} and state = 'pending' and lease_owner = ${this.owner}`;
    return park ? 'parked' : 'retry';
  }

  /** Gives back claims without counting a try (shutdown before the handler started). */
  async release(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.relaxed`
      update inbox_updates set leased_until = null, lease_owner = null, attempts = greatest(attempts - 1, 0)
      where update_id = any(${ids.map(String)}::bigint[]) and lease_owner = ${this.owner} and state = 'pending'`;
  }

  /** Rows in a state (parked by default), oldest first. */
  async list(state: InboxState = 'parked', limit = 50): Promise<InboxEntry[]> {
    const rows = await this.sql`select * from inbox_updates where state = ${state} order by update_id limit ${limit}`;
    return rows.map(toEntry);
  }

  async show(updateId: number): Promise<InboxEntry | null> {
    const [row] = await this.sql`select * from inbox_updates where update_id = ${updateId}`;
    return row ? toEntry(row) : null;
  }

  /** A parked (or pending) update is handled again now, with its tries counted from zero. */
  async retry(updateId: number): Promise<boolean> {
    const rows = await this.sql`
      update inbox_updates set state = 'pending', attempts = 0, not_before = now(), leased_until = null, done_at = null
      where update_id = ${updateId} and state in ('parked', 'pending') returning 1`;
    return rows.length > 0;
  }

  /** An update is given up on: marked done without being handled (kept with its last error until pruned). */
  async drop(updateId: number): Promise<boolean> {
    const rows = await this.sql`
      update inbox_updates set state = 'done', done_at = now(), leased_until = null,
        last_error = coalesce(last_error, '') || ' [dropped]'
      where update_id = ${updateId} and state in ('parked', 'pending') returning 1`;
    return rows.length > 0;
  }

  /** Deletes done rows older than `days`; pending and parked rows are kept whatever their age. */
  async prune(days = 7): Promise<number> {
    const rows = await this.sql`
      delete from inbox_updates where state = 'done' and done_at < now() - make_interval(days => ${days}) returning 1`;
    return rows.length;
  }

  /**
   * Rows waiting to be handled and rows given up on: read on every metrics scrape, so each count
   * runs on its partial index (inbox_updates_pending_idx, inbox_updates_parked_idx), never over the done rows.
   */
  async backlog(): Promise<{ pending: number; parked: number }> {
    const [row] = await this.relaxed`
      select (select count(*) from inbox_updates where state = 'pending')::int as pending,
             (select count(*) from inbox_updates where state = 'parked')::int as parked`;
    return { pending: Number(row?.pending ?? 0), parked: Number(row?.parked ?? 0) };
  }

  /** How many rows are in each state. */
  async counts(): Promise<Record<InboxState, number>> {
    const rows = await this.sql`select state, count(*)::int as n from inbox_updates group by state`;
    const out: Record<InboxState, number> = { pending: 0, done: 0, parked: 0 };
    for (const r of rows) out[r.state as InboxState] = Number(r.n);
    return out;
  }
}

function toEntry(r: Record<string, unknown>): InboxEntry {
  const date = (v: unknown) => (v == null ? null : v instanceof Date ? v : new Date(v as string));
  return {
    ...toClaimed(r),
    state: r.state as InboxState,
    lastError: (r.last_error as string | null) ?? null,
    notBefore: date(r.not_before)!,
    leasedUntil: date(r.leased_until),
    receivedAt: date(r.received_at)!,
    doneAt: date(r.done_at),
  };
}
