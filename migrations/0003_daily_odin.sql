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
ALTER TABLE "interruption_policies" ADD CONSTRAINT "interruption_policies_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interruption_responses" ADD CONSTRAINT "interruption_responses_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "on_demand_fallbacks" ADD CONSTRAINT "on_demand_fallbacks_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "interruption_responses_instance_idx" ON "interruption_responses" USING btree ("account_id","instance_id");--> statement-breakpoint
CREATE INDEX "interruption_responses_warned_idx" ON "interruption_responses" USING btree ("warned_at");--> statement-breakpoint
CREATE INDEX "on_demand_fallbacks_open_idx" ON "on_demand_fallbacks" USING btree ("proposed_at");