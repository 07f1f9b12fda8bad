import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../src/cli.js';

const sts = mockClient(STSClient);
sts.on(GetCallerIdentityCommand).resolves({ Account: '111122223333' });

describe('the spotops CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spotops-cli-'));
  const env = { DATA_DIR: dir, LOG_LEVEL: 'silent', AWS_REGION: 'us-east-1' };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function run(...argv: string[]): Promise<{ code: number; lines: string[] }> {
    const lines: string[] = [];
    const code = await runCli(argv, (l) => lines.push(l), env);
    return { code, lines };
  }

  it('adds an account and prints its ExternalID and quick-create link, without Slack tokens', async () => {
    const { code, lines } = await run('accounts', 'add', 'batch', 'lab', 'eu-west-1');
    expect(code).toBe(0);
    expect(lines[0]).toBe('account batch created (LAB, eu-west-1)');
    expect(lines.join('\n')).toMatch(/ExternalID: \S{32,}/);
  });

  it('lists accounts from the same database', async () => {
    const { lines } = await run('accounts', 'list');
    expect(lines).toEqual([expect.stringMatching(/^batch\tLAB\teu-west-1\tpending\t-/)]);
  });

  it('prints the template of an account', async () => {
    const { lines } = await run('cfn-template', 'batch');
    const template = parse(lines.join('\n'));
    expect(template.Resources.SpotOpsRole.Properties.RoleName).toBe('SpotOps-batch');
  });

  it('prints a generic template for publishing, with no ExternalID baked in', async () => {
    const { lines } = await run('cfn-template', '--generic');
    const template = parse(lines.join('\n'));
    expect(template.Parameters.ExternalId.Default).toBeUndefined();
  });

  it('shows and sets the interruption policy of an account', async () => {
    expect((await run('interruption-policy', 'batch')).lines).toEqual([
      'batch: rebalance=notify emergency=managed',
    ]);
    expect((await run('interruption-policy', 'batch', 'rebalance=replace', 'emergency=off')).lines).toEqual([
      'batch: rebalance=replace emergency=off',
    ]);
    expect((await run('interruption-policy', 'batch')).lines).toEqual([
      'batch: rebalance=replace emergency=off',
    ]);
    expect((await run('interruption-policy', 'batch', 'rebalance=sometimes')).code).toBe(1);
  });

  it('fails with a message for an unknown account', async () => {
    expect((await run('cfn-template', 'nope')).code).toBe(1);
  });
});
