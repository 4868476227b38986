-- The inbox's hot path in fewer statements, and poison rows parked (issue 10).
--
-- inbox_take: the one place a chat's next update is handed out (the caller holds the chat's advisory
-- lock). A row already claimed p_max_claims times and still pending was claimed by a process that
-- never recorded an outcome (it died or hung on it, each time): it is parked with that reason rather
-- than handed out again, so an update that crashes every process that handles it stops doing so.
-- The parked row is returned (state 'parked') so the caller can tell the admins.
CREATE OR REPLACE FUNCTION inbox_take(p_key text, p_owner text, p_lease_ms integer, p_max_claims integer) RETURNS SETOF inbox_updates
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  r inbox_updates;
BEGIN
  SELECT * INTO r FROM inbox_updates m WHERE m.chat_key = p_key AND m.state = 'pending' ORDER BY m.update_id LIMIT 1;
  IF NOT FOUND OR r.not_before > clock_timestamp() THEN RETURN; END IF;
  -- Something of the chat is being handled (the row itself, or a pre-checkout on the fast path).
  IF EXISTS (SELECT 1 FROM inbox_updates l WHERE l.chat_key = p_key AND l.state = 'pending' AND l.leased_until > clock_timestamp()) THEN RETURN; END IF;
  IF r.attempts >= p_max_claims THEN
    UPDATE inbox_updates u SET state = 'parked', leased_until = NULL, lease_owner = NULL,
      last_error = 'claimed ' || u.attempts || ' times without an outcome recorded: the process handling it died or stalled each time'
        || coalesce(' (last error: ' || u.last_error || ')', '')
    WHERE u.update_id = r.update_id AND u.state = 'pending' AND (u.leased_until IS NULL OR u.leased_until < clock_timestamp())
    RETURNING u.* INTO r;
  ELSE
    UPDATE inbox_updates u SET leased_until = clock_timestamp() + p_lease_ms * interval '1 millisecond', lease_owner = p_owner, attempts = u.attempts + 1
    -- Re-checked on the row's latest version should a concurrent claim have leased it meanwhile.
    WHERE u.update_id = r.update_id AND u.state = 'pending' AND (u.leased_until IS NULL OR u.leased_until < clock_timestamp())
    RETURNING u.* INTO r;
  END IF;
  IF FOUND THEN RETURN NEXT r; END IF;
END $$;
--> statement-breakpoint
-- inbox_claim (0009) with the poison check: rows claimed or parked, up to p_limit chats.
CREATE OR REPLACE FUNCTION inbox_claim(p_limit integer, p_owner text, p_lease_ms integer, p_max_claims integer) RETURNS SETOF inbox_updates
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  k text;
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
    FOR r IN SELECT * FROM inbox_take(k, p_owner, p_lease_ms, p_max_claims) LOOP
      RETURN NEXT r;
    END LOOP;
  END LOOP;
END $$;
--> statement-breakpoint
-- Ends a handled update in one transaction: marks it done (only while p_owner still holds it), saves
-- the chat's conversation state the handler left (when p_chat_id is given) in that same transaction,
-- so the state and the done mark commit together or not at all, and hands out the chat's next
-- update (claimed, or parked as poison). One round trip per update for all of the inbox's and the
-- conversation's bookkeeping (InboxRepository.finish).
CREATE OR REPLACE FUNCTION inbox_finish(p_id bigint, p_owner text, p_lease_ms integer, p_max_claims integer,
  p_chat_id bigint, p_step text, p_data text, p_menu_message_id integer, p_menu_photo text) RETURNS SETOF inbox_updates
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  k text;
  r inbox_updates;
BEGIN
  UPDATE inbox_updates SET state = 'done', done_at = now(), leased_until = NULL
  WHERE update_id = p_id AND state = 'pending' AND lease_owner = p_owner RETURNING chat_key INTO k;
  -- Not ours any more (the claim ran out and another process has it): its state is that process's to save.
  IF k IS NULL THEN RETURN; END IF;
  IF p_chat_id IS NOT NULL THEN
    INSERT INTO conversation_states AS s (chat_id, step, data, menu_message_id, menu_photo)
    VALUES (p_chat_id, p_step, p_data::jsonb, p_menu_message_id, p_menu_photo)
    ON CONFLICT (chat_id) DO UPDATE SET step = excluded.step, data = excluded.data,
      menu_message_id = excluded.menu_message_id, menu_photo = excluded.menu_photo,
      version = s.version + 1, updated_at = now();
  END IF;
  IF NOT pg_try_advisory_xact_lock(hashtext('inbox:' || k)) THEN RETURN; END IF;
  FOR r IN SELECT * FROM inbox_take(k, p_owner, p_lease_ms, p_max_claims) LOOP
    RETURN NEXT r;
  END LOOP;
END $$;
--> statement-breakpoint
-- The pre-checkout fast path (InboxRepository.claimIds), with the poison check.
CREATE OR REPLACE FUNCTION inbox_claim_ids(p_ids bigint[], p_owner text, p_lease_ms integer, p_max_claims integer) RETURNS SETOF inbox_updates
LANGUAGE sql VOLATILE AS $$
  UPDATE inbox_updates u SET
    leased_until = CASE WHEN u.attempts >= p_max_claims THEN NULL ELSE clock_timestamp() + p_lease_ms * interval '1 millisecond' END,
    lease_owner = CASE WHEN u.attempts >= p_max_claims THEN NULL ELSE p_owner END,
    attempts = CASE WHEN u.attempts >= p_max_claims THEN u.attempts ELSE u.attempts + 1 END,
    state = CASE WHEN u.attempts >= p_max_claims THEN 'parked' ELSE u.state END,
    last_error = CASE WHEN u.attempts >= p_max_claims
      THEN 'claimed ' || u.attempts || ' times without an outcome recorded: the process handling it died or stalled each time'
        || coalesce(' (last error: ' || u.last_error || ')', '')
      ELSE u.last_error END
  WHERE u.update_id = ANY(p_ids) AND u.state = 'pending' AND (u.leased_until IS NULL OR u.leased_until < now())
  RETURNING u.*
$$;
