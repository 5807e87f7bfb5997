ALTER TABLE "call_members" DROP CONSTRAINT "call_members_call_id_member_pk";--> statement-breakpoint
ALTER TABLE "call_members" ALTER COLUMN "joined_at" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "call_members" ADD CONSTRAINT "call_members_call_id_joined_at_member_pk" PRIMARY KEY("call_id","joined_at","member");