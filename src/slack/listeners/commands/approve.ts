// /spot approve <filter>: approves every card waiting for a decision that matches an account,
// a region and/or a kind, as one batch (engine/batches.ts), with the same approver checks as a
// click on each card. Options set the batch's mode, concurrency and stop-on-failure.
import { findAccount } from '../../../accounts/store.js';
import { awaitingApproval } from '../../../db/queries/recommendations.js';
import { BATCH_MODES, type BatchMode } from '../../../db/schema.js';
import { approveBatch, type BatchSettings, batchDefaults } from '../../../engine/batches.js';
import { FINDING_KINDS, kindLabel } from '../../../engine/finding-kinds.js';
import { ephemeral, type Reply } from './reply.js';
import { type Subcommand, usageError } from './spot.js';

/** At most this many items per command: a bigger approval is better split by region or kind. */
export const APPROVE_MAX_ITEMS = 1000;

/** Short names people type for the kinds. */
const KIND_ALIASES: Record<string, string> = {
  eip: 'unassociated-elastic-ips',
  eips: 'unassociated-elastic-ips',
  'elastic-ips': 'unassociated-elastic-ips',
  ebs: 'unattached-ebs-volumes',
  volumes: 'unattached-ebs-volumes',
  snapshots: 'old-ebs-snapshots',
  shadow: 'unauthorized-instances',
  spot: 'spot',
};

const ALL_KINDS = Object.keys(FINDING_KINDS);
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

export interface ApproveFilter {
  account?: string;
  region?: string;
  kinds?: string[];
  settings: Partial<BatchSettings>;
}

/** Reads `account=.. region=.. kind=.. mode=.. max=N errors=N` (keys optional where unambiguous). */
export function parseApproveFilter(
  args: string[],
): { ok: true; filter: ApproveFilter } | { ok: false; message: string } {
  const filter: ApproveFilter = { settings: {} };
  for (const raw of args) {
    const eq = raw.indexOf('=');
    const key = eq > 0 ? raw.slice(0, eq).toLowerCase() : undefined;
    const value = (eq > 0 ? raw.slice(eq + 1) : raw).trim();
    const lower = value.toLowerCase();
    const kind = KIND_ALIASES[lower] ?? (ALL_KINDS.includes(lower) ? lower : undefined);
    if (!value) return { ok: false, message: `"${raw}" has no value after "=".` };
    if (key === 'mode' || (!key && (BATCH_MODES as readonly string[]).includes(lower))) {
      if (!(BATCH_MODES as readonly string[]).includes(lower))
        return { ok: false, message: `"${value}" is not a batch mode; use ${BATCH_MODES.join(', ')}.` };
      filter.settings.mode = lower as BatchMode;
    } else if (key === 'max' || key === 'parallel') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > 50)
        return { ok: false, message: `max=${value}: say how many run at once, 1 to 50.` };
      filter.settings.maxConcurrency = n;
    } else if (key === 'errors' || key === 'max-errors') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0 || n > 1000)
        return {
          ok: false,
          message: `errors=${value}: say after how many failures to stop (0 = never stop).`,
        };
      filter.settings.stopOnFailure = n > 0;
      filter.settings.maxErrors = Math.max(1, n);
    } else if (key === 'region' || (!key && REGION.test(lower))) {
      if (!REGION.test(lower)) return { ok: false, message: `"${value}" is not a region (e.g. us-east-1).` };
      filter.region = lower;
    } else if (key === 'kind' || (!key && kind)) {
      if (!kind)
        return {
          ok: false,
          message: `"${value}" is not a kind; use ${Object.keys(KIND_ALIASES).join(', ')} or ${ALL_KINDS.join(', ')}.`,
        };
      filter.kinds = kind === 'spot' ? ALL_KINDS.filter((k) => k.startsWith('spot-')) : [kind];
    } else if (key === 'account' || !key) {
      filter.account = value.replace(/^@/, '');
    } else {
      return {
        ok: false,
        message: `"${key}=" is not a filter; use account=, region=, kind=, mode=, max=, errors=.`,
      };
    }
  }
  if (!filter.account && !filter.region && !filter.kinds) {
    return { ok: false, message: 'Name what to approve: an account, a region and/or a kind.' };
  }
  return { ok: true, filter };
}

export const approveCommand: Subcommand = async (ctx, args): Promise<Reply> => {
  const parsed = parseApproveFilter(args);
  if (!parsed.ok) throw usageError('approve', parsed.message);
  const f = parsed.filter;
  const account = f.account ? await findAccount(ctx.deps.db, f.account) : undefined;
  if (f.account && !account) {
    return ephemeral(`:warning: There is no account called ${f.account}: \`/spot accounts\` lists them.`);
  }
  const scope = [
    f.kinds?.length === 1 ? kindLabel(f.kinds[0]!).toLowerCase() : f.kinds ? 'Spot recommendations' : 'cards',
    account ? `in ${account.name}` : '',
    f.region ? `in ${f.region}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const matches = await awaitingApproval(
    ctx.deps.db,
    { accountId: account?.id, region: f.region, kinds: f.kinds ?? ALL_KINDS },
    APPROVE_MAX_ITEMS + 1,
  );
  if (matches.length === 0) {
    return ephemeral(
      `Nothing matches: no ${scope} waiting for approval. \`/spot waste\` and \`/spot shadow\` list what is open.`,
    );
  }
  const ids = matches.slice(0, APPROVE_MAX_ITEMS).map((m) => m.id);
  const settings = { ...batchDefaults(ctx.deps.config), ...f.settings };
  const result = await approveBatch(ctx.deps, ctx.directory, {
    recommendationIds: ids,
    userId: ctx.userId,
    channel: ctx.channelId,
    description: `/spot approve: ${ids.length} ${scope}`,
    settings,
  });
  if (!result.ok) return ephemeral(`:warning: ${result.message}`);
  ctx.kick?.();
  const more =
    matches.length > APPROVE_MAX_ITEMS
      ? `\nMore than ${APPROVE_MAX_ITEMS} matched: the first ${APPROVE_MAX_ITEMS} were taken; run it again for the rest.`
      : '';
  return ephemeral(`${result.message}${more}`);
};
