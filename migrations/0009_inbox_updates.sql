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
