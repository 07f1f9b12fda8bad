// GET /metrics: the Prometheus text exposition of the in-process series (registry.ts) and the
// SQL gauges (sql-gauges.ts), read fresh at each scrape. Never throws: when the database does
// not answer the scrape gets a 503 with one sentence saying so (Prometheus marks the target
// down, which is the truth). Optional bearer token (METRICS_TOKEN).
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Gauge, Registry } from 'prom-client';
import type { DbOrTx } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { metricsRegistry } from './registry.js';
import { SQL_GAUGES } from './sql-gauges.js';

export const METRICS_PATH = '/metrics';

export interface MetricsDeps {
  db: DbOrTx;
  clock: Clock;
  log: Logger;
  /** When set, a scrape must send `Authorization: Bearer <token>`. */
  token?: string;
}

export interface Scrape {
  status: number;
  contentType: string;
  body: string;
}

/** One scrape: every SQL gauge read, then the whole registry rendered. */
export async function scrape(deps: Pick<MetricsDeps, 'db' | 'clock' | 'log'>): Promise<Scrape> {
  const now = deps.clock.now();
  const fromSql = new Registry();
  try {
    for (const [name, g] of Object.entries(SQL_GAUGES)) {
      const gauge = new Gauge({ name, help: g.help, labelNames: [...g.labelNames], registers: [fromSql] });
      for (const s of await g.read(deps.db, now)) gauge.set(s.labels, s.value);
    }
  } catch (err) {
    deps.log.warn({ err }, 'metrics scrape: the database did not answer');
    return {
      status: 503,
      contentType: 'text/plain; charset=utf-8',
      body: 'metrics unavailable: the database did not answer; try again when it is back.\n',
    };
  }
  const merged = Registry.merge([metricsRegistry, fromSql]);
  return { status: 200, contentType: merged.contentType, body: await merged.metrics() };
}

/** Whether the request carries the configured bearer token (always true without one). */
export function metricsAuthorised(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Answers GET /metrics on any node:http server; never throws. */
export async function serveMetrics(
  deps: MetricsDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    if (!metricsAuthorised(req, deps.token)) {
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer' });
      res.end('metrics need the bearer token set in METRICS_TOKEN.\n');
      return;
    }
    const out = await scrape(deps);
    res.writeHead(out.status, { 'content-type': out.contentType, 'cache-control': 'no-store' });
    res.end(out.body);
  } catch (err) {
    deps.log.error({ err }, 'metrics scrape failed');
    if (!res.headersSent) res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('metrics unavailable: the scrape failed; see the logs.\n');
  }
}
