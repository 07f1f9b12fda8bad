// GET /healthz: 200 when the database answers, 503 otherwise. A Bolt custom route in HTTP mode;
// a tiny side server in Socket Mode (which has no HTTP listener of its own).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Deps } from '../deps.js';

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

export function startHealthServer(deps: Pick<Deps, 'database'>, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/healthz') void answer(deps, res);
    else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(port, () => resolve(server)));
}
