// What each button and modal means, between the listeners (which only ack) and the engine.
// Every handler answers the clicker privately when nothing happened and why; work that talks
// to AWS is queued for the worker, never run inside the listener.
import { and, eq } from 'drizzle-orm';
import type { SlackDirectory } from '../accounts/approvers.js';
import { getAccount } from '../accounts/store.js';
import { groupRecommendations } from '../db/queries/recommendations.js';
import { executions, type Recommendation, recommendations } from '../db/schema.js';
import type { Deps } from '../deps.js';
import {
  approveRecommendation,
  type ClickResult,
  checkApprover,
  dismissRecommendation,
  getRecommendation,
  requesterOf,
} from '../engine/approval.js';
import { approvalRisk, riskContextOf } from '../engine/approval-risk.js';
import { approveBatch, batchDefaults } from '../engine/batches.js';
import { cancelExecution } from '../engine/cancel.js';
import { rollbackExecution } from '../engine/executions.js';
import { findingKind } from '../engine/finding-kinds.js';
import { cardChanged, enqueueEphemeral } from '../engine/outbox.js';
import { approveWithOverrides, storedRefusals } from '../engine/overrides.js';
import { savePolicy } from '../engine/policy.js';
import { priorityName } from '../engine/priorities.js';
import { scheduleWork } from '../engine/schedule.js';
import { claimInstance, enforcementParams, exemptInstance } from '../engine/shadow-it.js';
import { SHADOW_KIND } from '../engine/shadow-policy.js';
import { getExecutor } from '../executors/index.js';
import { UserError, userMessage } from '../lib/errors.js';
import {
  claimModal,
  confirmCriticalModal,
  exemptModal,
  overrideModal,
  parseApproveAll,
  parseClaimSubmission,
  parseConfirmCritical,
  parseExemptSubmission,
  parseId,
  parseOverrideSubmission,
  parsePolicySubmission,
  parseScheduleSubmission,
  parseShowMore,
  parseWasteGroupKey,
  scheduleModal,
} from './blocks/index.js';
import { publishHome } from './home.js';

export interface Click {
  user: string;
  channel?: string;
  value: string;
  triggerId?: string;
}

export interface InteractionDeps {
  deps: Deps;
  directory: SlackDirectory;
  /** Wakes the execution worker after something was queued. */
  kick(): void;
}

function id(value: string, what: string): number {
  const n = parseId(value);
  if (n === null) throw new UserError(`That ${what} button is damaged (value ${value.slice(0, 20)}).`);
  return n;
}

/** Tells the clicker, privately, when a click did nothing; never throws. */
async function answer(ctx: InteractionDeps, click: Click, run: () => Promise<ClickResult>): Promise<void> {
  let result: ClickResult;
  try {
    result = await run();
  } catch (err) {
    if (!(err instanceof UserError)) ctx.deps.log.error({ err }, 'interaction failed');
    result = { ok: false, message: userMessage(err) };
  }
  if (result.ok) ctx.kick();
  const text = result.ok ? result.message : `:warning: ${result.message}`;
  if (text && click.channel) {
    // Through the outbox: the answer survives a Slack hiccup and never holds up the listener.
    await enqueueEphemeral(ctx.deps.db, click.channel, click.user, text).catch((err) => {
      ctx.deps.log.warn({ err }, 'queueing the ephemeral answer failed');
    });
  }
}

