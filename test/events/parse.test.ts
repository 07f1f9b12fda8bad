import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventKind, eventTime, parseEventBody } from '../../src/events/parse.js';

const dir = new URL('../fixtures/events/', import.meta.url);
const body = (name: string) => readFileSync(new URL(name, dir), 'utf8');

describe('parseEventBody', () => {
  it('reads every docs and NTH sample with a real account id', () => {
    const names = readdirSync(dir).filter((n) => n.endsWith('.json'));
    expect(names).toHaveLength(6);
    const kinds = names
      .filter((n) => !n.includes('interruption-warning.nth')) // its account is a placeholder, see below
      .map((n) => {
        const parsed = parseEventBody(body(n));
        if (!parsed.ok) throw new Error(`${n}: ${parsed.reason}`);
        return eventKind(parsed.event);
      });
    expect(kinds.sort()).toEqual(['interruption', 'rebalance', 'rebalance', 'state-change', 'state-change']);
  });

  it('takes the instance id from detail, not from an ARN with the AZ in the region slot', () => {
    const raw = JSON.parse(body('ec2-spot-instance-interruption-warning.nth.json'));
    const parsed = parseEventBody(JSON.stringify({ ...raw, account: '123456789012' }));
    expect(parsed.ok && parsed.event.detail['instance-id']).toBe('i-0b662ef9931388ba0');
    expect(parsed.ok && parsed.event.region).toBe('us-east-1');
  });

  it('rejects a placeholder account, a foreign source and a body that is not JSON, saying why', () => {
    const nth = parseEventBody(body('ec2-spot-instance-interruption-warning.nth.json'));
    expect(nth).toEqual({ ok: false, reason: expect.stringContaining('account: a 12-digit AWS account id') });
    const raw = JSON.parse(body('ec2-instance-rebalance-recommendation.nth.json'));
    expect(parseEventBody(JSON.stringify({ ...raw, source: 'aws.s3' })).ok).toBe(false);
    expect(parseEventBody(JSON.stringify({ ...raw, 'detail-type': 'AWS API Call via CloudTrail' })).ok).toBe(
      false,
    );
    expect(parseEventBody('{oops')).toEqual({ ok: false, reason: 'the message body is not JSON' });
  });

  it('uses the receive time when the event time is the docs placeholder', () => {
    const parsed = parseEventBody(body('ec2-spot-instance-interruption-warning.aws-docs.json'));
    if (!parsed.ok) throw new Error(parsed.reason);
    const now = new Date('2026-05-01T00:00:00Z');
    expect(eventTime(parsed.event, now)).toEqual(now);
    const real = parseEventBody(body('ec2-instance-rebalance-recommendation.nth.json'));
    if (!real.ok) throw new Error(real.reason);
    expect(eventTime(real.event, now)).toEqual(new Date('2020-10-26T14:14:14Z'));
  });
});
