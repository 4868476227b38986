CREATE SEQUENCE "public"."store_order_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 10001 CACHE 1;--> statement-breakpoint
CREATE TABLE "cart_items" (
	"customer_id" integer NOT NULL,
	"variant_id" text NOT NULL,
	"qty" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cart_items_customer_id_variant_id_pk" PRIMARY KEY("customer_id","variant_id"),
	CONSTRAINT "cart_items_qty" CHECK ("cart_items"."qty" between 1 and 99)
);
--> statement-breakpoint
CREATE TABLE "store_addresses" (
	"id" serial PRIMARY KEY NOT NULL,
	"customer_id" integer NOT NULL,
	"recipient" text NOT NULL,
	"phone" text NOT NULL,
	"city" text NOT NULL,
	"address" text NOT NULL,
	"used_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "store_order_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"order_id" integer NOT NULL,
	"from_state" text,
	"to_state" text NOT NULL,
	"actor" text NOT NULL,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "store_order_lines" (
	"id" serial PRIMARY KEY NOT NULL,
	"order_id" integer NOT NULL,
	"variant_id" text NOT NULL,
	"name" jsonb NOT NULL,
	"qty" integer NOT NULL,
	"unit_price_fen" integer NOT NULL,
	CONSTRAINT "store_order_lines_qty" CHECK ("store_order_lines"."qty" > 0)
);
--> statement-breakpoint
CREATE TABLE "store_orders" (
	"id" serial PRIMARY KEY NOT NULL,
	"number" text DEFAULT 'S' || nextval('store_order_number_seq') NOT NULL,
	"customer_id" integer NOT NULL,
	"state" text DEFAULT 'pending_payment' NOT NULL,
	"goods_fen" integer NOT NULL,
	"shipping" text,
	"shipping_fen" integer,
	"currency" text DEFAULT 'CNY' NOT NULL,
	"recipient" text,
	"phone" text,
	"address" text,
	"hold_expires_at" timestamp with time zone,
	"carrier" text,
	"tracking_no" text,
	"paid_at" timestamp with time zone,
	"shipped_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "store_orders_number_unique" UNIQUE("number"),
	CONSTRAINT "store_orders_state" CHECK ("store_orders"."state" in ('pending_payment','paid','shipped','delivered','cancelled','expired','needs_refund','refunded')),
	CONSTRAINT "store_orders_goods_positive" CHECK ("store_orders"."goods_fen" > 0)
);
--> statement-breakpoint
CREATE TABLE "store_payments" (
	"id" serial PRIMARY KEY NOT NULL,
	"order_id" integer NOT NULL,
	"telegram_payment_charge_id" text NOT NULL,
	"provider_payment_charge_id" text NOT NULL,
	"amount_fen" integer NOT NULL,
	"currency" text NOT NULL,
	"payer_telegram_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "store_payments_telegram_payment_charge_id_unique" UNIQUE("telegram_payment_charge_id")
);
--> statement-breakpoint
CREATE TABLE "store_products" (
	"id" text PRIMARY KEY NOT NULL,
	"category" text NOT NULL,
	"name" jsonb NOT NULL,
	"description" jsonb NOT NULL,
	"photo_url" text NOT NULL,
	"fits_models" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"needs_installation" boolean DEFAULT false NOT NULL,
	"sort" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "store_products_category" CHECK ("store_products"."category" in ('charging','accessories','apparel'))
);
--> statement-breakpoint
CREATE TABLE "store_variants" (
	"id" text PRIMARY KEY NOT NULL,
	"product_id" text NOT NULL,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"price_fen" integer NOT NULL,
	"stock" integer NOT NULL,
	"held" integer DEFAULT 0 NOT NULL,
	"sort" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "store_variants_price_positive" CHECK ("store_variants"."price_fen" > 0),
	CONSTRAINT "store_variants_stock" CHECK ("store_variants"."held" >= 0 and "store_variants"."stock" >= "store_variants"."held")
);
--> statement-breakpoint
CREATE TABLE "support_conversations" (
	"id" serial PRIMARY KEY NOT NULL,
	"customer_id" integer NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"assignee_telegram_id" bigint,
	"assignee_name" text,
	"thread_id" integer,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"first_agent_reply_at" timestamp with time zone,
	"last_customer_msg_at" timestamp with time zone,
	"waiting_since" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"closed_by" text,
	"rating" integer,
	"card_message_id" integer,
	"card_text" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "support_conversations_status" CHECK ("support_conversations"."status" in ('queued','assigned','closed')),
	CONSTRAINT "support_conversations_rating" CHECK ("support_conversations"."rating" is null or "support_conversations"."rating" between 1 and 5)
);
--> statement-breakpoint
CREATE TABLE "support_messages" (
	"id" serial PRIMARY KEY NOT NULL,
	"conversation_id" integer NOT NULL,
	"customer_id" integer NOT NULL,
	"direction" text NOT NULL,
	"sender_telegram_id" bigint NOT NULL,
	"content_type" text NOT NULL,
	"text" text,
	"file_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "support_messages_direction" CHECK ("support_messages"."direction" in ('in','out','note'))
);
--> statement-breakpoint
CREATE TABLE "support_topics" (
	"customer_id" integer PRIMARY KEY NOT NULL,
	"thread_id" integer NOT NULL,
	"closed" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "campaign_clicks" (
	"id" serial PRIMARY KEY NOT NULL,
	"campaign_id" integer NOT NULL,
	"customer_id" integer NOT NULL,
	"button" integer NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "campaign_recipients" (
	"campaign_id" integer NOT NULL,
	"customer_id" integer NOT NULL,
	"chat_id" bigint NOT NULL,
	"locale" text NOT NULL,
	"batch" integer NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"claimed_by" text,
	"claimed_at" timestamp with time zone,
	"next_attempt_at" timestamp with time zone,
	"message_id" integer,
	"sent_at" timestamp with time zone,
	"error" text,
	CONSTRAINT "campaign_recipients_campaign_id_customer_id_pk" PRIMARY KEY("campaign_id","customer_id")
);
--> statement-breakpoint
CREATE TABLE "campaign_variants" (
	"campaign_id" integer NOT NULL,
	"locale" text NOT NULL,
	"kind" text NOT NULL,
	"text" text DEFAULT '' NOT NULL,
	"file_id" text,
	"entities" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"buttons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	CONSTRAINT "campaign_variants_campaign_id_locale_pk" PRIMARY KEY("campaign_id","locale")
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" serial PRIMARY KEY NOT NULL,
	"created_by" bigint NOT NULL,
	"status" text DEFAULT 'scheduled' NOT NULL,
	"segment" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"default_locale" text NOT NULL,
	"scheduled_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"audience" integer,
	"progress_message_id" integer,
	"generation" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "campaigns_status" CHECK ("campaigns"."status" in ('scheduled','running','paused','cancelled','done'))
);
--> statement-breakpoint
CREATE TABLE "customer_model_views" (
	"customer_id" integer NOT NULL,
	"model_id" text NOT NULL,
	"last_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "customer_model_views_customer_id_model_id_pk" PRIMARY KEY("customer_id","model_id")
);
--> statement-breakpoint
CREATE TABLE "marketing_consent_log" (
	"id" serial PRIMARY KEY NOT NULL,
	"customer_id" integer NOT NULL,
	"consent" boolean,
	"via" text NOT NULL,
	"campaign_id" integer,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "bookings" ALTER COLUMN "order_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "installations" ALTER COLUMN "order_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "bookings" ADD COLUMN "store_order_id" integer;--> statement-breakpoint
ALTER TABLE "installations" ADD COLUMN "store_order_id" integer;--> statement-breakpoint
ALTER TABLE "cart_items" ADD CONSTRAINT "cart_items_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cart_items" ADD CONSTRAINT "cart_items_variant_id_store_variants_id_fk" FOREIGN KEY ("variant_id") REFERENCES "public"."store_variants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "store_addresses" ADD CONSTRAINT "store_addresses_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "store_order_events" ADD CONSTRAINT "store_order_events_order_id_store_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."store_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "store_order_lines" ADD CONSTRAINT "store_order_lines_order_id_store_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."store_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "store_order_lines" ADD CONSTRAINT "store_order_lines_variant_id_store_variants_id_fk" FOREIGN KEY ("variant_id") REFERENCES "public"."store_variants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "store_orders" ADD CONSTRAINT "store_orders_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "store_payments" ADD CONSTRAINT "store_payments_order_id_store_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."store_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "store_variants" ADD CONSTRAINT "store_variants_product_id_store_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."store_products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "support_conversations" ADD CONSTRAINT "support_conversations_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "support_messages" ADD CONSTRAINT "support_messages_conversation_id_support_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."support_conversations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "support_messages" ADD CONSTRAINT "support_messages_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "support_topics" ADD CONSTRAINT "support_topics_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_clicks" ADD CONSTRAINT "campaign_clicks_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_clicks" ADD CONSTRAINT "campaign_clicks_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_recipients" ADD CONSTRAINT "campaign_recipients_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_variants" ADD CONSTRAINT "campaign_variants_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_model_views" ADD CONSTRAINT "customer_model_views_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_model_views" ADD CONSTRAINT "customer_model_views_model_id_car_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."car_models"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "marketing_consent_log" ADD CONSTRAINT "marketing_consent_log_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cart_items_updated_idx" ON "cart_items" USING btree ("updated_at");--> statement-breakpoint
CREATE UNIQUE INDEX "store_addresses_uq" ON "store_addresses" USING btree ("customer_id","recipient","phone","address");--> statement-breakpoint
CREATE INDEX "store_order_events_order_idx" ON "store_order_events" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "store_order_lines_order_idx" ON "store_order_lines" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "store_orders_customer_idx" ON "store_orders" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "store_orders_state_idx" ON "store_orders" USING btree ("state");--> statement-breakpoint
CREATE INDEX "store_products_category_idx" ON "store_products" USING btree ("category","sort");--> statement-breakpoint
CREATE INDEX "store_variants_product_idx" ON "store_variants" USING btree ("product_id");--> statement-breakpoint
CREATE UNIQUE INDEX "support_conversations_one_open_idx" ON "support_conversations" USING btree ("customer_id") WHERE "support_conversations"."status" <> 'closed';--> statement-breakpoint
CREATE INDEX "support_conversations_customer_idx" ON "support_conversations" USING btree ("customer_id","id");--> statement-breakpoint
CREATE INDEX "support_messages_customer_idx" ON "support_messages" USING btree ("customer_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "support_topics_thread_idx" ON "support_topics" USING btree ("thread_id");--> statement-breakpoint
CREATE INDEX "campaign_clicks_campaign_idx" ON "campaign_clicks" USING btree ("campaign_id");--> statement-breakpoint
CREATE INDEX "campaign_recipients_batch_idx" ON "campaign_recipients" USING btree ("campaign_id","batch","state");--> statement-breakpoint
CREATE INDEX "campaign_recipients_customer_idx" ON "campaign_recipients" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "customer_model_views_model_idx" ON "customer_model_views" USING btree ("model_id");--> statement-breakpoint
CREATE INDEX "marketing_consent_log_customer_idx" ON "marketing_consent_log" USING btree ("customer_id");--> statement-breakpoint
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_store_order_id_store_orders_id_fk" FOREIGN KEY ("store_order_id") REFERENCES "public"."store_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "installations" ADD CONSTRAINT "installations_store_order_id_store_orders_id_fk" FOREIGN KEY ("store_order_id") REFERENCES "public"."store_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "bookings_one_active_store_uq" ON "bookings" USING btree ("store_order_id","kind") WHERE "bookings"."state" = 'active';--> statement-breakpoint
CREATE UNIQUE INDEX "installations_one_open_store_uq" ON "installations" USING btree ("store_order_id") WHERE "installations"."state" in ('requested','scheduled');--> statement-breakpoint
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_one_owner" CHECK (("bookings"."order_id" is null) <> ("bookings"."store_order_id" is null));--> statement-breakpoint
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_store_installation_only" CHECK ("bookings"."store_order_id" is null or "bookings"."kind" = 'installation');--> statement-breakpoint
ALTER TABLE "installations" ADD CONSTRAINT "installations_one_owner" CHECK (("installations"."order_id" is null) <> ("installations"."store_order_id" is null));