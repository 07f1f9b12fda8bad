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
ALTER TABLE "approval_policies" ADD CONSTRAINT "approval_policies_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_recommendation_id_recommendations_id_fk" FOREIGN KEY ("recommendation_id") REFERENCES "public"."recommendations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recommendation_notes" ADD CONSTRAINT "recommendation_notes_recommendation_id_recommendations_id_fk" FOREIGN KEY ("recommendation_id") REFERENCES "public"."recommendations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "approvals_one_active_per_user" ON "approvals" USING btree ("recommendation_id","user_id") WHERE "approvals"."status" = 'active';--> statement-breakpoint
CREATE INDEX "approvals_expiry_idx" ON "approvals" USING btree ("status","expires_at");