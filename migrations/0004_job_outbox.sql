CREATE TABLE "job_outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"queue" text NOT NULL,
	"op" text DEFAULT 'add' NOT NULL,
	"job_id" text NOT NULL,
	"name" text,
	"data" jsonb,
	"opts" jsonb,
	"due_at" bigint,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "job_outbox_job_idx" ON "job_outbox" USING btree ("queue","job_id");