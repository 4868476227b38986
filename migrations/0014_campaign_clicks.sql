-- Click attribution (issue 15): the click's time is `clicked_at`, and a customer's clicks are found by time
-- (last touch within 7 days before an order or deposit).
ALTER TABLE "campaign_clicks" RENAME COLUMN "at" TO "clicked_at";--> statement-breakpoint
CREATE INDEX "campaign_clicks_customer_idx" ON "campaign_clicks" USING btree ("customer_id","clicked_at");
--> statement-breakpoint
-- The catalog without SQL (issue 15): the audit of every change, hidden products and variants, the low-stock alert.
CREATE TABLE "catalog_audit" (
	"id" serial PRIMARY KEY NOT NULL,
	"actor" text NOT NULL,
	"entity" text NOT NULL,
	"entity_id" text NOT NULL,
	"field" text NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"note" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "catalog_audit_entity" CHECK ("catalog_audit"."entity" in ('product','variant','model')),
	CONSTRAINT "catalog_audit_field" CHECK ("catalog_audit"."field" in ('stock','price','hidden','threshold','available'))
);
--> statement-breakpoint
ALTER TABLE "store_products" ADD COLUMN "hidden" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "store_variants" ADD COLUMN "hidden" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "store_variants" ADD COLUMN "low_stock_threshold" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "store_variants" ADD COLUMN "low_stock_alerted_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "catalog_audit_entity_idx" ON "catalog_audit" USING btree ("entity","entity_id","at");--> statement-breakpoint
ALTER TABLE "store_variants" ADD CONSTRAINT "store_variants_threshold" CHECK ("store_variants"."low_stock_threshold" >= 0);