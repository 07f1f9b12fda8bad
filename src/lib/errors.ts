// Error vocabulary. UserError carries a message that is safe and useful to show in Slack;
// anything else is explained from its AWS/network cause (lib/explain.ts) and logged in full.
import { explainError } from './explain.js';

/** A problem the person can fix; its message is shown to them verbatim. */
export class UserError extends Error {
  override name = 'UserError';
}

/** AWS refused for lack of an IAM permission; names the action so the fix is obvious. */
export class PermissionError extends UserError {
  override name = 'PermissionError';
  constructor(
    readonly action: string,
    detail?: string,
    options?: ErrorOptions,
  ) {
    super(`the role lacks ${action}${detail ? ` (${detail})` : ''}`, options);
  }
}

/** Walks `cause` links and returns a one-line description, outermost first. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 5; depth++) {
    if (cur instanceof Error) {
      parts.push(cur.message);
      cur = cur.cause;
    } else {
      parts.push(String(cur));
      break;
    }
  }
  return parts.join(': ');
}

/** The AWS error code of an SDK v3 error (`name`, or `Code` on some EC2 errors). */
export function awsErrorCode(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { name?: string; Code?: string; code?: string };
  return e.Code ?? e.code ?? e.name;
}

/** Text for a person: UserError messages verbatim, AWS causes explained, never raw SDK text. */
export function userMessage(err: unknown): string {
  return explainError(err);
}
