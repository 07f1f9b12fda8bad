// Button values: what the builders put in `value` and what the action listeners read back. Both
// sides use these functions so the wire format lives in one place. Values stay short (<= 255
// characters, see limits.ts): a group is named by a short key, never by its list of ids.
import { z } from 'zod';
import { checkButtonValue } from './limits.js';

/** A waste group: one account + region + scanner kind, e.g. `12:us-east-1:ebs-unattached`. */
export function wasteGroupKey(accountId: number, region: string, kind: string): string {
  return `${accountId}:${region}:${kind}`;
}

export function parseWasteGroupKey(key: string): { accountId: number; region: string; kind: string } | null {
  const m = /^(\d+):([a-z0-9-]+):([A-Za-z0-9_.-]+)$/.exec(key);
  if (!m) return null;
  return { accountId: Number(m[1]), region: m[2]!, kind: m[3]! };
}

/** Approve all: `{"g":"12:us-east-1:ebs-unattached"}`. */
export function encodeApproveAll(groupKey: string): string {
  return checkButtonValue(JSON.stringify({ g: groupKey }), 'Approve all');
}

export function parseApproveAll(value: string): { group: string } | null {
  const v = parseJson(value);
  return v && typeof v.g === 'string' && v.g !== '' ? { group: v.g } : null;
}

/** Show more: `{"group":"12:us-east-1:ebs-unattached","offset":20}`. */
export function encodeShowMore(group: string, offset: number): string {
  return checkButtonValue(JSON.stringify({ group, offset }), 'Show more');
}

export function parseShowMore(value: string): { group: string; offset: number } | null {
  const v = parseJson(value);
  if (!v || typeof v.group !== 'string' || v.group === '') return null;
  const offset = v.offset;
  return typeof offset === 'number' && Number.isInteger(offset) && offset >= 0
    ? { group: v.group, offset }
    : null;
}

/** Recommendation and execution buttons carry the bare numeric id. */
export function encodeId(id: number): string {
  return String(id);
}

/** A database id as a button carries it: a positive integer within PostgreSQL's `integer`. */
const idValue = z
  .string()
  .regex(/^[1-9]\d{0,9}$/)
  .transform(Number)
  .pipe(z.number().int().max(2_147_483_647));

export function parseId(value: unknown): number | null {
  const r = idValue.safeParse(value);
  return r.success ? r.data : null;
}

function parseJson(value: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(value);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
