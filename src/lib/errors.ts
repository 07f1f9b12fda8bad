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

/**
 * The message of one error on one line. A @kubernetes/client-node ApiException carries a multi-line
 * HTTP dump (code, body, response headers): it becomes "HTTP 403 Forbidden: <Status.message>".
 */
export function errorMessage(err: Error): string {
  const e = err as Error & { code?: unknown; body?: unknown };
  if (typeof e.code === 'number' && e.message.startsWith('HTTP-Code:')) {
    let status: { reason?: string; message?: string } = {};
    try {
      status = typeof e.body === 'string' ? JSON.parse(e.body) : ((e.body as typeof status) ?? {});
    } catch {
      status = { message: String(e.body) };
    }
    const reason = status.reason ? ` ${status.reason}` : '';
    return `HTTP ${e.code}${reason}${status.message ? `: ${status.message}` : ''}`;
  }
  return e.message.replace(/\s*\n\s*/g, ' ');
}

/** Walks `cause` links and returns a one-line description, outermost first. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 5; depth++) {
    if (cur instanceof Error) {
      parts.push(errorMessage(cur));
      cur = cur.cause;
    } else {
      parts.push(String(cur).replace(/\s*\n\s*/g, ' '));
      break;
    }
  }
  return parts.join(': ');
}

/**
 * At most `max` characters, cut at a word boundary with an ellipsis: a Slack line never ends
 * in the middle of a word ("the role lacks Kub").
 */
export function clipLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.length <= max) return line;
  const cut = line.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.(]+$/, '')}…`;
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
