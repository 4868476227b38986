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
CREATE INDEX "inbox_updates_done_idx" ON "inbox_updates" USING btree ("done_at") WHERE state = 'done';