// /spot digest: post the daily digest now, in this channel.
import { postDigest } from '../../../jobs/digest.js';
import { ephemeral } from './reply.js';
import type { Subcommand } from './spot.js';

export const digestCommand: Subcommand = async (ctx) => {
  const outcome = await postDigest(ctx.deps, ctx.channelId);
  if (!outcome.posted) {
    return ephemeral(
      'There is no digest while no account is connected: connect one with `/spot connect <name>`.',
    );
  }
  return ephemeral(`Posted the digest in this channel${outcome.chart ? ', with its savings chart' : ''}.`);
};
