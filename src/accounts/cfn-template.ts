// The CloudFormation template a customer deploys to connect an account: a role that trusts the
// operator's account only with the account's ExternalID, a read policy (what the scanners and
// the Spot intelligence read) and a write policy of exactly what the executors declare.
import { stringify } from 'yaml';
import { eventForwardingResources } from '../events/setup.js';
import { executorPermissions } from '../executors/index.js';
import { scannerPermissions } from '../scanners/index.js';

/** Reads the bot needs beyond the scanners: Spot evaluation, pricing, identity checks. */
export const BASE_READ_PERMISSIONS = [
  'autoscaling:DescribeAutoScalingGroups',
  // The ASG preflight on a Spot card (aws/asg-preflight.ts).
  'autoscaling:DescribeInstanceRefreshes',
  'autoscaling:DescribeLifecycleHooks',
  'autoscaling:DescribeWarmPool',
  'ec2:DescribeSubnets',
  'ec2:DescribeAvailabilityZones',
  'ec2:DescribeInstanceTypeOfferings',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribeInstances',
  'ec2:DescribeReservedInstances',
  'ec2:DescribeSpotPriceHistory',
  'ec2:GetSpotPlacementScores',
  'eks:DescribeCluster',
  'eks:DescribeNodegroup',
  'pricing:GetProducts',
  'savingsplans:DescribeSavingsPlans',
] as const;

export interface TemplateInput {
  accountName: string;
  operatorAccountId: string;
  externalId: string;
  partition?: string;
  /** The operator's event bus ARN: adds the rule forwarding EC2 Spot events to it. */
  operatorBusArn?: string;
}

export function readPermissions(): string[] {
  return [...new Set([...BASE_READ_PERMISSIONS, ...scannerPermissions()])].sort();
}

export function writePermissions(): string[] {
  return executorPermissions();
}

export function roleName(accountName: string): string {
  return `SpotOps-${accountName}`.slice(0, 64);
}

export function buildTemplate(input: TemplateInput): Record<string, unknown> {
  const partition = input.partition ?? 'aws';
  const write = writePermissions();
  const policies: unknown[] = [
    {
      PolicyName: 'spotops-read',
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Sid: 'SpotOpsRead', Effect: 'Allow', Action: readPermissions(), Resource: '*' }],
      },
    },
  ];
  // IAM rejects a statement with no actions: the write policy exists once an executor declares one.
  if (write.length > 0) {
    const passRole = write.filter((a) => a === 'iam:PassRole');
    const rest = write.filter((a) => a !== 'iam:PassRole');
    policies.push({
      PolicyName: 'spotops-write',
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          ...(rest.length ? [{ Sid: 'SpotOpsWrite', Effect: 'Allow', Action: rest, Resource: '*' }] : []),
          // Launching a Spot clone passes the instance's profile role: to EC2 only, never elsewhere.
          ...(passRole.length
            ? [
                {
                  Sid: 'SpotOpsPassInstanceRoleToEc2',
                  Effect: 'Allow',
                  Action: passRole,
                  Resource: '*',
                  Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
                },
              ]
            : []),
        ],
      },
    });
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `spotops access role for ${input.accountName} (agentless; assumed with an ExternalID)`,
    Parameters: {
      ExternalId: {
        Type: 'String',
        Default: input.externalId,
        MinLength: 32,
        NoEcho: true,
        Description: 'Shared secret spotops presents when assuming the role (confused-deputy protection)',
      },
    },
    Resources: {
      SpotOpsRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: roleName(input.accountName),
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:${partition}:iam::${input.operatorAccountId}:root` },
                Action: 'sts:AssumeRole',
                Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } },
              },
            ],
          },
          Policies: policies,
          Tags: [{ Key: 'ManagedBy', Value: 'spotops' }],
        },
      },
      ...(input.operatorBusArn ? eventForwardingResources(input.operatorBusArn) : {}),
    },
    Outputs: {
      RoleArn: {
        Description: 'Paste into: /spot verify <name> <RoleArn>',
        Value: { 'Fn::GetAtt': ['SpotOpsRole', 'Arn'] },
      },
    },
  };
}

export function templateYaml(input: TemplateInput): string {
  return stringify(buildTemplate(input), { lineWidth: 0 });
}

/**
 * The console link that opens the stack with its parameters filled in. Quick-create needs the
 * template at an S3 URL (CFN_TEMPLATE_URL, published once by the operator: the template is the
 * same for every account apart from the ExternalId parameter); without it the console asks for
 * the template file, which the reply carries.
 */
export function quickCreateUrl(opts: {
  region: string;
  accountName: string;
  externalId: string;
  templateUrl?: string;
}): string {
  const params = new URLSearchParams({
    stackName: `spotops-${opts.accountName}`,
    param_ExternalId: opts.externalId,
  });
  if (opts.templateUrl) params.set('templateURL', opts.templateUrl);
  return `https://${opts.region}.console.aws.amazon.com/cloudformation/home?region=${opts.region}#/stacks/quickcreate?${params}`;
}

export function operatorBusArn(opts: {
  partition?: string;
  region: string;
  operatorAccountId: string;
  busName: string;
}): string {
  return `arn:${opts.partition ?? 'aws'}:events:${opts.region}:${opts.operatorAccountId}:event-bus/${opts.busName}`;
}
