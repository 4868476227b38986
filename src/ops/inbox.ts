import type { InboxEntry } from '../domain/inbox/index.js';
import type { CliContext } from './context.js';

/** As EXIT in src/ops/cli.ts. */
const EXIT = { ok: 0, failed: 1 } as const;

/** `inbox list | show <id> | retry <id> | drop <id>`: the updates the inbox parked (src/domain/inbox). */
export async function inboxCommand(c: CliContext, sub: string, idArg: string): Promise<number> {
  const { inbox } = c.services;
  const t = c.f.t;
  const out = (human: string[], json: object) => {
    if (c.json) c.io.out(JSON.stringify(json, null, 2));
    else for (const l of human) c.io.out(l);
    return EXIT.ok;
  };
  const fail = (code: string, message: string) => {
    if (c.json) c.io.out(JSON.stringify({ ok: false, error: { code, message } }, null, 2));
    else c.io.err(message);
    return EXIT.failed;
  };
  if (sub === 'list') {
    const [rows, counts] = await Promise.all([inbox.list('parked', 200), inbox.counts()]);
    if (rows.length === 0) return out([t('inbox.cli.none', counts)], { ok: true, counts, parked: [] });
    return out([...rows.map((r) => row(c, r)), t('inbox.cli.summary', counts)], { ok: true, counts, parked: rows.map(brief) });
  }
  const id = Number(idArg);
  if (!Number.isSafeInteger(id)) return fail('not_found', t('inbox.cli.not_found', { id: idArg }));
  const entry = await inbox.show(id);
  if (!entry) return fail('not_found', t('inbox.cli.not_found', { id }));
  if (sub === 'show') return out([row(c, entry), JSON.stringify(entry.payload, null, 2)], { ok: true, update: { ...brief(entry), payload: entry.payload } });
  if (entry.state === 'done') return fail('not_open', t('inbox.cli.not_open', { id }));
  if (sub === 'retry') {
    await inbox.retry(id);
    return out([t('inbox.cli.retried', { id })], { ok: true, retried: id });
  }
  await inbox.drop(id);
  return out([t('inbox.cli.dropped', { id })], { ok: true, dropped: id });
}

const brief = (r: InboxEntry) => ({
  updateId: r.updateId,
  state: r.state,
  kind: r.kind,
  chatKey: r.chatKey,
  attempts: r.attempts,
  lastError: r.lastError,
  receivedAt: r.receivedAt.toISOString(),
});

const row = (c: CliContext, r: InboxEntry) =>
  c.f.t('inbox.cli.row', { id: r.updateId, state: r.state, kind: r.kind, chat: r.chatKey, attempts: r.attempts, error: r.lastError ?? '' });
