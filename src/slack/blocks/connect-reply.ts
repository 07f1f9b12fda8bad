// The answer to `/spot connect`: the ExternalID, a one-click CloudFormation quick-create link, the
// steps, and the template itself in code blocks (split over several when it is long).
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
}

const FENCE = '```';

const CODE_ROOM = SLACK_LIMITS.sectionText - 2 * FENCE.length - 2;

/** True when the template fits in one section as a code block (3000 characters with the fences). */
export function templateFitsInMessage(template: string): boolean {
  return [...escapeMrkdwn(template)].length <= CODE_ROOM;
}

/** The template cut at line breaks into pieces that each fit one code block. */
export function templateParts(template: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (const line of template.replace(/\n$/, '').split('\n')) {
    const next = current ? `${current}\n${line}` : line;
    if (current && [...escapeMrkdwn(next)].length > CODE_ROOM) {
      parts.push(current);
      current = line;
    } else {
      current = next;
    }
  }
  if (current) parts.push(current);
  return parts;
}

export function connectReply(input: ConnectReplyInput): SlackMessage {
  const name = escapeMrkdwn(input.name);
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
  // A long template is split at line breaks over several code blocks: no file upload (and no
  // files:write scope) is needed, and copying the parts in order gives the template back.
  const parts = templateParts(input.template);
  parts.forEach((part, i) => {
    if (parts.length > 1) blocks.push(context([`Template, part ${i + 1} of ${parts.length}`]));
    blocks.push(section(`${FENCE}\n${escapeMrkdwn(part)}\n${FENCE}`));
  });
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
