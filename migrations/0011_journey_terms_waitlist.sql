CREATE TABLE "delivery_waitlist" (
	"id" serial PRIMARY KEY NOT NULL,
	"customer_id" integer NOT NULL,
	"city" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "refund_policy" text DEFAULT 'until_vin' NOT NULL;--> statement-breakpoint
-- Orders placed before this migration were told the deposit is refundable until delivery.
UPDATE "orders" SET "refund_policy" = 'until_delivery';--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "terms_accepted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "preferred_delivery_week" text;--> statement-breakpoint
ALTER TABLE "delivery_waitlist" ADD CONSTRAINT "delivery_waitlist_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "delivery_waitlist_customer_city_uq" ON "delivery_waitlist" USING btree ("customer_id","city");--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_refund_policy" CHECK ("orders"."refund_policy" in ('until_vin','until_delivery'));