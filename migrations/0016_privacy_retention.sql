ALTER TABLE "customers" ADD COLUMN "erased_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "conversation_states_updated_idx" ON "conversation_states" USING btree ("updated_at");--> statement-breakpoint
CREATE INDEX "store_addresses_used_idx" ON "store_addresses" USING btree ("used_at");--> statement-breakpoint
CREATE INDEX "support_messages_created_idx" ON "support_messages" USING btree ("created_at");