// Configuration: the environment, parsed once by zod. A bad or missing value stops start-up
// with one message naming every variable to fix and an example of each; never a stack trace.
import { existsSync } from 'node:fs';
import { z } from 'zod';

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v)));

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const cron = (fallback: string) =>
  z
    .string()
    .regex(/^(\S+\s+){4,5}\S+$/, 'a cron expression of 5 or 6 fields')
    .default(fallback);

const schema = z.object({
  // auto: the sandbox (local console + simulated AWS) when no Slack variable is set, Slack otherwise.
  SPOTOPS_MODE: z.enum(['auto', 'slack', 'sandbox']).default('auto'),
  // The local console: the sandbox's Slack surface, or beside Slack a Block Kit preview gallery.
  // Unset: 3000 in the sandbox, off beside Slack. 0 = any free port.
  CONSOLE_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  CONSOLE_HOST: z.string().min(1).default('127.0.0.1'),
  // Required for any bind other than loopback; open the console with ?token=<it> once.
  CONSOLE_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  SLACK_MODE: z.enum(['socket', 'http']).default('socket'),
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xox[bp]-/, 'a bot token starting with xoxb-')
    .optional(),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, 'an app-level token starting with xapp-')
    .optional(),
  SLACK_SIGNING_SECRET: z.string().min(8).optional(),
  SLACK_API_URL: z.url().optional(),
  PORT: int(3000, 1),
  HEALTH_PORT: int(8080, 0),
  SPOTOPS_CHANNEL: z.string().min(1).default('#spotops'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DRY_RUN: bool(true),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SQS_QUEUE_URL: z.url().optional(),
  // The operator's EventBridge bus that customer accounts forward EC2 Spot events to.
  EVENT_BUS_NAME: z.string().min(1).default('spotops-events'),
  // S3 URL where the operator published `spotops cfn-template --generic` (enables one-click quick-create).
  CFN_TEMPLATE_URL: z.url().optional(),
  // Waste and Shadow IT thresholds.
  EBS_UNATTACHED_DAYS: int(7),
  SNAPSHOT_MIN_AGE_DAYS: int(30),
  SHADOW_GRACE_HOURS: int(24),
  SHADOW_AUTHORIZING_TAGS: z
    .string()
    .default('ManagedBy=SpotOptimizer,aws:autoscaling:groupName,eks:cluster-name,kubernetes.io/cluster/*'),
  // Spot intelligence.
  POOL_POISON_DAYS: int(15, 1),
  PRICE_GAP_MINUTES: int(360, 1),
  SPOT_MIN_MONTHLY_SAVINGS_USD: z.coerce.number().min(0).default(5),
  // The execution queue: how many executions run at once, over every replica (global) and per
  // account; how many this process runs side by side; the defaults of a batch approval.
  QUEUE_MAX_RUNNING: int(8, 1),
  QUEUE_MAX_PER_ACCOUNT: int(2, 1),
  WORKER_SLOTS: int(4, 1),
  SLACK_WORK_CONCURRENCY: int(4, 1),
  BATCH_MAX_CONCURRENCY: int(4, 1),
  BATCH_MAX_ERRORS: int(1, 0),
  // Schedules (node-cron syntax).
  CRON_WASTE_SCAN: cron('0 6 * * *'),
  CRON_SHADOW_SCAN: cron('15 * * * *'),
  CRON_GRACE_EXPIRY: cron('*/5 * * * *'),
  CRON_POOL_EXPIRY: cron('*/10 * * * *'),
  CRON_PRICE_REFRESH: cron('30 */6 * * *'),
  CRON_DIGEST: cron('0 9 * * *'),
  // The time zone CRON_DIGEST is read in (IANA name): `0 9 * * *` + Europe/Paris = 09:00 in Paris.
  DIGEST_TIME_ZONE: z
    .string()
    .min(1)
    .refine(isTimeZone, 'an IANA time zone such as UTC or Europe/Paris')
    .default('UTC'),
  // When set, GET /metrics needs `Authorization: Bearer <it>`.
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  // Fresh AMIs of lab instances moved to Spot, for emergency replacements (jobs/lab-snapshots.ts).
  CRON_LAB_SNAPSHOTS: cron('0 3 * * *'),
});

