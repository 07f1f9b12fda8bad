CREATE TYPE "public"."step_status" AS ENUM('running', 'done', 'failed');--> statement-breakpoint
CREATE TABLE "execution_steps" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "execution_steps_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"execution_id" integer NOT NULL,
	"name" text NOT NULL,
	"status" "step_status" DEFAULT 'running' NOT NULL,
	"attempt" integer DEFAULT 1 NOT NULL,
	"owner" text NOT NULL,
	"output" jsonb,
	"error" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "measured_savings" (
	"execution_id" integer PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"method" text NOT NULL,
	"hours" double precision NOT NULL,
	"saved_usd" double precision NOT NULL,
	"on_demand_usd" double precision DEFAULT 0 NOT NULL,
	"monthly_rate_usd" double precision NOT NULL,
	"estimated_monthly_usd" double precision DEFAULT 0 NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"measured_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "outbox_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"kind" text NOT NULL,
	"ordering_key" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone,
	"result_ts" text
);
--> statement-breakpoint
CREATE TABLE "scan_failure_notices" (
	"account_id" integer NOT NULL,
	"region" text NOT NULL,
	"cause" text NOT NULL,
	"notified_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "scan_failure_notices_account_id_region_pk" PRIMARY KEY("account_id","region")
);
--> statement-breakpoint
DROP TABLE "pipeline_runs" CASCADE;--> statement-breakpoint
DROP TABLE "pipeline_steps" CASCADE;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "lease_owner" text;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "lease_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "recommendations" ADD COLUMN "content_hash" text;--> statement-breakpoint
ALTER TABLE "resource_sightings" ADD COLUMN "seen_by" text;--> statement-breakpoint
ALTER TABLE "risk_assessments" ADD COLUMN "model_score" double precision;--> statement-breakpoint
ALTER TABLE "risk_assessments" ADD COLUMN "horizon_hours" integer DEFAULT 168 NOT NULL;--> statement-breakpoint
ALTER TABLE "risk_assessments" ADD COLUMN "interrupted" boolean;--> statement-breakpoint
ALTER TABLE "risk_assessments" ADD COLUMN "labelled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "risk_models" ADD COLUMN "path" text;--> statement-breakpoint
ALTER TABLE "risk_models" ADD COLUMN "last_loaded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "execution_steps" ADD CONSTRAINT "execution_steps_execution_id_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "measured_savings" ADD CONSTRAINT "measured_savings_execution_id_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scan_failure_notices" ADD CONSTRAINT "scan_failure_notices_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "execution_steps_name_idx" ON "execution_steps" USING btree ("execution_id","name");--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "outbox" USING btree ("status","id") WHERE "outbox"."status" = 'pending';--> statement-breakpoint
DROP TYPE "public"."pipeline_status";