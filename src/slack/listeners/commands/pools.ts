// /spot pools and /spot pool clear <region>/<az-id>/<type>
import { listAccounts } from '../../../accounts/store.js';
import { audit } from '../../../engine/audit.js';
import { UserError } from '../../../lib/errors.js';
import { clearPool, formatPoolRef, listPoisonedPools, parsePoolRef } from '../../../risk/pool-poisoning.js';
import { poolsList } from '../../blocks/pools-list.js';
import { ephemeral } from './reply.js';
import { type Subcommand, usageError } from './spot.js';

export const poolsCommand: Subcommand = async (ctx) => {
  const pools = await listPoisonedPools(ctx.deps.db, ctx.deps.clock);
  return poolsList({
    pools: pools.map((p) => ({ ...p, availabilityZone: p.az, poisonExpiresAt: p.expiresAt })),
    now: ctx.deps.clock.now(),
  });
};

/** Clearing a pool affects every account: any account's approver, or a workspace admin, may do it. */
export const poolCommand: Subcommand = async (ctx, args) => {
  const [verb, ref, ...rest] = args;
  if (verb !== 'clear' || !ref || rest.length > 0) throw usageError('pool', 'Say which pool to clear.');
  const pool = parsePoolRef(ref);
  const accounts = await listAccounts(ctx.deps.db);
  const approver =
    accounts.some((a) => a.approvers.includes(ctx.userId)) ||
    (await ctx.directory.isWorkspaceAdmin(ctx.userId));
  if (!approver) {
    await audit(ctx.deps, {
      actor: ctx.userId,
      event: 'denied',
      message: `<@${ctx.userId}> tried to clear pool ${formatPoolRef(pool)} and was refused`,
      detail: { pool },
      quiet: true,
    });
    throw new UserError('Only an approver of a connected account or a workspace admin can clear a pool.');
  }
  if (!(await clearPool(ctx.deps.db, pool, ctx.deps.clock))) {
    return ephemeral(`Pool \`${formatPoolRef(pool)}\` is not poisoned: nothing to clear.`);
  }
  await audit(ctx.deps, {
    actor: ctx.userId,
    event: 'pool_cleared',
    message: `<@${ctx.userId}> cleared the poison of pool ${formatPoolRef(pool)}`,
    detail: { pool },
  });
  return ephemeral(
    `Pool \`${formatPoolRef(pool)}\` is no longer avoided. Its interruption history is kept for the risk model.`,
  );
};
