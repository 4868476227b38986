CREATE SEQUENCE "public"."order_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 100001 CACHE 1;--> statement-breakpoint
CREATE TABLE "customers" (
	"id" serial PRIMARY KEY NOT NULL,
	"telegram_id" bigint NOT NULL,
	"first_name" text DEFAULT '' NOT NULL,
	"last_name" text,
	"username" text,
	"language" text NOT NULL,
	"phone" text,
	"marketing_consent" boolean,
	"blocked" boolean DEFAULT false NOT NULL,
	"source" text,
	"last_source" text,
	"last_active_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "customers_telegram_id_unique" UNIQUE("telegram_id")
);
--> statement-breakpoint
CREATE TABLE "conversation_states" (
	"chat_id" bigint PRIMARY KEY NOT NULL,
	"step" text DEFAULT 'menu' NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"menu_message_id" integer,
	"menu_photo" text,
	"version" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "processed_updates" (
	"update_id" bigint PRIMARY KEY NOT NULL,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "car_models" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"tagline" jsonb NOT NULL,
	"photo_url" text NOT NULL,
	"deposit_fen" integer NOT NULL,
	"sort" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "car_models_deposit_positive" CHECK ("car_models"."deposit_fen" > 0)
);
--> statement-breakpoint
CREATE TABLE "car_options" (
	"id" text PRIMARY KEY NOT NULL,
	"model_id" text NOT NULL,
	"kind" text NOT NULL,
	"name" jsonb NOT NULL,
	"price_fen" integer DEFAULT 0 NOT NULL,
	"trim_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"sort" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "car_options_kind" CHECK ("car_options"."kind" in ('paint','wheels','interior')),
	CONSTRAINT "car_options_price_nonneg" CHECK ("car_options"."price_fen" >= 0)
);
--> statement-breakpoint
CREATE TABLE "trims" (
	"id" text PRIMARY KEY NOT NULL,
	"model_id" text NOT NULL,
	"name" jsonb NOT NULL,
	"price_fen" integer NOT NULL,
	"range_cltc_km" integer NOT NULL,
	"accel_0_100_s" numeric(3, 1) NOT NULL,
	"top_speed_kmh" integer NOT NULL,
	"sort" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "trims_price_positive" CHECK ("trims"."price_fen" > 0)
);
--> statement-breakpoint
CREATE TABLE "order_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"order_id" integer NOT NULL,
	"from_state" text,
	"to_state" text NOT NULL,
	"actor" text NOT NULL,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"id" serial PRIMARY KEY NOT NULL,
	"number" text DEFAULT 'TJ' || nextval('order_number_seq') NOT NULL,
	"customer_id" integer NOT NULL,
	"model_id" text NOT NULL,
	"snapshot" jsonb NOT NULL,
	"total_fen" integer NOT NULL,
	"deposit_fen" integer NOT NULL,
	"currency" text DEFAULT 'CNY' NOT NULL,
	"state" text NOT NULL,
	"contact_name" text NOT NULL,
	"phone" text NOT NULL,
	"city" text NOT NULL,
	"vin" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "orders_number_unique" UNIQUE("number"),
	CONSTRAINT "orders_total_positive" CHECK ("orders"."total_fen" > 0 and "orders"."deposit_fen" > 0)
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"id" serial PRIMARY KEY NOT NULL,
	"order_id" integer NOT NULL,
	"telegram_payment_charge_id" text NOT NULL,
	"provider_payment_charge_id" text NOT NULL,
	"amount_fen" integer NOT NULL,
	"currency" text NOT NULL,
	"payer_telegram_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payments_telegram_payment_charge_id_unique" UNIQUE("telegram_payment_charge_id")
);
--> statement-breakpoint
CREATE TABLE "bookings" (
	"id" serial PRIMARY KEY NOT NULL,
	"order_id" integer NOT NULL,
	"kind" text NOT NULL,
	"method" text,
	"slot_id" integer NOT NULL,
	"address" text,
	"parking" text,
	"permission" boolean,
	"state" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "delivery_centres" (
	"id" text PRIMARY KEY NOT NULL,
	"city" text NOT NULL,
	"city_name" jsonb NOT NULL,
	"name" jsonb NOT NULL,
	"address" jsonb NOT NULL,
	"sort" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "slots" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"centre_id" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"capacity" integer NOT NULL,
	"booked" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "slots_capacity" CHECK ("slots"."booked" >= 0 and "slots"."booked" <= "slots"."capacity")
);
--> statement-breakpoint
ALTER TABLE "car_options" ADD CONSTRAINT "car_options_model_id_car_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."car_models"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trims" ADD CONSTRAINT "trims_model_id_car_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."car_models"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_events" ADD CONSTRAINT "order_events_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_model_id_car_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."car_models"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_slot_id_slots_id_fk" FOREIGN KEY ("slot_id") REFERENCES "public"."slots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slots" ADD CONSTRAINT "slots_centre_id_delivery_centres_id_fk" FOREIGN KEY ("centre_id") REFERENCES "public"."delivery_centres"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customers_source_idx" ON "customers" USING btree ("source");--> statement-breakpoint
CREATE INDEX "car_options_model_kind_idx" ON "car_options" USING btree ("model_id","kind");--> statement-breakpoint
CREATE INDEX "trims_model_idx" ON "trims" USING btree ("model_id");--> statement-breakpoint
CREATE INDEX "order_events_order_idx" ON "order_events" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "orders_customer_idx" ON "orders" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "orders_state_idx" ON "orders" USING btree ("state");--> statement-breakpoint
CREATE INDEX "payments_order_idx" ON "payments" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "bookings_order_idx" ON "bookings" USING btree ("order_id");--> statement-breakpoint
CREATE UNIQUE INDEX "bookings_one_active_uq" ON "bookings" USING btree ("order_id","kind") WHERE "bookings"."state" = 'active';--> statement-breakpoint
CREATE UNIQUE INDEX "slots_kind_centre_start_uq" ON "slots" USING btree ("kind","centre_id","starts_at");