export const interactions = {
  async approve(ctx: InteractionDeps, click: Click): Promise<void> {
    await answer(ctx, click, async () => {
      const recId = id(click.value, 'Approve');
      const rec = await getRecommendation(ctx.deps, recId);
      const executor = getExecutor(rec.executor);
      const account = await getAccount(ctx.deps.db, rec.accountId);
      const parsed = executor?.params.safeParse(rec.params);
      const risk =
        executor && parsed?.success
          ? approvalRisk(executor, parsed.data, account, riskContextOf(rec)).level
          : rec.riskLevel;
      if (risk === 'CRITICAL' && click.triggerId) {
        // A CRITICAL change asks a second time, in a modal; its submission is the approval.
        const allowed = await checkApprover(
          ctx.deps,
          ctx.directory,
          account,
          { id: rec.id, risk },
          click.user,
          requesterOf(rec),
        );
        if (!allowed.ok) return allowed;
        await ctx.deps.notifier.openModal(
          click.triggerId,
          confirmCriticalModal({
            recommendationId: rec.id,
            resourceId: rec.resourceId,
            action: executor && parsed?.success ? executor.describe(parsed.data) : rec.title,
            account,
            region: rec.region,
            monthlySavingsUsd: rec.monthlySavingsUsd,
            reasons: [`${account.environment} account`, 'cannot be undone from Slack'],
            rollbackNote: executor?.rollbackNote ?? null,
            dryRun: ctx.deps.config.DRY_RUN,
          }),
        );
        return { ok: true };
      }
      return approveRecommendation(ctx.deps, ctx.directory, recId, click.user);
    });
  },

  /** The CRITICAL confirmation modal was submitted: that is the approval. */
  async confirmCritical(ctx: InteractionDeps, click: Click): Promise<void> {
    const recId = id(click.value, 'Approve');
    const channel = click.channel ?? (await cardChannel(ctx, recId));
    await answer(ctx, { ...click, channel }, () =>
      approveRecommendation(ctx.deps, ctx.directory, recId, click.user),
    );
  },

  /** Cancel on a card: stops an approved execution before it starts (approvers or requester). */
  async cancelExecution(ctx: InteractionDeps, click: Click): Promise<void> {
    await answer(ctx, click, () =>
      cancelExecution(ctx.deps, ctx.directory, id(click.value, 'Cancel'), click.user),
    );
  },

  async shadowRun(ctx: InteractionDeps, click: Click): Promise<void> {
    await answer(ctx, click, () =>
      approveRecommendation(ctx.deps, ctx.directory, id(click.value, 'Shadow run'), click.user, {
        shadow: true,
      }),
    );
  },

  async reject(ctx: InteractionDeps, click: Click): Promise<void> {
    await answer(ctx, click, () =>
      dismissRecommendation(ctx.deps, ctx.directory, id(click.value, 'Reject'), click.user, 'rejected'),
    );
  },

  async ignore(ctx: InteractionDeps, click: Click): Promise<void> {
    await answer(ctx, click, () =>
      dismissRecommendation(ctx.deps, ctx.directory, id(click.value, 'Ignore'), click.user, 'ignored'),
    );
  },

  /**
   * "Approve all" on a waste or Shadow IT group card: every open item of the group (all pages)
   * as one batch, with the default batch settings; its progress message goes to the card's channel.
   */
  async approveAll(ctx: InteractionDeps, click: Click): Promise<void> {
    await answer(ctx, click, async () => {
      const group = parseWasteGroupKey(parseApproveAll(click.value)?.group ?? '');
      if (!group) throw new UserError('That Approve all button is damaged.');
      const open = await groupRecommendations(ctx.deps.db, group, 'posted');
      if (open.length === 0)
        return { ok: false, message: 'Nothing in this group is waiting for approval any more.' };
      const account = await getAccount(ctx.deps.db, group.accountId);
      const shadow = group.kind === SHADOW_KIND;
      const noun = shadow ? 'untagged instances' : (findingKind(group.kind)?.plural ?? group.kind);
      return approveBatch(ctx.deps, ctx.directory, {
        recommendationIds: open.map((r) => r.id),
        userId: click.user,
        channel: click.channel ?? open[0]!.slackChannel ?? undefined,
        description: `Approve all: ${open.length} ${noun} in ${account.name} ${group.region}`,
        settings: batchDefaults(ctx.deps.config),
      });
    });
  },

  /** The Schedule button: approvers only, then the modal (when + priority). */
  async openSchedule(ctx: InteractionDeps, click: Click): Promise<void> {
    await answer(ctx, click, async () => {
      const rec = await getRecommendation(ctx.deps, id(click.value, 'Schedule'));
      const [queued] = await ctx.deps.db
        .select()
        .from(executions)
        .where(and(eq(executions.recommendationId, rec.id), eq(executions.status, 'approved')))
        .limit(1);
      if (!queued && !['posted', 'open'].includes(rec.status)) {
        return {
          ok: false,
          message: `Already ${rec.status.replace('_', ' ')}; there is nothing left to schedule.`,
        };
      }
      if (!click.triggerId)
        throw new UserError('Slack did not send what is needed to open the form; try again.');
      await ctx.deps.notifier.openModal(
        click.triggerId,
        scheduleModal({
          recommendationId: rec.id,
          title: rec.title,
          state: queued ? 'queued' : 'awaiting-approval',
          priority: priorityName(queued?.priority ?? rec.requestedPriority ?? 100),
        }),
      );
      return { ok: true };
    });
  },

  async showMore(ctx: InteractionDeps, click: Click): Promise<void> {
    await answer(ctx, click, async () => {
      const page = parseShowMore(click.value);
      const group = page ? parseWasteGroupKey(page.group) : null;
      if (!page || !group) throw new UserError('That Show more button is damaged.');
      const [rec] = await groupRecommendations(ctx.deps.db, group);
      await cardChanged(ctx.deps.db, rec?.id, { offset: page.offset });
      return { ok: true };
    });
  },

  async rollback(ctx: InteractionDeps, click: Click): Promise<void> {
    await answer(ctx, click, async () => {
      const execId = id(click.value, 'Roll back');
      const [rec] = await ctx.deps.db
        .select()
        .from(recommendations)
        .where(eq(recommendations.id, await recOfExecution(ctx, execId)));
      if (rec) {
        const allowed = await checkApprover(
          ctx.deps,
          ctx.directory,
          await getAccount(ctx.deps.db, rec.accountId),
          { id: rec.id, risk: rec.riskLevel },
          click.user,
        );
        if (!allowed.ok) return allowed;
      }
      await rollbackExecution(ctx.deps, execId, click.user);
      return { ok: true };
    });
  },

  async openClaim(ctx: InteractionDeps, click: Click): Promise<void> {
    await openShadowModal(ctx, click, 'Claim', (rec) =>
      claimModal({ recommendationId: rec.id, instanceId: rec.resourceId, userId: click.user }),
    );
  },

  async openExempt(ctx: InteractionDeps, click: Click): Promise<void> {
    await openShadowModal(ctx, click, 'Exempt', (rec) =>
      exemptModal({ recommendationId: rec.id, instanceId: rec.resourceId }),
    );
  },

  /** Terminate now: approvers only; the button carries Slack's own confirm dialog. */
  async terminateNow(ctx: InteractionDeps, click: Click): Promise<void> {
    await answer(ctx, click, async () => {
      const rec = await getRecommendation(ctx.deps, id(click.value, 'Terminate now'));
      return approveRecommendation(ctx.deps, ctx.directory, rec.id, click.user, {
        override: { executor: 'terminate-instance', params: enforcementParams(ctx.deps, rec.resourceId) },
        priority: 50,
      });
    });
  },

  /** "Override with a reason…" on a refused Spot card: approvers only, then the modal. */
  async openOverride(ctx: InteractionDeps, click: Click): Promise<void> {
    await answer(ctx, click, async () => {
      const rec = await getRecommendation(ctx.deps, id(click.value, 'Override'));
      if (rec.status !== 'posted') return { ok: false, message: `Already ${rec.status.replace('_', ' ')}.` };
      const account = await getAccount(ctx.deps.db, rec.accountId);
      const allowed = await checkApprover(
        ctx.deps,
        ctx.directory,
        account,
        { id: rec.id, risk: rec.riskLevel },
        click.user,
        requesterOf(rec),
      );
      if (!allowed.ok) return allowed;
      if (!click.triggerId)
        throw new UserError('Slack did not send what is needed to open the form; try again.');
      await ctx.deps.notifier.openModal(
        click.triggerId,
        overrideModal({
          recommendationId: rec.id,
          target: rec.title,
          refusals: storedRefusals(rec.evidence).map((r) => ({ ...r, objects: r.objects ?? [] })),
          dryRun: ctx.deps.config.DRY_RUN,
        }),
      );
      return { ok: true };
    });
  },

  async homeRefresh(ctx: InteractionDeps, click: Click): Promise<void> {
    await publishHome(ctx.deps, click.user).catch((err) => ctx.deps.log.warn({ err }, 'home refresh failed'));
  },
};

