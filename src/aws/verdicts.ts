// Validation vocabulary shared by the executors: "ok", "stale" (the world changed since the card,
// so the action no longer makes sense) and "refused" (the role lacks a permission, or AWS would
// refuse the call). DryRun answers are turned into verdicts here so every executor says the same.
import type { Verdict } from '../executors/types.js';
import { awsErrorCode, PermissionError, UserError } from '../lib/errors.js';
import { checkEc2Permission } from './dry-run.js';
import { isNotFound } from './ec2-lookup.js';

export const OK: Verdict = { ok: true };

export function stale(reason: string): Verdict {
  return { ok: false, stale: true, reason };
}

/** AWS answered a DryRun with a client error other than a permission one (wrong state, bad id). */
export class DryRunRefusal extends Error {
  override name = 'DryRunRefusal';
  constructor(
    readonly action: string,
    cause: unknown,
  ) {
    const code = awsErrorCode(cause);
    const msg = cause instanceof Error ? cause.message : String(cause);
    super(`AWS would refuse ${action}: ${msg}${code ? ` (${code})` : ''}`, { cause });
  }
}

function isClientError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  if ((err as { $fault?: string }).$fault === 'client') return true;
  return /^(Incorrect|Invalid|OperationNotPermitted|Unsupported|MissingParameter)/.test(
    awsErrorCode(err) ?? '',
  );
}

/**
 * Sends the mutating call with DryRun: true. Allowed -> returns; denied -> PermissionError;
 * any other client error -> DryRunRefusal; server errors propagate unchanged.
 */
export async function dryRunCheck(action: string, sendDryRun: () => Promise<unknown>): Promise<void> {
  try {
    await checkEc2Permission(action, sendDryRun);
  } catch (err) {
    if (err instanceof PermissionError) throw err;
    if (isClientError(err)) throw new DryRunRefusal(action, err);
    throw err;
  }
}

/** Runs a validation; permission and DryRun refusals become verdicts, vanished resources stale ones. */
export async function guardValidation(check: () => Promise<Verdict>): Promise<Verdict> {
  try {
    return await check();
  } catch (err) {
    if (err instanceof PermissionError) return { ok: false, reason: err.message };
    if (err instanceof DryRunRefusal) {
      if (isNotFound(err.cause)) return stale(`no longer exists: ${(err.cause as Error).message}`);
      return { ok: false, reason: err.message };
    }
    throw err;
  }
}

/**
 * Runs one step of an execution, naming it in the error ("deleting vol-1: ..."). Errors a person
 * can act on (UserError, e.g. a missing permission) pass through unchanged so their message shows.
 */
export async function attempting<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (cause) {
    if (cause instanceof UserError) throw cause;
    throw new Error(what, { cause });
  }
}
