CREATE TABLE "interaction_inbox" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "interaction_inbox_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"action_id" text NOT NULL,
	"click" jsonb NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"claimed_until" timestamp with time zone NOT NULL,
	"attempts" integer DEFAULT 1 NOT NULL,
	"processed_at" timestamp with time zone,
	"outcome" text
);
--> statement-breakpoint
CREATE INDEX "interaction_inbox_unprocessed_idx" ON "interaction_inbox" USING btree ("claimed_until") WHERE "interaction_inbox"."processed_at" is null;