CREATE TABLE "funnel_events" (
	"customer_id" integer NOT NULL,
	"model_id" text NOT NULL,
	"stage" text NOT NULL,
	"day" date NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "funnel_events_customer_id_model_id_stage_day_pk" PRIMARY KEY("customer_id","model_id","stage","day"),
	CONSTRAINT "funnel_events_stage" CHECK ("funnel_events"."stage" in ('started','configured'))
);
--> statement-breakpoint
CREATE TABLE "report_subscriptions" (
	"telegram_id" bigint PRIMARY KEY NOT NULL,
	"daily" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "staff" DROP CONSTRAINT "staff_role";--> statement-breakpoint
ALTER TABLE "funnel_events" ADD CONSTRAINT "funnel_events_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "funnel_events" ADD CONSTRAINT "funnel_events_model_id_car_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."car_models"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "funnel_events_at_idx" ON "funnel_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "order_events_state_created_idx" ON "order_events" USING btree ("to_state","created_at");--> statement-breakpoint
CREATE INDEX "orders_created_idx" ON "orders" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "orders_waiting_idx" ON "orders" USING btree ("state","created_at") WHERE "orders"."state" in ('awaiting_deposit','deposit_paid','vehicle_allocated','ready_for_delivery','delivery_scheduled','refund_requested');--> statement-breakpoint
CREATE INDEX "payments_created_idx" ON "payments" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "installations_installed_idx" ON "installations" USING btree ("installed_at");--> statement-breakpoint
CREATE INDEX "store_orders_paid_idx" ON "store_orders" USING btree ("paid_at");--> statement-breakpoint
CREATE INDEX "support_conversations_opened_idx" ON "support_conversations" USING btree ("opened_at");--> statement-breakpoint
ALTER TABLE "staff" ADD CONSTRAINT "staff_role" CHECK ("staff"."role" in ('admin','agent','marketer','ops','manager'));