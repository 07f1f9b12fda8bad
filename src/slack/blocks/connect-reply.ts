// The answer to `/spot connect`: the ExternalID, a one-click CloudFormation quick-create link, the
// steps, and the template itself in a code block when it fits (otherwise it is uploaded as a file,
// which the caller does: see templateFitsInMessage).
import type { KnownBlock } from '@slack/types';
import { ACTIONS } from '../ids.js';
import {
  actions,
  context,
  escapeMrkdwn,
  header,
  linkButton,
  message,
  SLACK_LIMITS,
  type SlackMessage,
  section,
} from './limits.js';

export interface ConnectReplyInput {
  name: string;
  environment: 'PROD' | 'LAB';
  regions: string[];
  externalId: string;
  quickCreateUrl: string;
  /** The CloudFormation template (YAML). */
  template: string;
  /** File name used when the template is uploaded instead. */
  templateFileName?: string;
}

const FENCE = '```';

/** True when the template fits in one section as a code block (3000 characters with the fences). */
export function templateFitsInMessage(template: string): boolean {
  return [...escapeMrkdwn(template)].length + 2 * FENCE.length + 2 <= SLACK_LIMITS.sectionText;
}

export function connectReply(input: ConnectReplyInput): SlackMessage {
  const name = escapeMrkdwn(input.name);
  const fileName = input.templateFileName ?? `spotops-${input.name}.yaml`;
  const blocks: KnownBlock[] = [
    header(`Connect ${input.name} (${input.environment})`),
    section(
      `*ExternalID:* \`${escapeMrkdwn(input.externalId)}\`\nRegions: ${input.regions.length > 0 ? input.regions.join(', ') : '_the default region_'}`,
    ),
    ...actions([linkButton('Open CloudFormation quick-create', input.quickCreateUrl, ACTIONS.openLink)]),
    section(
      [
        '*Steps*',
        '1. Sign in to the AWS account you are connecting, then open the link above.',
        '2. Tick "I acknowledge that AWS CloudFormation might create IAM resources" and choose *Create stack*.',
        '3. When the stack is complete, copy the `RoleArn` output.',
        `4. Run \`/spot verify ${name} <role-arn>\` here.`,
      ].join('\n'),
    ),
  ];
  if (templateFitsInMessage(input.template)) {
    blocks.push(section(`${FENCE}\n${escapeMrkdwn(input.template)}\n${FENCE}`));
  } else {
    blocks.push(
      context([
        `:page_facing_up: The template is too long for a message: it is attached as \`${escapeMrkdwn(fileName)}\`.`,
      ]),
    );
  }
  blocks.push(
    context([
      'The role trusts only this bot, and only with this ExternalID. Nothing changes until someone approves.',
    ]),
  );
  return message(
    `Connect ${name}: ExternalID ${escapeMrkdwn(input.externalId)}. Create the stack from the quick-create link, then run /spot verify ${name} <role-arn>`,
    blocks,
  );
}
