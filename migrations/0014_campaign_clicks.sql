-- Click attribution (issue 15): the click's time is `clicked_at`, and a customer's clicks are found by time
-- (last touch within 7 days before an order or deposit).
ALTER TABLE "campaign_clicks" RENAME COLUMN "at" TO "clicked_at";--> statement-breakpoint
CREATE INDEX "campaign_clicks_customer_idx" ON "campaign_clicks" USING btree ("customer_id","clicked_at");
