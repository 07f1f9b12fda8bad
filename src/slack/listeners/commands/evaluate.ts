// /spot evaluate <target> [@account] [in <region>]: says it is working at once, then posts the
// recommendation card in the channel (so approvers can act on it).
import { postRecommendationCard } from '../../../engine/publish.js';
import { evaluateSpot } from '../../../spot/evaluate.js';
import { describeTarget } from '../../../spot/locate.js';
import { parseEvaluateArgs } from '../../../spot/target.js';
import { ephemeral } from './reply.js';
import type { Subcommand } from './spot.js';

export const evaluateCommand: Subcommand = async (ctx, args) => {
  const req = parseEvaluateArgs(args);
  await ctx.progress(
    ephemeral(
      `:hourglass_flowing_sand: Evaluating ${describeTarget(req.target)}: prices per AZ, poisoned pools, interruption risk...`,
    ),
  );
  const { recommendation } = await evaluateSpot(ctx.deps, req, ctx.userId);
  const ref = await postRecommendationCard(ctx.deps, recommendation, ctx.channelId);
  return ephemeral(
    `Recommendation #${recommendation.id} for ${describeTarget(req.target)} is posted in <#${ref.channel}>.`,
  );
};
