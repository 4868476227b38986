ALTER TABLE "payments" ADD COLUMN "status" text DEFAULT 'applied' NOT NULL;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "problem" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "refunded_by" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "refunded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "store_payments" ADD COLUMN "status" text DEFAULT 'applied' NOT NULL;--> statement-breakpoint
ALTER TABLE "store_payments" ADD COLUMN "problem" text;--> statement-breakpoint
ALTER TABLE "store_payments" ADD COLUMN "refunded_by" text;--> statement-breakpoint
ALTER TABLE "store_payments" ADD COLUMN "refunded_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "payments_refund_needed_idx" ON "payments" USING btree ("id") WHERE "payments"."status" = 'refund_needed';--> statement-breakpoint
CREATE INDEX "store_payments_refund_needed_idx" ON "store_payments" USING btree ("id") WHERE "store_payments"."status" = 'refund_needed';--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_status" CHECK ("payments"."status" in ('applied','refund_needed','refunded'));--> statement-breakpoint
ALTER TABLE "store_payments" ADD CONSTRAINT "store_payments_status" CHECK ("store_payments"."status" in ('applied','refund_needed','refunded'));--> statement-breakpoint
-- Store orders already waiting for a refund (the stock was gone): their payments are what is owed back.
UPDATE "store_payments" SET "status" = 'refund_needed', "problem" = 'sold_out' WHERE "order_id" IN (SELECT "id" FROM "store_orders" WHERE "state" = 'needs_refund');
