// /spot connect <name> [prod|lab] [region,...]
import { connectAccount, parseConnectArgs } from '../../../accounts/connect.js';
import { connectReply } from '../../blocks/connect-reply.js';
import type { Subcommand } from './spot.js';

export const connectCommand: Subcommand = async (ctx, args) => {
  const r = await connectAccount(ctx.deps, parseConnectArgs(args, ctx.deps.config.AWS_REGION), ctx.userId);
  return connectReply({
    name: r.accountName,
    environment: r.environment,
    regions: r.regions,
    externalId: r.externalId,
    quickCreateUrl: r.quickCreateUrl,
    template: r.template,
  });
};
