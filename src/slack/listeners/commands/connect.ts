// /spot connect <name> [prod|lab] [region,...]
import { type ConnectResult, connectAccount, parseConnectArgs } from '../../../accounts/connect.js';
import { ephemeral, type Reply } from './reply.js';
import type { Subcommand } from './spot.js';

export const connectCommand: Subcommand = {
  usage: 'connect <name> [prod|lab] [region,...]',
  summary: 'connect an AWS account: answers with the CloudFormation template and its ExternalID',
  async run(ctx, args) {
    const req = parseConnectArgs(args, ctx.deps.config.AWS_REGION);
    const result = await connectAccount(ctx.deps, req, ctx.userId);
    return connectReply(result);
  },
};

function connectReply(r: ConnectResult): Reply {
  const chunks = r.template.match(/[\s\S]{1,2800}(\n|$)/g) ?? [];
  return ephemeral(`Account ${r.accountName} created. ExternalID: ${r.externalId}`, [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${r.accountName}* (${r.environment}, ${r.regions.join(', ')}) is waiting for its role.\nExternalID: \`${r.externalId}\`\n1. <${r.quickCreateUrl}|Open the CloudFormation quick-create page> (or upload the template below).\n2. Then: \`/spot verify ${r.accountName} <RoleArn output>\``,
      },
    },
    ...chunks.map((c) => ({
      type: 'section' as const,
      text: { type: 'mrkdwn' as const, text: `\`\`\`${c}\`\`\`` },
    })),
  ]);
}
