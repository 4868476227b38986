CREATE TABLE "inbox_updates" (
	"update_id" bigint PRIMARY KEY NOT NULL,
	"chat_key" text NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"not_before" timestamp with time zone DEFAULT now() NOT NULL,
	"leased_until" timestamp with time zone,
	"lease_owner" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"done_at" timestamp with time zone,
	CONSTRAINT "inbox_updates_state_check" CHECK ("inbox_updates"."state" in ('pending', 'done', 'parked'))
);
--> statement-breakpoint
CREATE INDEX "inbox_updates_pending_idx" ON "inbox_updates" USING btree ("chat_key","update_id") WHERE state = 'pending';--> statement-breakpoint
CREATE INDEX "inbox_updates_done_idx" ON "inbox_updates" USING btree ("done_at") WHERE state = 'done';--> statement-breakpoint
-- Claims the oldest pending update of up to p_limit chats that have no update being handled (see
-- InboxRepository.claim in src/domain/inbox/repository.ts). Per chat: a transaction-scoped advisory
-- lock, then a fresh snapshot (each statement of a volatile plpgsql function takes one) that sees
-- every claim committed before the lock was had: two processes never handle one chat at once,
-- even when the chat's updates arrived out of order at two of them.
CREATE OR REPLACE FUNCTION inbox_claim(p_limit integer, p_owner text, p_lease_ms integer) RETURNS SETOF inbox_updates
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  k text;
  got integer := 0;
  r inbox_updates;
BEGIN
  FOR k IN
    SELECT h.chat_key FROM (
      SELECT DISTINCT ON (chat_key) chat_key, update_id, not_before FROM inbox_updates
      WHERE state = 'pending' ORDER BY chat_key, update_id
    ) h
    WHERE h.not_before <= clock_timestamp()
      AND NOT EXISTS (SELECT 1 FROM inbox_updates l WHERE l.chat_key = h.chat_key AND l.state = 'pending' AND l.leased_until > clock_timestamp())
    ORDER BY h.update_id
    LIMIT p_limit
  LOOP
    CONTINUE WHEN NOT pg_try_advisory_xact_lock(hashtext('inbox:' || k));
    UPDATE inbox_updates u SET leased_until = clock_timestamp() + p_lease_ms * interval '1 millisecond', lease_owner = p_owner, attempts = u.attempts + 1
    WHERE u.update_id = (SELECT min(m.update_id) FROM inbox_updates m WHERE m.chat_key = k AND m.state = 'pending')
      AND u.not_before <= clock_timestamp()
      -- Re-checked on the row's latest version should a concurrent claim have leased it meanwhile.
      AND (u.leased_until IS NULL OR u.leased_until < clock_timestamp())
      AND NOT EXISTS (SELECT 1 FROM inbox_updates l WHERE l.chat_key = k AND l.state = 'pending' AND l.leased_until > clock_timestamp())
    RETURNING u.* INTO r;
    IF FOUND THEN
      got := got + 1;
      RETURN NEXT r;
    END IF;
  END LOOP;
END $$;
--> statement-breakpoint
-- Stores a batch (a repeat update_id is left alone) and, in the same transaction, claims for the
-- storing process each new update that is its chat's oldest pending one with nothing of its chat
-- being handled: up to p_claim of them, and every pre-checkout query (answered at once). One round
-- trip from receiving an update to handling it (InboxRepository.ingestAndClaim).
CREATE OR REPLACE FUNCTION inbox_ingest(p_ids bigint[], p_keys text[], p_kinds text[], p_payloads text[], p_owner text, p_lease_ms integer, p_claim integer)
RETURNS TABLE(update_id bigint, claimed boolean)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  new_ids bigint[];
  new_keys text[];
  new_kinds text[];
  n integer := 0;
  ok boolean;
BEGIN
  WITH ins AS (
    INSERT INTO inbox_updates AS i (update_id, chat_key, kind, payload)
    SELECT x.i, x.k, x.t, x.p::jsonb FROM unnest(p_ids, p_keys, p_kinds, p_payloads) AS x(i, k, t, p)
    ON CONFLICT DO NOTHING RETURNING i.update_id, i.chat_key, i.kind
  )
  SELECT array_agg(ins.update_id ORDER BY ins.update_id), array_agg(ins.chat_key ORDER BY ins.update_id), array_agg(ins.kind ORDER BY ins.update_id)
  INTO new_ids, new_keys, new_kinds FROM ins;
  IF new_ids IS NULL THEN RETURN; END IF;
  FOR j IN 1 .. array_length(new_ids, 1) LOOP
    ok := false;
    IF (n < p_claim OR new_kinds[j] = 'pre_checkout_query') AND pg_try_advisory_xact_lock(hashtext('inbox:' || new_keys[j])) THEN
      UPDATE inbox_updates u SET leased_until = clock_timestamp() + p_lease_ms * interval '1 millisecond', lease_owner = p_owner, attempts = 1
      WHERE u.update_id = new_ids[j]
        AND NOT EXISTS (
          SELECT 1 FROM inbox_updates o WHERE o.chat_key = new_keys[j] AND o.state = 'pending'
            AND (o.update_id < new_ids[j] OR o.leased_until > clock_timestamp())
        );
      ok := FOUND;
      IF ok AND new_kinds[j] <> 'pre_checkout_query' THEN n := n + 1; END IF;
    END IF;
    update_id := new_ids[j];
    claimed := ok;
    RETURN NEXT;
  END LOOP;
END $$;
--> statement-breakpoint
-- Marks an update done and, in the same transaction, claims its chat's next pending update if it
-- is due (InboxRepository.doneAndNext): a busy chat goes on without a round trip of its own.
CREATE OR REPLACE FUNCTION inbox_done_next(p_id bigint, p_owner text, p_lease_ms integer) RETURNS SETOF inbox_updates
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  k text;
  r inbox_updates;
BEGIN
  UPDATE inbox_updates SET state = 'done', done_at = now(), leased_until = NULL
  WHERE update_id = p_id AND state = 'pending' AND lease_owner = p_owner RETURNING chat_key INTO k;
  IF k IS NULL OR NOT pg_try_advisory_xact_lock(hashtext('inbox:' || k)) THEN RETURN; END IF;
  UPDATE inbox_updates u SET leased_until = clock_timestamp() + p_lease_ms * interval '1 millisecond', lease_owner = p_owner, attempts = u.attempts + 1
  WHERE u.update_id = (SELECT min(m.update_id) FROM inbox_updates m WHERE m.chat_key = k AND m.state = 'pending')
    AND u.not_before <= clock_timestamp()
    AND (u.leased_until IS NULL OR u.leased_until < clock_timestamp())
    AND NOT EXISTS (SELECT 1 FROM inbox_updates l WHERE l.chat_key = k AND l.state = 'pending' AND l.leased_until > clock_timestamp())
  RETURNING u.* INTO r;
  IF FOUND THEN RETURN NEXT r; END IF;
END $$;
