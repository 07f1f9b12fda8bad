ALTER TABLE "recommendations" ADD COLUMN "content_hash" text;--> statement-breakpoint
ALTER TABLE "resource_sightings" ADD COLUMN "seen_by" text;