CREATE TYPE "public"."approval_status" AS ENUM('active', 'consumed', 'void', 'expired', 'superseded');--> statement-breakpoint
ALTER TYPE "public"."recommendation_status" ADD VALUE 'superseded';--> statement-breakpoint
CREATE TABLE "approval_policies" (
	"account_id" integer PRIMARY KEY NOT NULL,
	"policy" jsonb NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "approvals" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "approvals_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"recommendation_id" integer NOT NULL,
	"account_id" integer NOT NULL,
	"user_id" text NOT NULL,
	"level" "risk_level" NOT NULL,
	"plan_hash" text NOT NULL,
	"evidence_hash" text NOT NULL,
	"status" "approval_status" DEFAULT 'active' NOT NULL,
	"execution_id" integer,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
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
CREATE TABLE "interruption_policies" (
	"account_id" integer PRIMARY KEY NOT NULL,
	"rebalance" text DEFAULT 'notify' NOT NULL,
	"emergency" text DEFAULT 'managed' NOT NULL,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "interruption_responses" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "interruption_responses_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"account_id" integer NOT NULL,
	"region" text NOT NULL,
	"instance_id" text NOT NULL,
	"event_id" text NOT NULL,
	"event" text NOT NULL,
	"target" text NOT NULL,
	"action" text NOT NULL,
	"execution_id" integer,
	"move_recommendation_id" integer,
	"warned_at" timestamp with time zone NOT NULL,
	"read_at" timestamp with time zone NOT NULL,
	"deadline_at" timestamp with time zone,
	"requested_at" timestamp with time zone,
	"healthy_at" timestamp with time zone,
	"interrupted_stopped_at" timestamp with time zone,
	"replacement_id" text,
	"on_demand" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"summary" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "on_demand_fallbacks" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "on_demand_fallbacks_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"account_id" integer NOT NULL,
	"region" text NOT NULL,
	"instance_id" text NOT NULL,
	"instance_type" text NOT NULL,
	"availability_zone" text NOT NULL,
	"target" text NOT NULL,
	"group_name" text,
	"response_id" integer,
	"proposed_recommendation_id" integer,
	"proposed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "on_demand_fallbacks_instance_id_unique" UNIQUE("instance_id")
);
--> statement-breakpoint
CREATE TABLE "recommendation_notes" (
	"recommendation_id" integer PRIMARY KEY NOT NULL,
	"note" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "plan_hash" text;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "evidence_hash" text;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "auto_approved" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "wait_reason" text;--> statement-breakpoint
ALTER TABLE "recommendations" ADD COLUMN "requested_run_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "recommendations" ADD COLUMN "requested_priority" integer;--> statement-breakpoint
ALTER TABLE "recommendations" ADD COLUMN "requested_by" text;--> statement-breakpoint
ALTER TABLE "approval_policies" ADD CONSTRAINT "approval_policies_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_recommendation_id_recommendations_id_fk" FOREIGN KEY ("recommendation_id") REFERENCES "public"."recommendations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interruption_policies" ADD CONSTRAINT "interruption_policies_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interruption_responses" ADD CONSTRAINT "interruption_responses_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "on_demand_fallbacks" ADD CONSTRAINT "on_demand_fallbacks_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recommendation_notes" ADD CONSTRAINT "recommendation_notes_recommendation_id_recommendations_id_fk" FOREIGN KEY ("recommendation_id") REFERENCES "public"."recommendations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "approvals_one_active_per_user" ON "approvals" USING btree ("recommendation_id","user_id") WHERE "approvals"."status" = 'active';--> statement-breakpoint
CREATE INDEX "approvals_expiry_idx" ON "approvals" USING btree ("status","expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "interruption_responses_instance_idx" ON "interruption_responses" USING btree ("account_id","instance_id");--> statement-breakpoint
CREATE INDEX "interruption_responses_warned_idx" ON "interruption_responses" USING btree ("warned_at");--> statement-breakpoint
CREATE INDEX "on_demand_fallbacks_open_idx" ON "on_demand_fallbacks" USING btree ("proposed_at");--> statement-breakpoint
CREATE INDEX "executions_batch_idx" ON "executions" USING btree ("batch_id","status");