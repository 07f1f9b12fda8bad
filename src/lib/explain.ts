// Errors people can act on: one map from AWS error codes (and network / parse failures) to a
// sentence saying what it means and what to do. The raw SDK text goes to the log only; Slack
// gets these sentences, whole (never cut mid-word). Slack's own error codes are in
// slack/errors.ts and use the same shape.
import { UserError } from './errors.js';

export interface Explanation {
  /** Stable cause, e.g. `aws:Throttling`; a scan failure is repeated only when this changes. */
  cause: string;
  /** What it means, as a clause: "AWS throttled the calls". */
  meaning: string;
  /** What a person can do about it, as a sentence. */
  remedy: string;
  /** Worth retrying later without anyone doing anything. */
  transient: boolean;
}

type Rule = Omit<Explanation, 'cause'>;

const permission: Rule = {
  meaning: 'the spotops role is not allowed to do that',
  remedy: 'Add the missing permission to the role (see `/spot connect` for the template), then try again.',
  transient: false,
};
const throttled: Rule = {
  meaning: 'AWS throttled the calls (too many requests in this account and region)',
  remedy: 'spotops tries again on its next run; nothing to do unless it keeps happening.',
  transient: true,
};
const gone: Rule = {
  meaning: 'the resource no longer exists',
  remedy: 'Nothing to do: it was probably removed by someone else.',
  transient: false,
};
const wrongState: Rule = {
  meaning: 'the resource is not in a state that allows this (it changed since the card was posted)',
  remedy: 'Check the resource in the console; the next scan shows its current state.',
  transient: false,
};
const noCapacity: Rule = {
  meaning: 'AWS has no capacity for that instance type in that Availability Zone right now',
  remedy: 'Try again later or pick another type or zone.',
  transient: true,
};
const credentials: Rule = {
  meaning: 'the credentials spotops uses were refused (expired or invalid)',
  remedy: 'Check the role and its trust policy with `/spot verify`.',
  transient: false,
};
const awsDown: Rule = {
  meaning: 'AWS answered with an internal error',
  remedy: 'spotops tries again later; check the AWS Health Dashboard if it persists.',
  transient: true,
};
const limit: Rule = {
  meaning: 'an account limit (quota) was reached',
  remedy: 'Raise the quota in Service Quotas, or free some capacity, then try again.',
  transient: false,
};

/** AWS error codes (SDK v3 `name`, or `Code`) to what they mean. */
export const AWS_ERRORS: Record<string, Rule> = {
  UnauthorizedOperation: permission,
  AccessDenied: permission,
  AccessDeniedException: permission,
  UnauthorizedAccess: permission,
  'Client.UnauthorizedOperation': permission,
  Throttling: throttled,
  ThrottlingException: throttled,
  RequestLimitExceeded: throttled,
  TooManyRequestsException: throttled,
  SlowDown: throttled,
  'InvalidInstanceID.NotFound': gone,
  'InvalidVolume.NotFound': gone,
  'InvalidSnapshot.NotFound': gone,
  'InvalidAllocationID.NotFound': gone,
  'InvalidAddress.NotFound': gone,
  'InvalidAMIID.NotFound': gone,
  'InvalidLaunchTemplateId.NotFound': gone,
  'InvalidGroup.NotFound': gone,
  IncorrectState: wrongState,
  IncorrectInstanceState: wrongState,
  VolumeInUse: wrongState,
  'InvalidSnapshot.InUse': wrongState,
  'InvalidIPAddress.InUse': wrongState,
  ScalingActivityInProgress: wrongState,
  ResourceInUse: wrongState,
  InsufficientInstanceCapacity: noCapacity,
  InsufficientCapacity: noCapacity,
  InsufficientHostCapacity: noCapacity,
  SpotMaxPriceTooLow: noCapacity,
  InstanceLimitExceeded: limit,
  VcpuLimitExceeded: limit,
  MaxSpotInstanceCountExceeded: limit,
  AddressLimitExceeded: limit,
  SnapshotLimitExceeded: limit,
  ExpiredToken: credentials,
  ExpiredTokenException: credentials,
  InvalidClientTokenId: credentials,
  SignatureDoesNotMatch: credentials,
  AuthFailure: credentials,
  UnrecognizedClientException: credentials,
  OptInRequired: {
    meaning: 'the account is not opted in to that region or service',
    remedy: 'Enable the region in the account settings, or remove it from the account in spotops.',
    transient: false,
  },
  InternalError: awsDown,
  InternalFailure: awsDown,
  ServiceUnavailable: awsDown,
  Unavailable: awsDown,
  ServiceUnavailableException: awsDown,
};

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'TimeoutError',
  'RequestTimeout',
  'AbortError',
]);

