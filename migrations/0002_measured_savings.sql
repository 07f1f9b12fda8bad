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
ALTER TABLE "measured_savings" ADD CONSTRAINT "measured_savings_execution_id_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."executions"("id") ON DELETE cascade ON UPDATE no action;