CREATE TABLE "do_not_call" (
	"number" text PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"reason" text,
	"call_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "predial_decisions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" text NOT NULL,
	"contact_id" text,
	"number" text NOT NULL,
	"eligible" boolean NOT NULL,
	"reason" text,
	"time_zones" text,
	"decided_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "predial_decisions_number_idx" ON "predial_decisions" USING btree ("number","decided_at");--> statement-breakpoint
CREATE INDEX "predial_decisions_campaign_idx" ON "predial_decisions" USING btree ("campaign_id","decided_at");