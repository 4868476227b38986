ALTER TABLE "orders" ADD COLUMN "request_key" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "receipt_sent_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "store_payments" ADD COLUMN "receipt_sent_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "request_key" text;--> statement-breakpoint
CREATE UNIQUE INDEX "orders_request_key_uq" ON "orders" USING btree ("customer_id","request_key") WHERE "orders"."request_key" is not null;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_request_key_unique" UNIQUE("request_key");--> statement-breakpoint
-- Payments recorded before this column existed were answered when they were recorded.
UPDATE "payments" SET "receipt_sent_at" = "created_at";--> statement-breakpoint
UPDATE "store_payments" SET "receipt_sent_at" = "created_at";
