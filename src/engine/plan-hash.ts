// What an approval binds to: a hash of the plan (executor + params) and one of the evidence the
// card showed. Keys are sorted, so the same content always hashes the same.
import { createHash } from 'node:crypto';

function stable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stable);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, stable((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

const sha = (v: unknown) =>
  createHash('sha256')
    .update(JSON.stringify(stable(v)) ?? 'null')
    .digest('hex')
    .slice(0, 32);

export function planHash(executor: string, params: unknown): string {
  return sha({ executor, params });
}

export function evidenceHash(evidence: unknown): string {
  return sha(evidence);
}

/** Both hashes of a recommendation as it is now. */
export function bindingOf(rec: { executor: string; params: unknown; evidence: unknown }) {
  return { planHash: planHash(rec.executor, rec.params), evidenceHash: evidenceHash(rec.evidence) };
}
