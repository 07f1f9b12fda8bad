// Identifiers: fingerprints for idempotent upserts, ExternalIDs for role trust.
import { createHash, randomBytes } from 'node:crypto';

export function fingerprint(...parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('|')).digest('hex');
}

/** A fresh ExternalID: 48 hex-safe characters from 24 random bytes (AWS allows 2-1224 chars). */
export function newExternalId(): string {
  return randomBytes(24).toString('base64url');
}
