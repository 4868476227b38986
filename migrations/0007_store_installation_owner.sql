ALTER TABLE "bookings" ALTER COLUMN "order_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "installations" ALTER COLUMN "order_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "bookings" ADD COLUMN "store_order_id" integer;--> statement-breakpoint
ALTER TABLE "installations" ADD COLUMN "store_order_id" integer;--> statement-breakpoint
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_store_order_id_store_orders_id_fk" FOREIGN KEY ("store_order_id") REFERENCES "public"."store_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "installations" ADD CONSTRAINT "installations_store_order_id_store_orders_id_fk" FOREIGN KEY ("store_order_id") REFERENCES "public"."store_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "bookings_one_active_store_uq" ON "bookings" USING btree ("store_order_id","kind") WHERE "bookings"."state" = 'active';--> statement-breakpoint
CREATE UNIQUE INDEX "installations_one_open_store_uq" ON "installations" USING btree ("store_order_id") WHERE "installations"."state" in ('requested','scheduled');--> statement-breakpoint
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_one_owner" CHECK (("bookings"."order_id" is null) <> ("bookings"."store_order_id" is null));--> statement-breakpoint
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_store_installation_only" CHECK ("bookings"."store_order_id" is null or "bookings"."kind" = 'installation');--> statement-breakpoint
ALTER TABLE "installations" ADD CONSTRAINT "installations_one_owner" CHECK (("installations"."order_id" is null) <> ("installations"."store_order_id" is null));