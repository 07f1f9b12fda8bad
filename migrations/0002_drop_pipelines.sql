DROP TABLE "pipeline_runs" CASCADE;--> statement-breakpoint
DROP TABLE "pipeline_steps" CASCADE;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "lease_owner" text;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "lease_expires_at" timestamp with time zone;--> statement-breakpoint
DROP TYPE "public"."pipeline_status";