/** Claim and Exempt open a form, while the Shadow IT finding is still open. */
async function openShadowModal(
  ctx: InteractionDeps,
  click: Click,
  what: string,
  build: (rec: Recommendation) => object,
): Promise<void> {
  await answer(ctx, click, async () => {
    const rec = await getRecommendation(ctx.deps, id(click.value, what));
    if (rec.kind !== SHADOW_KIND || !['posted', 'open'].includes(rec.status)) {
      return { ok: false, message: `This instance is already ${rec.status}.` };
    }
    if (!click.triggerId)
      throw new UserError('Slack did not send what is needed to open the form; try again.');
    await ctx.deps.notifier.openModal(click.triggerId, build(rec));
    return { ok: true };
  });
}

/** A modal has no channel: private answers go to the channel of the card it came from. */
async function cardChannel(ctx: InteractionDeps, recId: number): Promise<string | undefined> {
  const [row] = await ctx.deps.db
    .select({ channel: recommendations.slackChannel })
    .from(recommendations)
    .where(eq(recommendations.id, recId));
  return row?.channel ?? undefined;
}

async function recOfExecution(ctx: InteractionDeps, execId: number): Promise<number> {
  const [row] = await ctx.deps.db
    .select({ rid: executions.recommendationId })
    .from(executions)
    .where(eq(executions.id, execId));
  return row?.rid ?? -1;
}

