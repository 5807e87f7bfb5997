CREATE TABLE "tool_calls" (
	"tool_call_id" text PRIMARY KEY NOT NULL,
	"call_id" text,
	"tool_name" text NOT NULL,
	"caller_number" text,
	"outcome" text NOT NULL,
	"response" jsonb NOT NULL,
	"duration_ms" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "tool_calls_call_id_idx" ON "tool_calls" USING btree ("call_id");