// The payloads Slack sends an app, built for a person using the console: slash command fields,
// block_actions (from a message or a view), view_submission / view_closed, and the
// app_home_opened event. Shapes follow the captured payloads in Slack's docs (see
// test/fixtures/slack and /work/shared/slack/fixtures provenance in SOURCES.md).
import { BOT, CHANNEL, type ConsoleMessage, type ConsoleUser, type ConsoleView, TEAM } from './workspace.js';

const VERIFICATION_TOKEN = 'console-verification-token';

function userRef(u: ConsoleUser) {
  return { id: u.id, username: u.name, name: u.name, team_id: TEAM.id };
}

function actionTs(): string {
  return (Date.now() / 1000).toFixed(6);
}

export function slashCommand(
  u: ConsoleUser,
  text: string,
  o: { channel?: string; responseUrl: string; triggerId: string },
): Record<string, string> {
  return {
    token: VERIFICATION_TOKEN,
    team_id: TEAM.id,
    team_domain: TEAM.domain,
    channel_id: o.channel ?? CHANNEL.id,
    channel_name: CHANNEL.name,
    user_id: u.id,
    user_name: u.name,
    command: '/spot',
    text,
    api_app_id: BOT.appId,
    is_enterprise_install: 'false',
    response_url: o.responseUrl,
    trigger_id: o.triggerId,
  };
}

/** What the page says was clicked or chosen: Slack's action object minus what the server adds. */
export interface ActionInput {
  action_id: string;
  block_id: string;
  type: string;
  value?: string;
  text?: unknown;
  selected_option?: unknown;
  selected_user?: string;
  selected_date?: string;
}

export function blockActionsOnMessage(
  u: ConsoleUser,
  message: ConsoleMessage,
  action: ActionInput,
  o: { responseUrl: string; triggerId: string },
): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: userRef(u),
    api_app_id: BOT.appId,
    token: VERIFICATION_TOKEN,
    container: {
      type: 'message',
      message_ts: message.ts,
      channel_id: message.channel,
      is_ephemeral: Boolean(message.ephemeralFor),
      ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
    },
    trigger_id: o.triggerId,
    team: { id: TEAM.id, domain: TEAM.domain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: message.channel, name: message.channel === CHANNEL.id ? CHANNEL.name : message.channel },
    ...(message.ephemeralFor
      ? {}
      : {
          message: {
            bot_id: message.botId,
            type: 'message',
            text: message.text,
            user: message.user,
            ts: message.ts,
            team: TEAM.id,
            ...(message.blocks ? { blocks: message.blocks } : {}),
            ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
          },
        }),
    state: { values: {} },
    response_url: o.responseUrl,
    actions: [{ ...action, action_ts: actionTs() }],
  };
}

function viewPayload(v: ConsoleView, values: Record<string, unknown>) {
  return {
    id: v.id,
    team_id: TEAM.id,
    type: v.view.type,
    private_metadata: '',
    callback_id: '',
    external_id: '',
    clear_on_close: false,
    notify_on_close: false,
    ...v.view,
    state: { values },
    hash: v.hash,
    root_view_id: v.rootViewId,
    previous_view_id: v.previousViewId ?? null,
    app_id: BOT.appId,
    app_installed_team_id: TEAM.id,
    bot_id: BOT.botId,
  };
}

export function blockActionsInView(
  u: ConsoleUser,
  v: ConsoleView,
  action: ActionInput,
  values: Record<string, unknown>,
  o: { triggerId: string },
): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: userRef(u),
    api_app_id: BOT.appId,
    token: VERIFICATION_TOKEN,
    container: { type: 'view', view_id: v.id },
    trigger_id: o.triggerId,
    team: { id: TEAM.id, domain: TEAM.domain },
    enterprise: null,
    is_enterprise_install: false,
    view: viewPayload(v, values),
    actions: [{ ...action, action_ts: actionTs() }],
  };
}

export function viewSubmission(
  u: ConsoleUser,
  v: ConsoleView,
  values: Record<string, unknown>,
  o: { triggerId: string },
): Record<string, unknown> {
  return {
    type: 'view_submission',
    team: { id: TEAM.id, domain: TEAM.domain },
    user: userRef(u),
    api_app_id: BOT.appId,
    token: VERIFICATION_TOKEN,
    trigger_id: o.triggerId,
    view: viewPayload(v, values),
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export function viewClosed(u: ConsoleUser, v: ConsoleView): Record<string, unknown> {
  return {
    type: 'view_closed',
    team: { id: TEAM.id, domain: TEAM.domain },
    user: userRef(u),
    api_app_id: BOT.appId,
    token: VERIFICATION_TOKEN,
    view: viewPayload(v, {}),
    is_cleared: false,
    is_enterprise_install: false,
  };
}

export function appHomeOpened(u: ConsoleUser, eventId: string): Record<string, unknown> {
  const ts = actionTs();
  return {
    token: VERIFICATION_TOKEN,
    team_id: TEAM.id,
    api_app_id: BOT.appId,
    event: {
      type: 'app_home_opened',
      user: u.id,
      channel: `D${u.id.slice(1)}`,
      tab: 'home',
      event_ts: ts,
    },
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: TEAM.id,
        user_id: BOT.userId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
}
