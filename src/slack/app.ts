// The Bolt app: Socket Mode by default, the HTTP receiver (signed requests, /healthz route)
// when SLACK_MODE=http (behind the hardened receiver: an answer < 3 s, never a 5xx), or the local
// console's receiver in the sandbox. The error handler logs and tells the person, briefly, in an
// ephemeral (through the outbox).
import { App, type Logger as BoltLogger, LogLevel, type Receiver, type ReceiverEvent } from '@slack/bolt';
import type { ExtendedErrorHandlerArgs } from '@slack/bolt/dist/App.js';
import type { Deps } from '../deps.js';
import { enqueueEphemeral } from '../engine/outbox.js';
import { userMessage } from '../lib/errors.js';
import { recordSlackAck } from '../metrics/registry.js';
import { WebDirectory } from './directory.js';
import { healthRoute, metricsRoute } from './health.js';
import { ClickInbox } from './inbox.js';
import { actionHandlers } from './listeners/actions.js';
import { registerListeners } from './listeners/index.js';
import { viewInboxHandlers } from './listeners/views.js';
import { createHardenedReceiver } from './receiver.js';
import { WorkLane } from './work-lane.js';

/**
 * `receiver`: a custom Bolt receiver (the local console's); otherwise per SLACK_MODE. `lane`: the
 * lane follow-up work runs in (tests pass their own to wait for it).
 */
export function createSlackApp(
  deps: Deps,
  opts: { kick?: () => void; receiver?: Receiver; lane?: WorkLane } = {},
): App {
  const { config } = deps;
  const lane = opts.lane ?? new WorkLane(config.SLACK_WORK_CONCURRENCY);
  // Bolt's own client (directory look-ups, modals) answers or fails fast: its default retry loop
  // can wait out rate limits for half an hour inside a listener.
  const clientOptions = {
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
    retryConfig: { retries: 1, minTimeout: 200, maxTimeout: 1000 },
    rejectRateLimitedCalls: true,
    timeout: 5000,
  };
  const common = {
    token: config.SLACK_BOT_TOKEN!,
    clientOptions,
    logger: boltLogger(deps),
    extendedErrorHandler: true,
  } as const;
  const app = opts.receiver
    ? new App({ ...common, receiver: opts.receiver })
    : config.SLACK_MODE === 'http'
      ? new App({
          ...common,
          receiver: createHardenedReceiver({
            signingSecret: config.SLACK_SIGNING_SECRET!,
            customRoutes: [healthRoute(deps), metricsRoute(deps)],
            logger: common.logger,
            log: deps.log.child({ module: 'receiver' }),
            arrive: () => lane.arrive(),
          }),
        })
      : new App({ ...common, appToken: config.SLACK_APP_TOKEN!, socketMode: true });

  measureAcks(app, lane);
  const ctx = {
    deps,
    directory: new WebDirectory(app.client, deps.clock),
    kick: opts.kick ?? (() => {}),
  };
  const inbox = new ClickInbox(ctx, { ...actionHandlers, ...viewInboxHandlers }, lane);
  registerListeners(app, ctx, { lane, inbox });
  replayWhileRunning(app, inbox, lane);

  const onError = async ({ error, body, context }: ExtendedErrorHandlerArgs) => {
    const err = (error as { original?: unknown }).original ?? error;
    deps.log.error({ err, team: context?.teamId }, 'slack listener failed');
    const { channel, user } = whereToAnswer(body);
    if (typeof channel === 'string' && typeof user === 'string' && channel && user) {
      await enqueueEphemeral(deps.db, channel, user, `:warning: ${userMessage(err)}`).catch(() => undefined);
    }
  };
  // With extendedErrorHandler the handler receives body and context; Bolt's overload type does not say so.
  app.error(onError as never);
  return app;
}

/**
 * Observes how long each request waits for its ack (spotops_slack_ack_latency_seconds), and tells
 * the lane which requests are not acked yet: every receiver (HTTP, Socket Mode, the console's)
 * hands requests to processEvent with an ack.
 */
function measureAcks(app: App, lane: WorkLane): void {
  const process = app.processEvent.bind(app);
  app.processEvent = (event: ReceiverEvent) => {
    const started = performance.now();
    const type = requestType(event.body);
    const ack = event.ack;
    const arrived = lane.arrive();
    let acked = false;
    return process({
      ...event,
      ack: (response) => {
        if (!acked) {
          acked = true;
          recordSlackAck(type, (performance.now() - started) / 1000);
        }
        arrived();
        return ack(response);
      },
    }).finally(arrived);
  };
}

const STOP_DRAIN_MS = 10_000;

/** Stored clicks a dead process left behind are replayed while the app runs; stop drains the lane. */
function replayWhileRunning(app: App, inbox: ClickInbox, lane: WorkLane): void {
  const start = app.start.bind(app);
  const stop = app.stop.bind(app);
  app.start = async (...args: Parameters<App['start']>) => {
    const started = await start(...args);
    inbox.start();
    return started;
  };
  app.stop = async (...args: Parameters<App['stop']>) => {
    await inbox.stop();
    const stopped = await stop(...args);
    // Follow-ups already acked get a moment to finish; a stored click left over is replayed.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([lane.idle(), new Promise((r) => (timer = setTimeout(r, STOP_DRAIN_MS)))]);
    clearTimeout(timer);
    return stopped;
  };
}

function requestType(body: Record<string, any>): string {
  if (typeof body.command === 'string') return 'command';
  return typeof body.type === 'string' ? body.type : 'other';
}

/** Bolt's logger interface over our pino logger, so its lines are structured JSON too. */
function boltLogger(deps: Deps): BoltLogger {
  const log = deps.log.child({ module: 'bolt' });
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    debug: (...m) => log.debug(text(m)),
    info: (...m) => log.info(text(m)),
    warn: (...m) => log.warn(text(m)),
    error: (...m) => log.error(text(m)),
    setLevel: () => {},
    getLevel: () => LogLevel.INFO,
    setName: () => {},
  };
}

function whereToAnswer(body: unknown): { channel?: string; user?: string } {
  const b = (body ?? {}) as Record<string, any>;
  return {
    channel: b.channel_id ?? b.channel?.id ?? b.container?.channel_id,
    user: b.user_id ?? b.user?.id,
  };
}
