-- A toolCallId is only unique within its Vapi call: the idempotency key becomes (call_id, tool_call_id).
-- Rows stored without a call id keep their answers under the empty call id.
UPDATE "tool_calls" SET "call_id" = '' WHERE "call_id" IS NULL;--> statement-breakpoint
ALTER TABLE "tool_calls" DROP CONSTRAINT "tool_calls_pkey";--> statement-breakpoint
DROP INDEX "tool_calls_call_id_idx";--> statement-breakpoint
ALTER TABLE "tool_calls" ALTER COLUMN "call_id" SET DEFAULT '';--> statement-breakpoint
ALTER TABLE "tool_calls" ALTER COLUMN "call_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "tool_calls" ADD CONSTRAINT "tool_calls_pkey" PRIMARY KEY("call_id","tool_call_id");
