// The EventBridge envelope of the three EC2 events spotops consumes, parsed by zod. Events carry no
// instance type or AZ: the handler joins them to the account's instance to find the pool.
import { z } from 'zod';

export const DETAIL_TYPES = {
  interruption: 'EC2 Spot Instance Interruption Warning',
  rebalance: 'EC2 Instance Rebalance Recommendation',
  stateChange: 'EC2 Instance State-change Notification',
} as const;

/** The EventBridge pattern for those events; shared by the operator rule and the customer template. */
export const EC2_EVENT_PATTERN = {
  source: ['aws.ec2'],
  'detail-type': Object.values(DETAIL_TYPES),
};

const envelope = {
  version: z.string().optional(), // absent from the docs' state-change sample
  id: z.string().min(1),
  source: z.literal('aws.ec2'),
  account: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id'),
  time: z.string(),
  region: z.string().min(1),
  resources: z.array(z.string()).default([]),
};
// The instance id comes from detail, never from the ARN (NTH's sample puts the AZ in the ARN's region slot).
const instanceId = z.string().regex(/^i-[0-9a-f]+$/, 'an EC2 instance id');

export const ec2Event = z.discriminatedUnion('detail-type', [
  z.object({
    ...envelope,
    'detail-type': z.literal(DETAIL_TYPES.interruption),
    detail: z.object({ 'instance-id': instanceId, 'instance-action': z.string().optional() }),
  }),
  z.object({
    ...envelope,
    'detail-type': z.literal(DETAIL_TYPES.rebalance),
    detail: z.object({ 'instance-id': instanceId }),
  }),
  z.object({
    ...envelope,
    'detail-type': z.literal(DETAIL_TYPES.stateChange),
    detail: z.object({ 'instance-id': instanceId, state: z.string() }),
  }),
]);

export type Ec2Event = z.infer<typeof ec2Event>;
export type PoolEventKind = 'interruption' | 'rebalance' | 'state-change';

export function eventKind(e: Ec2Event): PoolEventKind {
  switch (e['detail-type']) {
    case DETAIL_TYPES.interruption:
      return 'interruption';
    case DETAIL_TYPES.rebalance:
      return 'rebalance';
    case DETAIL_TYPES.stateChange:
      return 'state-change';
  }
}

/** The event's time; the receive time when the field is not a date (the docs samples carry a placeholder). */
export function eventTime(e: Ec2Event, fallback: Date): Date {
  const at = new Date(e.time);
  return Number.isNaN(at.getTime()) ? fallback : at;
}

export type ParseResult = { ok: true; event: Ec2Event } | { ok: false; reason: string };

/** An SQS message body -> event, or why it is not one spotops handles. */
export function parseEventBody(body: string | undefined): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    return { ok: false, reason: 'the message body is not JSON' };
  }
  const parsed = ec2Event.safeParse(json);
  if (parsed.success) return { ok: true, event: parsed.data };
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  return { ok: false, reason: `not a supported EC2 event (${issues.join('; ')})` };
}
