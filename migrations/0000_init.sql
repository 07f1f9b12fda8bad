CREATE TYPE "public"."account_status" AS ENUM('pending', 'verified');--> statement-breakpoint
CREATE TYPE "public"."environment" AS ENUM('PROD', 'LAB');--> statement-breakpoint
CREATE TYPE "public"."execution_status" AS ENUM('pending', 'awaiting_approval', 'approved', 'validating', 'executing', 'verifying', 'succeeded', 'failed', 'stale', 'rolling_back', 'rolled_back', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."pipeline_status" AS ENUM('running', 'succeeded', 'failed', 'compensating', 'compensated', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."recommendation_status" AS ENUM('open', 'posted', 'approved', 'executing', 'executed', 'failed', 'rolled_back', 'stale', 'rejected', 'ignored', 'claimed', 'exempted', 'resolved');--> statement-breakpoint
CREATE TYPE "public"."risk_level" AS ENUM('LOW', 'MEDIUM', 'HIGH', 'CRITICAL');--> statement-breakpoint
CREATE TYPE "public"."shadow_it_action" AS ENUM('terminate', 'stop', 'notify');--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "accounts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"aws_account_id" text,
	"role_arn" text,
	"external_id" text NOT NULL,
	"environment" "environment" DEFAULT 'LAB' NOT NULL,
	"regions" text[] DEFAULT '{}'::text[] NOT NULL,
	"slack_channel" text,
	"approvers" text[] DEFAULT '{}'::text[] NOT NULL,
	"status" "account_status" DEFAULT 'pending' NOT NULL,
	"shadow_it_action" "shadow_it_action",
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"verified_at" timestamp with time zone,
	CONSTRAINT "accounts_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"recommendation_id" integer,
	"execution_id" integer,
	"account_id" integer,
	"actor" text NOT NULL,
	"event" text NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"slack_ts" text
);
--> statement-breakpoint
CREATE TABLE "executions" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "executions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"recommendation_id" integer,
	"account_id" integer NOT NULL,
	"region" text NOT NULL,
	"executor" text NOT NULL,
	"params" jsonb NOT NULL,
	"batch_id" text,
	"requested_by" text NOT NULL,
	"approved_by" text,
	"priority" integer DEFAULT 100 NOT NULL,
	"scheduled_for" timestamp with time zone DEFAULT now() NOT NULL,
	"dry_run" boolean NOT NULL,
	"risk_level" "risk_level" DEFAULT 'LOW' NOT NULL,
	"status" "execution_status" DEFAULT 'pending' NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"summary" text,
	"undo" jsonb,
	"error" text,
	"estimated_monthly_savings" double precision,
	"actual_monthly_savings" double precision,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "exemptions" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "exemptions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"account_id" integer NOT NULL,
	"region" text NOT NULL,
	"resource_id" text NOT NULL,
	"reason" text NOT NULL,
	"created_by" text NOT NULL,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "instances" (
	"account_id" integer NOT NULL,
	"region" text NOT NULL,
	"instance_id" text NOT NULL,
	"instance_type" text NOT NULL,
	"availability_zone" text,
	"lifecycle" text DEFAULT 'on-demand' NOT NULL,
	"state" text NOT NULL,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"launched_at" timestamp with time zone,
	"pipeline_mode" text,
	"auth_status" text DEFAULT 'unknown' NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "instances_account_id_region_instance_id_pk" PRIMARY KEY("account_id","region","instance_id")
);
--> statement-breakpoint
CREATE TABLE "on_demand_prices" (
	"region" text NOT NULL,
	"instance_type" text NOT NULL,
	"operating_system" text DEFAULT 'Linux' NOT NULL,
	"price_per_hour" double precision NOT NULL,
	"source" text NOT NULL,
	"as_of" timestamp with time zone NOT NULL,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "on_demand_prices_region_instance_type_operating_system_pk" PRIMARY KEY("region","instance_type","operating_system")
);
--> statement-breakpoint
CREATE TABLE "pipeline_runs" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pipeline_runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"kind" text NOT NULL,
	"account_id" integer NOT NULL,
	"region" text NOT NULL,
	"target" text NOT NULL,
	"execution_id" integer,
	"status" "pipeline_status" DEFAULT 'running' NOT NULL,
	"step" text,
	"state" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"dry_run" boolean NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pipeline_steps" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pipeline_steps_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"run_id" integer NOT NULL,
	"step" text NOT NULL,
	"status" text NOT NULL,
	"attempt" integer DEFAULT 1 NOT NULL,
	"state" jsonb,
	"last_error" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "pool_events" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pool_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"event_id" text NOT NULL,
	"kind" text NOT NULL,
	"account_id" integer,
	"aws_account_id" text NOT NULL,
	"environment" "environment",
	"region" text NOT NULL,
	"availability_zone" text,
	"instance_type" text,
	"instance_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"raw" jsonb NOT NULL,
	CONSTRAINT "pool_events_event_id_unique" UNIQUE("event_id")
);
--> statement-breakpoint
CREATE TABLE "price_gaps" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "price_gaps_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"region" text NOT NULL,
	"availability_zone" text NOT NULL,
	"instance_type" text NOT NULL,
	"product" text NOT NULL,
	"gap_start" timestamp with time zone NOT NULL,
	"gap_end" timestamp with time zone NOT NULL,
	"filled_points" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recommendations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "recommendations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"fingerprint" text NOT NULL,
	"kind" text NOT NULL,
	"executor" text NOT NULL,
	"account_id" integer NOT NULL,
	"region" text NOT NULL,
	"resource_id" text NOT NULL,
	"title" text NOT NULL,
	"params" jsonb NOT NULL,
	"evidence" jsonb NOT NULL,
	"monthly_savings_usd" double precision DEFAULT 0 NOT NULL,
	"risk_level" "risk_level" DEFAULT 'LOW' NOT NULL,
	"risk_score" double precision,
	"model_version" text,
	"status" "recommendation_status" DEFAULT 'open' NOT NULL,
	"slack_channel" text,
	"slack_ts" text,
	"snoozed_until" timestamp with time zone,
	"due_at" timestamp with time zone,
	"exempt_until" timestamp with time zone,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "recommendations_fingerprint_unique" UNIQUE("fingerprint")
);
--> statement-breakpoint
CREATE TABLE "resource_sightings" (
	"account_id" integer NOT NULL,
	"region" text NOT NULL,
	"resource_id" text NOT NULL,
	"condition" text NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "resource_sightings_account_id_region_resource_id_condition_pk" PRIMARY KEY("account_id","region","resource_id","condition")
);
--> statement-breakpoint
CREATE TABLE "risk_assessments" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "risk_assessments_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"region" text NOT NULL,
	"availability_zone" text NOT NULL,
	"instance_type" text NOT NULL,
	"score" double precision NOT NULL,
	"level" "risk_level" NOT NULL,
	"model_version" text NOT NULL,
	"engine" text NOT NULL,
	"features" jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "risk_models" (
	"version" text PRIMARY KEY NOT NULL,
	"sha256" text NOT NULL,
	"card" jsonb NOT NULL,
	"active" boolean DEFAULT false NOT NULL,
	"fallback" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scan_runs" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "scan_runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"account_id" integer NOT NULL,
	"region" text NOT NULL,
	"scanner" text NOT NULL,
	"status" text NOT NULL,
	"findings" integer DEFAULT 0 NOT NULL,
	"error" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "spot_pool_risk" (
	"region" text NOT NULL,
	"availability_zone" text NOT NULL,
	"instance_type" text NOT NULL,
	"is_poisoned" boolean DEFAULT false NOT NULL,
	"poison_expires_at" timestamp with time zone,
	"interruption_count" integer DEFAULT 0 NOT NULL,
	"rebalance_count" integer DEFAULT 0 NOT NULL,
	"last_interruption_at" timestamp with time zone,
	"last_rebalance_at" timestamp with time zone,
	"poisoned_by_account_id" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "spot_pool_risk_region_availability_zone_instance_type_pk" PRIMARY KEY("region","availability_zone","instance_type")
);
--> statement-breakpoint
CREATE TABLE "spot_prices" (
	"region" text NOT NULL,
	"availability_zone" text NOT NULL,
	"instance_type" text NOT NULL,
	"product" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"price" double precision NOT NULL,
	"filled" boolean DEFAULT false NOT NULL,
	CONSTRAINT "spot_prices_region_availability_zone_instance_type_product_at_pk" PRIMARY KEY("region","availability_zone","instance_type","product","at")
);
--> statement-breakpoint
ALTER TABLE "executions" ADD CONSTRAINT "executions_recommendation_id_recommendations_id_fk" FOREIGN KEY ("recommendation_id") REFERENCES "public"."recommendations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "executions" ADD CONSTRAINT "executions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exemptions" ADD CONSTRAINT "exemptions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instances" ADD CONSTRAINT "instances_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_runs" ADD CONSTRAINT "pipeline_runs_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_runs" ADD CONSTRAINT "pipeline_runs_execution_id_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."executions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_steps" ADD CONSTRAINT "pipeline_steps_run_id_pipeline_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."pipeline_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recommendations" ADD CONSTRAINT "recommendations_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resource_sightings" ADD CONSTRAINT "resource_sightings_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scan_runs" ADD CONSTRAINT "scan_runs_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_recommendation_idx" ON "audit_events" USING btree ("recommendation_id","id");--> statement-breakpoint
CREATE INDEX "audit_events_execution_idx" ON "audit_events" USING btree ("execution_id","id");--> statement-breakpoint
CREATE INDEX "executions_queue_idx" ON "executions" USING btree ("status","priority","scheduled_for");--> statement-breakpoint
CREATE UNIQUE INDEX "executions_one_live_per_recommendation" ON "executions" USING btree ("recommendation_id") WHERE "executions"."status" in ('pending','awaiting_approval','approved','validating','executing','verifying','rolling_back');--> statement-breakpoint
CREATE INDEX "exemptions_resource_idx" ON "exemptions" USING btree ("account_id","region","resource_id");--> statement-breakpoint
CREATE INDEX "pipeline_runs_status_idx" ON "pipeline_runs" USING btree ("status");--> statement-breakpoint
CREATE INDEX "pipeline_steps_run_idx" ON "pipeline_steps" USING btree ("run_id","id");--> statement-breakpoint
CREATE INDEX "pool_events_pool_idx" ON "pool_events" USING btree ("region","availability_zone","instance_type","at");--> statement-breakpoint
CREATE INDEX "recommendations_scope_idx" ON "recommendations" USING btree ("account_id","region","kind","status");--> statement-breakpoint
CREATE INDEX "recommendations_due_idx" ON "recommendations" USING btree ("status","due_at");--> statement-breakpoint
CREATE INDEX "risk_assessments_pool_idx" ON "risk_assessments" USING btree ("region","availability_zone","instance_type","at");--> statement-breakpoint
CREATE INDEX "scan_runs_scope_idx" ON "scan_runs" USING btree ("account_id","region","scanner","started_at");