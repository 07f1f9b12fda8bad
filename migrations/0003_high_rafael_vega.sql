CREATE TABLE "batches" (
	"id" text PRIMARY KEY NOT NULL,
	"mode" text DEFAULT 'parallel' NOT NULL,
	"max_concurrency" integer DEFAULT 4 NOT NULL,
	"stop_on_failure" boolean DEFAULT true NOT NULL,
	"max_errors" integer DEFAULT 1 NOT NULL,
	"requested_by" text NOT NULL,
	"description" text NOT NULL,
	"slack_channel" text,
	"slack_ts" text,
	"total" integer DEFAULT 0 NOT NULL,
	"succeeded" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"cancelled" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"stopped_at" timestamp with time zone,
	"stop_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "recommendations" ADD COLUMN "requested_run_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "recommendations" ADD COLUMN "requested_priority" integer;--> statement-breakpoint
ALTER TABLE "recommendations" ADD COLUMN "requested_by" text;--> statement-breakpoint
CREATE INDEX "executions_batch_idx" ON "executions" USING btree ("batch_id","status");