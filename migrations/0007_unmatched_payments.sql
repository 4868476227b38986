CREATE TABLE "unmatched_payments" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"telegram_payment_charge_id" text NOT NULL,
	"provider_payment_charge_id" text NOT NULL,
	"payload" text NOT NULL,
	"amount" integer NOT NULL,
	"currency" text NOT NULL,
	"payer_telegram_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "unmatched_payments_telegram_payment_charge_id_unique" UNIQUE("telegram_payment_charge_id")
);