const network: Rule = {
  meaning: 'the AWS endpoint could not be reached (network error or timeout)',
  remedy: 'spotops tries again later; check the network or proxy between spotops and AWS if it persists.',
  transient: true,
};
const unreadable: Rule = {
  meaning: 'AWS (or a proxy in between) answered with something that is not an AWS response',
  remedy:
    'spotops tries again later; if it persists, check for a proxy or firewall answering instead of AWS.',
  transient: true,
};

interface Coded {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: unknown;
  $response?: unknown;
  cause?: unknown;
}

function codeOf(e: Coded): string | undefined {
  for (const c of [e.Code, e.code, e.name]) if (c && (AWS_ERRORS[c] || NETWORK_CODES.has(c))) return c;
  return undefined;
}

function isUnreadable(e: Coded): boolean {
  const msg = e.message ?? '';
  return (
    /Deserialization error|XML parse|mismatched tag|Unexpected token|not valid JSON|<html/i.test(msg) ||
    (e.name === 'SyntaxError' && '$response' in e)
  );
}

/** Whether an error came from an SDK or the network (its text is not for people). */
function isRaw(e: Coded): boolean {
  return Boolean(e.$metadata || e.$response || codeOf(e) || isUnreadable(e));
}

/** The first AWS/network cause in an error chain, explained; undefined when none is known. */
export function explainAws(err: unknown): Explanation | undefined {
  let cur: unknown = err;
  for (let depth = 0; cur && typeof cur === 'object' && depth < 6; depth++) {
    const e = cur as Coded;
    const code = codeOf(e);
    if (code && AWS_ERRORS[code]) {
      const rule = AWS_ERRORS[code];
      const action = rule === permission ? permissionName(e.message ?? '') : undefined;
      return {
        cause: `aws:${code}`,
        ...rule,
        meaning: action ? `the spotops role lacks ${action}` : rule.meaning,
      };
    }
    if (code && NETWORK_CODES.has(code)) return { cause: `network:${code}`, ...network };
    if (isUnreadable(e)) return { cause: 'aws:unreadable-response', ...unreadable };
    cur = e.cause;
  }
  return undefined;
}

/** "... is not authorized to perform: ec2:ReleaseAddress on resource ..." -> ec2:ReleaseAddress */
function permissionName(message: string): string | undefined {
  return /perform:?\s+([a-z0-9-]+:[A-Za-z0-9*]+)/.exec(message)?.[1];
}

/**
 * What was being attempted, from the wrappers around an SDK error:
 * `new Error('releasing eipalloc-1', { cause })` -> "releasing eipalloc-1".
 */
function attemptedOf(err: unknown): string | undefined {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur instanceof Error && depth < 6; depth++) {
    // Only a wrapper (an error with a cause) says what was attempted; the root is the failure.
    if (isRaw(cur as Coded) || cur instanceof UserError || cur.cause === undefined) break;
    if (cur.message) parts.push(cur.message);
    cur = cur.cause;
  }
  return parts.length ? parts.join(': ') : undefined;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const sentence = (s: string) => (/[.!?]$/.test(s) ? s : `${s}.`);

/**
 * One sentence (or two) for a person: what was attempted, what it means, what to do. A
 * UserError is shown as it is; an unknown error gets a generic line (details in the log).
 */
export function explainError(err: unknown, attempted?: string): string {
  if (err instanceof UserError) return err.message;
  let cur: unknown = err;
  // A UserError wrapped by a step ("releasing x: <UserError>") keeps its words.
  for (let depth = 0; cur instanceof Error && depth < 6; depth++, cur = cur.cause) {
    if (cur instanceof UserError) return `${attempted ? `${capital(attempted)}: ` : ''}${cur.message}`;
  }
  const what = attempted ?? attemptedOf(err);
  const known = explainAws(err);
  const head = what ? `${capital(what)} failed: ` : '';
  if (known) return `${head}${sentence(capital(known.meaning))} ${known.remedy}`;
  return `${head}${what ? 'an unexpected error; it has been logged.' : 'Something unexpected failed; it has been logged.'} Try again, or ask an operator to check the log.`;
}

/** Cuts text at a word boundary, never mid-word, with an ellipsis when anything was dropped. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.]+$/, '')}…`;
}
