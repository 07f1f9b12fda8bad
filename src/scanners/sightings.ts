// Remembers when this bot first saw a resource in a condition (EBS volume 'unattached', instance
// 'unauthorized'): AWS keeps no "detached since" or "untagged since", so the scanners keep it in
// resource_sightings. Not a scanner; shared by the scanners that need a first-seen time. A
// listing records each page as it arrives and, once complete, forgets the resources it did not
// see (so a volume re-detached later starts a fresh clock).
import { randomUUID } from 'node:crypto';
import type { DbOrTx } from '../db/client.js';
import { forgetUnstamped, type SightingScope, upsertSightings } from '../db/queries/resource-sightings.js';

export type { SightingScope };

export interface SightingsRecorder {
  /** Records a page of resources in the condition; returns resourceId -> first seen at. */
  page(resourceIds: readonly string[]): Promise<Map<string, Date>>;
  /** The listing completed: forget the scope's resources no page named. */
  complete(): Promise<void>;
}

export function sightingsRecorder(db: DbOrTx, scope: SightingScope, now: Date): SightingsRecorder {
  // Stamps this listing's rows, so completion needs no list of what was seen.
  const stamp = randomUUID();
  return {
    page: (ids) => upsertSightings(db, scope, ids, now, stamp),
    async complete() {
      await forgetUnstamped(db, scope, stamp);
    },
  };
}

/** Records a whole listing at once (one page); returns resourceId -> first seen at. */
export async function recordSightings(
  db: DbOrTx,
  scope: SightingScope,
  resourceIds: readonly string[],
  now: Date,
): Promise<Map<string, Date>> {
  const recorder = sightingsRecorder(db, scope, now);
  const firstSeen = await recorder.page(resourceIds);
  await recorder.complete();
  return firstSeen;
}
