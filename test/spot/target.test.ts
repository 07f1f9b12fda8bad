import { describe, expect, it } from 'vitest';
import { parseEvaluateArgs, parseTarget } from '../../src/spot/target.js';

describe('evaluate targets', () => {
  it('read an instance ID as lab mode', () => {
    expect(parseTarget('i-0abc1234def567890')).toEqual({ mode: 'lab', instanceId: 'i-0abc1234def567890' });
    expect(parseTarget('i-1234abcd')).toEqual({ mode: 'lab', instanceId: 'i-1234abcd' });
  });

  it('read asg: and eks: prefixes', () => {
    expect(parseTarget('asg:web-prod')).toEqual({ mode: 'asg', groupName: 'web-prod' });
    expect(parseTarget('eks:prod/general-a')).toEqual({
      mode: 'k8s',
      cluster: 'prod',
      nodegroup: 'general-a',
    });
  });

  it('take an account and a region in any order', () => {
    expect(parseEvaluateArgs(['in', 'eu-west-1', 'asg:web', '@payments'])).toEqual({
      target: { mode: 'asg', groupName: 'web' },
      account: 'payments',
      region: 'eu-west-1',
    });
  });

  it.each([
    [['i-xyz'], 'is not an instance ID'],
    [['vm-123'], 'is not something spotops can evaluate'],
    [['eks:cluster'], 'is not something spotops can evaluate'],
    [[], 'What should I evaluate?'],
    [['i-1234abcd', 'in'], 'must be followed by a region'],
    [['i-1234abcd', 'i-5678abcd'], 'one target at a time'],
    [['i-1234abcd', '@Bad_Name'], 'is not a valid account name'],
  ])('refuse %j with a clear message', (args, message) => {
    expect(() => parseEvaluateArgs(args)).toThrow(message);
  });
});
