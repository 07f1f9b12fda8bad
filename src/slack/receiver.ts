// A hardened HTTP receiver: Bolt's HTTPReceiver behind a guard, so every correctly signed
// request gets an answer within Slack's 3 seconds and never a 5xx. The guard buffers and
// verifies the request itself, refuses bodies that are not a JSON object (Bolt would throw on
// `null` inside a floating promise and take the process down) with 400, and Bolt's own error
// paths answer 200 (an empty ack) instead of 500 or a late 404. Unknown actions and views are
// acked by catch-all listeners (listeners/index.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type Logger as BoltLogger,
  type BufferedIncomingMessage,
  type CustomRoute,
  HTTPModuleFunctions,
  HTTPReceiver,
  isRawBodyError,
} from '@slack/bolt';
import type { Logger } from '../lib/logger.js';

export const EVENTS_PATH = '/slack/events';
/** An unacknowledged request is answered (200, empty) well before Slack's 3 s. */
export const UNHANDLED_TIMEOUT_MS = 2000;

export function createHardenedReceiver(opts: {
  signingSecret: string;
  customRoutes: CustomRoute[];
  logger: BoltLogger;
  log: Logger;
  /** A Slack request arrived; the returned function is called once it is answered (the work lane). */
  arrive?: () => () => void;
}): HTTPReceiver {
  const { log } = opts;
  const receiver = new HTTPReceiver({
    signingSecret: opts.signingSecret,
    endpoints: EVENTS_PATH,
    customRoutes: opts.customRoutes,
    logger: opts.logger,
    unhandledRequestTimeoutMillis: UNHANDLED_TIMEOUT_MS,
    unhandledRequestHandler: ({ response }) => {
      log.warn('a Slack request was not acknowledged in time; answered with an empty ack');
      answer(response, 200);
    },
    processEventErrorHandler: async ({ error, response }) => {
      log.error({ err: error }, 'a Slack listener failed; answered with an empty ack');
      answer(response, 200);
      return false;
    },
    dispatchErrorHandler: async ({ error, response }) => {
      log.warn({ err: error }, 'a Slack request could not be dispatched');
      answer(response, 404);
    },
  });
  const inner = receiver.requestListener;
  receiver.requestListener = (req, res) => {
    // From the first byte, not only from Bolt's processEvent: a body still being read and
    // verified holds follow-up work back too.
    if (opts.arrive && req.method === 'POST') res.once('close', opts.arrive());
    void guard(req, res, inner, opts.signingSecret, log);
  };
  return receiver;
}

async function guard(
  req: IncomingMessage,
  res: ServerResponse,
  inner: (req: IncomingMessage, res: ServerResponse) => void,
  signingSecret: string,
  log: Logger,
): Promise<void> {
  try {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'POST' && path === EVENTS_PATH) {
      let buffered: BufferedIncomingMessage;
      try {
        buffered = await HTTPModuleFunctions.parseAndVerifyHTTPRequest({ enabled: true, signingSecret }, req);
      } catch (err) {
        if (isRawBodyError(err) && (err as { statusCode?: number }).statusCode === 413)
          return answer(res, 413);
        return answer(res, 401);
      }
      const body = objectBody(buffered);
      if (!body || !isSlackRequest(body)) {
        log.warn({ bytes: buffered.rawBody.length }, 'malformed Slack request body; answered 400');
        return answer(res, 400, 'malformed request');
      }
      // Bolt reads the already-buffered body again (and verifies it again).
      inner(buffered, res);
      return;
    }
    inner(req, res);
  } catch (err) {
    log.error({ err }, 'the Slack receiver failed on a request; answered with an empty ack');
    answer(res, 200);
  }
}

/** The body as Bolt will see it, when it is a JSON object (the only shape it handles safely). */
function objectBody(req: BufferedIncomingMessage): Record<string, unknown> | null {
  try {
    const body: unknown = HTTPModuleFunctions.parseHTTPRequestBody(req);
    return typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Request types Slack sends to this endpoint; anything else would wait for an ack that never comes. */
const SLACK_TYPES: ReadonlySet<unknown> = new Set([
  'event_callback',
  'url_verification',
  'app_rate_limited',
  'block_actions',
  'block_suggestion',
  'view_submission',
  'view_closed',
  'shortcut',
  'message_action',
  'interactive_message',
  'dialog_submission',
  'dialog_suggestion',
  'dialog_cancellation',
]);

function isSlackRequest(b: Record<string, unknown>): boolean {
  return typeof b.command === 'string' || b.ssl_check === '1' || SLACK_TYPES.has(b.type);
}

function answer(res: ServerResponse, status: number, text?: string): void {
  if (res.headersSent || res.writableEnded) return;
  res.writeHead(status, text ? { 'content-type': 'text/plain' } : {});
  res.end(text ?? '');
}
