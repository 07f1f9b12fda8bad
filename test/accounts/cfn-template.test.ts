import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  buildTemplate,
  quickCreateUrl,
  readPermissions,
  templateYaml,
} from '../../src/accounts/cfn-template.js';
import { emergencyExecutors, executors } from '../../src/executors/index.js';
import type { AnyExecutor } from '../../src/executors/types.js';
import { scanners } from '../../src/scanners/index.js';
import type { Scanner } from '../../src/scanners/types.js';

const input = { accountName: 'payments', operatorAccountId: '111122223333', externalId: 'x'.repeat(32) };

describe('the onboarding CloudFormation template', () => {
  const template = parse(templateYaml(input));
  const role = template.Resources.SpotOpsRole;

  it('is valid YAML and the same document as its JSON form', () => {
    expect(template).toEqual(JSON.parse(JSON.stringify(buildTemplate(input))));
    expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
  });

  it('trusts only the operator account, and only with the ExternalID', () => {
    const [statement] = role.Properties.AssumeRolePolicyDocument.Statement;
    expect(statement.Principal).toEqual({ AWS: 'arn:aws:iam::111122223333:root' });
    expect(statement.Action).toBe('sts:AssumeRole');
    expect(statement.Condition).toEqual({ StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } });
    expect(template.Parameters.ExternalId).toMatchObject({
      Default: input.externalId,
      NoEcho: true,
      MinLength: 32,
    });
  });

  it('grants a write policy of exactly the permissions the executors declare, emergency ones included', () => {
    const all = { ...executors, ...emergencyExecutors } as Record<string, AnyExecutor>;
    const declared = [...new Set(Object.values(all).flatMap((e) => e.permissions))].sort();
    expect(declared).toContain('eks:UpdateNodegroupConfig');
    const write = role.Properties.Policies.find((p: any) => p.PolicyName === 'spotops-write');
    const granted = write.PolicyDocument.Statement.flatMap((st: { Action: string[] }) => st.Action).sort();
    expect(granted).toEqual(declared);
  });

  it('lets the role pass an instance profile role to EC2 only', () => {
    const write = role.Properties.Policies.find((p: any) => p.PolicyName === 'spotops-write');
    const pass = write.PolicyDocument.Statement.find((st: { Action: string[] }) =>
      st.Action.includes('iam:PassRole'),
    );
    expect(pass.Action).toEqual(['iam:PassRole']);
    expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
  });

  it('grants a read policy covering every scanner permission and no write action', () => {
    const read = role.Properties.Policies.find((p: any) => p.PolicyName === 'spotops-read');
    const actions: string[] = read.PolicyDocument.Statement[0].Action;
    for (const s of Object.values(scanners as Record<string, Scanner>)) {
      for (const p of s.permissions) expect(actions).toContain(p);
    }
    expect(actions).toEqual(readPermissions());
    for (const a of actions) expect(a).toMatch(/:(Describe|Get|List)/);
  });

  it('outputs the role ARN for /spot verify', () => {
    expect(template.Outputs.RoleArn.Value).toEqual({ 'Fn::GetAtt': ['SpotOpsRole', 'Arn'] });
  });

  it('builds a quick-create link with the stack name and ExternalID, and the template URL when published', () => {
    const url = new URL(
      quickCreateUrl({
        region: 'eu-west-1',
        accountName: 'payments',
        externalId: 'abc',
        templateUrl: 'https://s3.amazonaws.com/b/t.yaml',
      }),
    );
    expect(url.host).toBe('eu-west-1.console.aws.amazon.com');
    const params = new URLSearchParams(url.hash.split('?')[1]);
    expect(Object.fromEntries(params)).toEqual({
      stackName: 'spotops-payments',
      param_ExternalId: 'abc',
      templateURL: 'https://s3.amazonaws.com/b/t.yaml',
    });
  });
});
