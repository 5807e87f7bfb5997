CREATE TABLE "blocked_numbers" (
	"number" text PRIMARY KEY NOT NULL,
	"reason" text,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "call_members" (
	"call_id" text NOT NULL,
	"member" text NOT NULL,
	"squad" text NOT NULL,
	"via" text NOT NULL,
	"from_member" text,
	"reason" text,
	"joined_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "call_members_call_id_member_pk" PRIMARY KEY("call_id","member")
);
