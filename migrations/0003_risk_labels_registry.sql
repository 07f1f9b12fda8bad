ALTER TABLE "risk_assessments" ADD COLUMN "model_score" double precision;--> statement-breakpoint
ALTER TABLE "risk_assessments" ADD COLUMN "horizon_hours" integer DEFAULT 168 NOT NULL;--> statement-breakpoint
ALTER TABLE "risk_assessments" ADD COLUMN "interrupted" boolean;--> statement-breakpoint
ALTER TABLE "risk_assessments" ADD COLUMN "labelled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "risk_models" ADD COLUMN "path" text;--> statement-breakpoint
ALTER TABLE "risk_models" ADD COLUMN "last_loaded_at" timestamp with time zone;