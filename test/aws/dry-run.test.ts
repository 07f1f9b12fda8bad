import { describe, expect, it, vi } from 'vitest';
import { mutateEc2, mutateWithoutDryRun } from '../../src/aws/dry-run.js';
import { PermissionError } from '../../src/lib/errors.js';

const dryRunOk = () =>
  Object.assign(new Error('Request would have succeeded, but DryRun flag is set.'), {
    name: 'DryRunOperation',
  });
const unauthorized = () =>
  Object.assign(new Error('You are not authorized to perform this operation.'), {
    name: 'UnauthorizedOperation',
  });

describe('the mutating EC2 primitive', () => {
  it('sends only the DryRun request when the context is a dry run', async () => {
    const send = vi.fn(async (dryRun: boolean) => {
      if (dryRun) throw dryRunOk();
      return 'done';
    });
    expect(await mutateEc2({ dryRun: true }, 'ec2:ReleaseAddress', send)).toEqual({ dryRun: true });
    expect(send.mock.calls).toEqual([[true]]);
  });

  it('checks with DryRun first, then sends for real when live', async () => {
    const send = vi.fn(async (dryRun: boolean) => {
      if (dryRun) throw dryRunOk();
      return 'done';
    });
    expect(await mutateEc2({ dryRun: false }, 'ec2:ReleaseAddress', send)).toEqual({
      dryRun: false,
      result: 'done',
    });
    expect(send.mock.calls).toEqual([[true], [false]]);
  });

  it('names the missing permission when AWS says UnauthorizedOperation, and never sends for real', async () => {
    const send = vi.fn(async () => {
      throw unauthorized();
    });
    const err = await mutateEc2({ dryRun: false }, 'ec2:DeleteVolume', send).catch((e) => e);
    expect(err).toBeInstanceOf(PermissionError);
    expect(err.message).toBe('the role lacks ec2:DeleteVolume');
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('refuses to go on when a DryRun request is answered as if it ran', async () => {
    await expect(mutateEc2({ dryRun: true }, 'ec2:X', async () => 'ran')).rejects.toThrow(
      /without DryRunOperation/,
    );
  });

  it('reports "would have" for APIs without DryRun and sends nothing', async () => {
    const send = vi.fn(async () => 'done');
    expect(await mutateWithoutDryRun({ dryRun: true }, 'autoscaling:AttachInstances', send)).toEqual({
      dryRun: true,
    });
    expect(send).not.toHaveBeenCalled();
  });
});
