// The Slack process the click crash test kills: the real composition (config -> PostgreSQL ->
// deps -> Bolt app in HTTP mode -> click inbox) against the test's fake Slack. HOLD_LANE=1 keeps
// the work lane's one slot busy, so a click is stored and acked but its decision cannot start
// before the kill; CLOCK_OFFSET_MS moves this process's clock ahead, so a successor sees the dead
// process's claims as lapsed without the test waiting a minute. Bundled by the test with esbuild.
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { createLogger } from '../../src/lib/logger.js';
import { createDeps } from '../../src/runtime.js';
import { createSlackApp } from '../../src/slack/app.js';
import { WorkLane } from '../../src/slack/work-lane.js';

const env = process.env;
const config = loadConfig({
  SLACK_MODE: 'http',
  SLACK_BOT_TOKEN: 'xoxb-crash-test',
  SLACK_SIGNING_SECRET: env.SLACK_SIGNING_SECRET ?? '',
  SLACK_API_URL: env.SLACK_API_URL ?? '',
  AWS_REGION: 'us-east-1',
  LOG_LEVEL: env.CHILD_LOG_LEVEL ?? 'silent',
  DATABASE_URL: env.DATABASE_URL ?? '',
});
const log = createLogger(config.LOG_LEVEL);
const database = await openDatabase({ url: config.DATABASE_URL ?? '' });
const offset = Number(env.CLOCK_OFFSET_MS ?? 0);
const deps = createDeps(config, database, log, { clock: { now: () => new Date(Date.now() + offset) } });
const lane = new WorkLane(1);
if (env.HOLD_LANE === '1') void lane.run(() => new Promise<never>(() => {}));
const app = createSlackApp(deps, { lane });
await app.start(Number(env.PORT));
process.stdout.write('ready\n');