/** Modal submissions: validation errors go back to the modal; the rest is like a click. */
export const submissions = {
  /** The Schedule modal: a time it cannot read goes back to the form; the rest is scheduleWork. */
  schedule(
    ctx: InteractionDeps,
    user: string,
    recId: number,
    values: Parameters<typeof parseScheduleSubmission>[0],
  ): { errors?: Record<string, string>; afterAck?: () => Promise<void> } {
    const parsed = parseScheduleSubmission(values, ctx.deps.clock.now());
    if (!parsed.ok) return { errors: parsed.errors };
    return {
      afterAck: async () => {
        const channel = await cardChannel(ctx, recId);
        await answer(ctx, { user, channel, value: String(recId) }, () =>
          scheduleWork(
            ctx.deps,
            ctx.directory,
            { kind: 'recommendation', id: recId },
            parsed.at,
            parsed.priority,
            user,
          ),
        );
      },
    };
  },

  /** The CRITICAL confirmation: the typed id must be the resource's; then it is the approval. */
  async confirmCritical(
    ctx: InteractionDeps,
    user: string,
    recId: number,
    values: Parameters<typeof parseConfirmCritical>[0],
  ): Promise<{ errors?: Record<string, string>; afterAck?: () => Promise<void> }> {
    const rec = await getRecommendation(ctx.deps, recId);
    const typed = parseConfirmCritical(values, rec.resourceId);
    if (!typed.ok) return { errors: typed.errors };
    return { afterAck: () => interactions.confirmCritical(ctx, { user, value: String(recId) }) };
  },

  /** `/spot policy` modal: field errors in the form; a valid policy is saved (audited). */
  policy(
    ctx: InteractionDeps,
    user: string,
    accountId: number,
    values: Parameters<typeof parsePolicySubmission>[0],
  ): { errors?: Record<string, string>; afterAck?: () => Promise<void> } {
    const parsed = parsePolicySubmission(values);
    if (!parsed.ok) return { errors: parsed.errors };
    return {
      afterAck: async () => {
        const account = await getAccount(ctx.deps.db, accountId);
        const channel = account.slackChannel ?? undefined;
        await answer(ctx, { user, channel, value: String(accountId) }, async () => {
          await savePolicy(ctx.deps, ctx.directory, account.name, parsed.policy, user);
          return { ok: true, message: `Approval policy of ${account.name} saved.` };
        });
      },
    };
  },

  /** The override modal: the justified reasons approve the move (engine/overrides.ts). */
  overrideRefusals(
    ctx: InteractionDeps,
    user: string,
    recId: number,
    values: Parameters<typeof parseOverrideSubmission>[0],
  ): { errors?: Record<string, string>; afterAck?: () => Promise<void> } {
    const codes = Object.keys(values)
      .filter((k) => k.startsWith('override_'))
      .map((k) => k.slice('override_'.length));
    const parsed = parseOverrideSubmission(values, codes);
    if (!parsed.ok) return { errors: parsed.errors };
    return {
      afterAck: async () => {
        const channel = await cardChannel(ctx, recId);
        await answer(ctx, { user, channel, value: String(recId) }, () =>
          approveWithOverrides(ctx.deps, ctx.directory, recId, user, parsed.overrides),
        );
      },
    };
  },

  /**
   * Validation answers inside the ack (errors show in the form); the rest runs after it, so the
   * modal closes at once.
   */
  claim(
    ctx: InteractionDeps,
    user: string,
    recId: number,
    values: Parameters<typeof parseClaimSubmission>[0],
  ): { errors?: Record<string, string>; afterAck?: () => Promise<void> } {
    const parsed = parseClaimSubmission(values);
    if (!parsed.ok) return { errors: parsed.errors };
    return {
      afterAck: async () => {
        const channel = await cardChannel(ctx, recId);
        await answer(ctx, { user, channel, value: String(recId) }, async () =>
          claimInstance(ctx.deps, recId, user, await ctx.directory.displayName(parsed.owner), parsed.team),
        );
      },
    };
  },

  exempt(
    ctx: InteractionDeps,
    user: string,
    recId: number,
    values: Parameters<typeof parseExemptSubmission>[0],
  ): { errors?: Record<string, string>; afterAck?: () => Promise<void> } {
    const parsed = parseExemptSubmission(values);
    if (!parsed.ok) return { errors: parsed.errors };
    return {
      afterAck: async () => {
        const channel = await cardChannel(ctx, recId);
        await answer(ctx, { user, channel, value: String(recId) }, () =>
          exemptInstance(ctx.deps, recId, user, parsed.reason, parsed.expiryDays ?? undefined),
        );
      },
    };
  },
};
