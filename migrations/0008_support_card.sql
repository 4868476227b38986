ALTER TABLE "support_conversations" ADD COLUMN "card_message_id" integer;--> statement-breakpoint
ALTER TABLE "support_conversations" ADD COLUMN "card_text" text;