CREATE TABLE "feedback" (
	"id" serial PRIMARY KEY NOT NULL,
	"order_id" integer NOT NULL,
	"kind" text NOT NULL,
	"score" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "feedback_score" CHECK ("feedback"."score" between 1 and 5)
);
--> statement-breakpoint
CREATE TABLE "installations" (
	"id" serial PRIMARY KEY NOT NULL,
	"order_id" integer NOT NULL,
	"state" text NOT NULL,
	"address" text NOT NULL,
	"parking" text NOT NULL,
	"installed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "installations_state" CHECK ("installations"."state" in ('requested','scheduled','installed','cancelled'))
);
--> statement-breakpoint
CREATE TABLE "staff" (
	"telegram_id" bigint NOT NULL,
	"role" text NOT NULL,
	"added_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "staff_telegram_id_role_pk" PRIMARY KEY("telegram_id","role"),
	CONSTRAINT "staff_role" CHECK ("staff"."role" in ('admin','agent','marketer','ops'))
);
--> statement-breakpoint
ALTER TABLE "order_events" ADD COLUMN "subject" text DEFAULT 'order' NOT NULL;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "expected_delivery_week" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "delivered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "feedback" ADD CONSTRAINT "feedback_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "installations" ADD CONSTRAINT "installations_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "feedback_order_kind_uq" ON "feedback" USING btree ("order_id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "installations_one_open_uq" ON "installations" USING btree ("order_id") WHERE "installations"."state" in ('requested','scheduled');