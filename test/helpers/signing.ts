// Slack's v0 request signing: `v0=` + HMAC-SHA256(secret, `v0:<timestamp>:<body>`).
import { createHmac } from 'node:crypto';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';

export function sign(body: string, timestamp: number, secret = SIGNING_SECRET): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface PostOptions {
  secret?: string;
  timestamp?: number; // seconds
  signature?: string; // override (forged)
  contentType?: string;
}

/** POSTs a body to the app's request URL the way Slack does. */
export async function slackPost(url: string, body: string, opts: PostOptions = {}): Promise<Response> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': opts.signature ?? sign(body, ts, opts.secret),
    },
    body,
  });
}

/** The form body of a slash command, as Slack sends it. */
export function slashCommandBody(
  text: string,
  o: { user?: string; channel?: string; responseUrl: string; triggerId?: string },
): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0001',
    team_domain: 'fake',
    channel_id: o.channel ?? 'C0OPS',
    channel_name: 'spotops',
    user_id: o.user ?? 'U0ALICE',
    user_name: 'alice',
    command: '/spot',
    text,
    api_app_id: 'A0SPOTOPS',
    is_enterprise_install: 'false',
    response_url: o.responseUrl,
    trigger_id: o.triggerId ?? '13345224609.738474920.8088930838d88f008e0',
  }).toString();
}

/** The form body of an interactive payload (block_actions, view_submission). */
export function interactionBody(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
