// /spot digest: post the daily digest now, in this channel.
import { postDigest } from '../../../jobs/digest.js';
import { ephemeral } from './reply.js';
import type { Subcommand } from './spot.js';

export const digestCommand: Subcommand = async (ctx) => {
  await postDigest(ctx.deps, ctx.channelId);
  return ephemeral('Posted the digest in this channel.');
};
