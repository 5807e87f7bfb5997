CREATE TABLE "call_latencies" (
	"call_id" text PRIMARY KEY NOT NULL,
	"preset" text,
	"endpointing_mode" text,
	"phone_number_id" text,
	"experiment" text,
	"arm" text,
	"ended_at" timestamp with time zone NOT NULL,
	"duration_seconds" double precision,
	"turns" integer NOT NULL,
	"user_interrupted" integer DEFAULT 0 NOT NULL,
	"assistant_interrupted" integer DEFAULT 0 NOT NULL,
	"transferred" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "call_turn_latencies" (
	"call_id" text NOT NULL,
	"turn" integer NOT NULL,
	"transcriber_ms" double precision,
	"endpointing_ms" double precision,
	"model_ms" double precision,
	"voice_ms" double precision,
	"turn_ms" double precision,
	CONSTRAINT "call_turn_latencies_call_id_turn_pk" PRIMARY KEY("call_id","turn")
);
--> statement-breakpoint
CREATE INDEX "call_latencies_ended_at_idx" ON "call_latencies" USING btree ("ended_at");