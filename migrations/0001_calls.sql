CREATE TABLE "caller_memory" (
	"caller_number" text PRIMARY KEY NOT NULL,
	"name" text,
	"facts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"call_count" integer DEFAULT 0 NOT NULL,
	"last_call_id" text,
	"last_call_at" timestamp with time zone,
	"last_summary" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "calls" (
	"call_id" text PRIMARY KEY NOT NULL,
	"caller_number" text,
	"phone_number_id" text,
	"status" text NOT NULL,
	"status_rank" smallint NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"ended_reason" text,
	"duration_seconds" double precision,
	"cost" double precision,
	"summary" text,
	"success_evaluation" text,
	"structured_data" jsonb,
	"recording_url" text,
	"transcript" text,
	"transcript_purged_at" timestamp with time zone,
	"report_received_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "calls_caller_number_idx" ON "calls" USING btree ("caller_number","ended_at");--> statement-breakpoint
CREATE INDEX "calls_transcript_retention_idx" ON "calls" USING btree ("ended_at") WHERE "calls"."transcript" is not null;