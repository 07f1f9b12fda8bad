// GET /healthz: 200 when the database answers, 503 otherwise; GET /metrics: Prometheus series
// (metrics/exposition.ts). Bolt custom routes in HTTP mode; a tiny side server in Socket Mode
// (which has no HTTP listener of its own).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Deps } from '../deps.js';
import { METRICS_PATH, serveMetrics } from '../metrics/exposition.js';

type HealthDeps = Pick<Deps, 'database' | 'db' | 'clock' | 'log' | 'config'>;

async function answer(deps: Pick<Deps, 'database'>, res: ServerResponse): Promise<void> {
  const db = await deps.database.ping();
  res.writeHead(db ? 200 : 503, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: db, db }));
}

export function healthRoute(deps: Pick<Deps, 'database'>) {
  return {
    path: '/healthz',
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => void answer(deps, res),
  };
}

export function metricsRoute(deps: HealthDeps) {
  return {
    path: METRICS_PATH,
    method: ['GET'],
    handler: (req: IncomingMessage, res: ServerResponse) => void serveMetrics(metricsDeps(deps), req, res),
  };
}

const metricsDeps = (deps: HealthDeps) => ({
  db: deps.db,
  clock: deps.clock,
  log: deps.log,
  token: deps.config.METRICS_TOKEN,
});

export function startHealthServer(deps: HealthDeps, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (req.method === 'GET' && path === '/healthz') void answer(deps, res);
    else if (req.method === 'GET' && path === METRICS_PATH) void serveMetrics(metricsDeps(deps), req, res);
    else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(port, () => resolve(server)));
}
