// Slack's Web API errors, classified for the relay: wait and retry (429 with Retry-After, 5xx,
// network), or stop and tell someone in words they can act on (not in the channel, channel
// gone, missing scope, bad token...). The raw error goes to the log only.
import { ErrorCode } from '@slack/web-api';

export type SlackFailure =
  | { kind: 'retry'; afterMs?: number; cause: string }
  | { kind: 'permanent'; code: string; sentence: string };

/** Slack error codes that will not go away by retrying, and what a person should do. */
export const SLACK_ERRORS: Record<string, (where: string) => string> = {
  not_in_channel: (c) => `spotops is not a member of ${c}: invite me with \`/invite @spotops\` in ${c}.`,
  channel_not_found: (c) =>
    `spotops cannot find ${c} (deleted, private without spotops, or a typo in the account's channel): invite me with \`/invite @spotops\` there, or fix the channel with \`/spot accounts\`.`,
  is_archived: (c) => `${c} is archived: unarchive it, or point the account at another channel.`,
  missing_scope: () =>
    'the spotops Slack app lacks a permission (scope) it needs: reinstall it from the app manifest (manifest.yml).',
  not_authed: () => 'Slack refused the bot token: set SLACK_BOT_TOKEN to the app’s current token.',
  invalid_auth: () => 'Slack refused the bot token: set SLACK_BOT_TOKEN to the app’s current token.',
  account_inactive: () => 'the spotops bot user was deactivated: reinstall the app.',
  token_revoked: () => 'the spotops token was revoked: reinstall the app and update SLACK_BOT_TOKEN.',
  restricted_action: (c) => `the workspace does not allow spotops to post in ${c}: ask an admin.`,
  msg_too_long: () => 'a message was too long for Slack and was not posted (this is a bug; it is logged).',
  invalid_blocks: () => 'a card was refused by Slack as malformed (this is a bug; it is logged).',
  message_not_found: () => 'a card to update is gone from Slack (deleted?); it is not re-posted.',
  cant_update_message: () => 'a card can no longer be edited by spotops.',
  user_not_in_channel: (c) => `the person is not in ${c}, so a private answer could not be shown there.`,
  no_text: () => 'an empty message was refused by Slack (this is a bug; it is logged).',
};

const TRANSIENT_PLATFORM = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/** Classifies one failed Web API call. */
export function classifySlackError(err: unknown, where: string): SlackFailure {
  const e = err as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string } };
  switch (e?.code) {
    case ErrorCode.RateLimitedError:
      return { kind: 'retry', afterMs: Math.max(1, e.retryAfter ?? 1) * 1000, cause: 'rate limited' };
    case ErrorCode.HTTPError:
      if ((e.statusCode ?? 500) >= 500 || e.statusCode === 408 || e.statusCode === 429)
        return { kind: 'retry', cause: `HTTP ${e.statusCode}` };
      return {
        kind: 'permanent',
        code: `http_${e.statusCode}`,
        sentence: `Slack refused a call with HTTP ${e.statusCode}.`,
      };
    case ErrorCode.RequestError:
      return { kind: 'retry', cause: 'network error' };
    case ErrorCode.PlatformError: {
      const code = e.data?.error ?? 'unknown_error';
      if (TRANSIENT_PLATFORM.has(code)) return { kind: 'retry', cause: code };
      const say = SLACK_ERRORS[code];
      return {
        kind: 'permanent',
        code,
        sentence: say ? say(where) : `Slack refused a call in ${where} with \`${code}\`.`,
      };
    }
    default:
      // Anything else (a timeout, a bug in our own code on the way): retry, bounded by attempts.
      return { kind: 'retry', cause: err instanceof Error ? err.name : 'unknown' };
  }
}

/** Slack renders <#C123> as the channel's name. */
export const channelMention = (channel: string) =>
  /^[CGD][A-Z0-9]+$/.test(channel) ? `<#${channel}>` : channel;
