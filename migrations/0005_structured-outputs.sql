ALTER TABLE "calls" ADD COLUMN "structured_outputs" jsonb;--> statement-breakpoint
CREATE INDEX "calls_structured_outputs_idx" ON "calls" USING gin ("structured_outputs" jsonb_path_ops);