export type Config = z.infer<typeof schema>;

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const EXAMPLES: Record<string, string> = {
  SLACK_BOT_TOKEN: 'xoxb-1234-5678-abcd',
  SLACK_APP_TOKEN: 'xapp-1-A0123-4567-abcd',
  SLACK_SIGNING_SECRET: '8f742231b10e8888abcd99yyyzzz85a5',
  SLACK_API_URL: 'https://slack.com/api/',
  DATABASE_URL: 'postgres://spotops:secret@db:5432/spotops',
  SQS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/spotops-events',
  DRY_RUN: 'true',
  SLACK_MODE: 'socket',
  SPOTOPS_MODE: 'sandbox',
  CONSOLE_TOKEN: 'a-long-random-string-1234',
  DIGEST_TIME_ZONE: 'Europe/Paris',
  METRICS_TOKEN: 'a-long-random-string-5678',
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses the environment; throws ConfigError whose message lists every variable to fix.
 * `slack: false` (the CLI) does not require the Slack tokens.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, opts: { slack?: boolean } = {}): Config {
  const needSlack = opts.slack ?? true;
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(input);
  // Mode-dependent requirements are checked beside the schema so that one run reports them all.
  const issues: { path: PropertyKey[]; code: string; message: string }[] = parsed.success
    ? []
    : [...parsed.error.issues];
  const mode = input.SLACK_MODE ?? 'socket';
  if (needSlack && !input.SLACK_BOT_TOKEN) {
    issues.push({
      path: ['SLACK_BOT_TOKEN'],
      code: 'invalid_type',
      message: 'required (OAuth & Permissions page of the Slack app)',
    });
  }
  if (needSlack && mode === 'socket' && !input.SLACK_APP_TOKEN) {
    issues.push({
      path: ['SLACK_APP_TOKEN'],
      code: 'invalid_type',
      message: 'required in Socket Mode (the default)',
    });
  }
  if (needSlack && mode === 'http' && !input.SLACK_SIGNING_SECRET) {
    issues.push({
      path: ['SLACK_SIGNING_SECRET'],
      code: 'invalid_type',
      message: 'required when SLACK_MODE=http',
    });
  }
  const host = input.CONSOLE_HOST ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !input.CONSOLE_TOKEN) {
    issues.push({
      path: ['CONSOLE_TOKEN'],
      code: 'invalid_type',
      message: `required when CONSOLE_HOST (${host}) is not a loopback address`,
    });
  }
  if (parsed.success && issues.length === 0) return parsed.data;
  const lines = issues.map((issue) => {
    const name = String(issue.path[0] ?? '?');
    const example = EXAMPLES[name] ? ` (for example ${name}=${EXAMPLES[name]})` : '';
    const what =
      input[name] === undefined
        ? `is not set${issue.message.startsWith('required') ? `, ${issue.message}` : ''}`
        : issue.message;
    return `  - ${name}: ${what}${example}`;
  });
  throw new ConfigError(`spotops cannot start; fix these environment variables:\n${lines.join('\n')}`);
}

/** Parsed authorising tags: `Key=Value` must match exactly, `Key` any value, `prefix/*` any key with that prefix. */
export function authorizingTags(
  cfg: Pick<Config, 'SHADOW_AUTHORIZING_TAGS'>,
): { key: string; value?: string }[] {
  return cfg.SHADOW_AUTHORIZING_TAGS.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const eq = s.indexOf('=');
      return eq < 0 ? { key: s } : { key: s.slice(0, eq), value: s.slice(eq + 1) };
    });
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export type RunMode = 'slack' | 'sandbox';

const SLACK_VARIABLES = ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET'] as const;

/** Which mode `npm start` runs in, and why (for the start-up log). */
export function chooseMode(env: NodeJS.ProcessEnv = process.env): { mode: RunMode; why: string } {
  const forced = env.SPOTOPS_MODE;
  if (forced === 'sandbox') return { mode: 'sandbox', why: 'SPOTOPS_MODE=sandbox' };
  if (forced === 'slack') return { mode: 'slack', why: 'SPOTOPS_MODE=slack' };
  const set = SLACK_VARIABLES.filter((name) => env[name]);
  if (set.length > 0) return { mode: 'slack', why: `${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} set` };
  return { mode: 'sandbox', why: `no Slack variables are set (${SLACK_VARIABLES.join(', ')})` };
}

/** AWS credentials the default chain would find without network look-ups (env, profile, files). */
export function hasAwsCredentials(env: NodeJS.ProcessEnv = process.env, home = env.HOME): boolean {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return true;
  if (env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE) return true;
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return true;
  return home ? existsSync(`${home}/.aws/credentials`) || existsSync(`${home}/.aws/config`) : false;
}
