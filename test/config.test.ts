import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { authorizingTags, ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('defaults to Socket Mode, PGlite in ./data and DRY_RUN on', () => {
    const c = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' });
    expect(c).toMatchObject({
      SLACK_MODE: 'socket',
      DATA_DIR: './data',
      DRY_RUN: true,
      EBS_UNATTACHED_DAYS: 7,
      SNAPSHOT_MIN_AGE_DAYS: 30,
      SHADOW_GRACE_HOURS: 24,
      POOL_POISON_DAYS: 15,
    });
    expect(c.DATABASE_URL).toBeUndefined();
  });

  it('turns DRY_RUN off only when told', () => {
    expect(
      loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', DRY_RUN: 'false' }).DRY_RUN,
    ).toBe(false);
  });

  it('names every variable to fix, with an example, in one message', () => {
    let err: unknown;
    try {
      loadConfig({
        SLACK_MODE: 'http',
        SLACK_BOT_TOKEN: 'not-a-token',
        DRY_RUN: 'maybe',
        DATABASE_URL: 'mysql://x',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'DRY_RUN', 'DATABASE_URL'])
      expect(message).toContain(name);
    expect(message).toContain('for example SLACK_SIGNING_SECRET=');
  });

  it('does not need Slack tokens for the CLI', () => {
    expect(loadConfig({}, { slack: false }).DRY_RUN).toBe(true);
  });

  it('parses the authorising tags: exact value, any value, key prefix', () => {
    expect(
      authorizingTags({
        SHADOW_AUTHORIZING_TAGS: 'ManagedBy=SpotOptimizer, eks:cluster-name ,kubernetes.io/cluster/*',
      }),
    ).toEqual([
      { key: 'ManagedBy', value: 'SpotOptimizer' },
      { key: 'eks:cluster-name' },
      { key: 'kubernetes.io/cluster/*' },
    ]);
  });

  it('makes the bot exit non-zero in Slack mode without the Slack variables, naming them, without a stack trace', () => {
    // With no Slack variable at all `npm start` runs the sandbox; SPOTOPS_MODE=slack insists on Slack.
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, SPOTOPS_MODE: 'slack' };
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('SLACK_BOT_TOKEN');
    expect(run.stderr).toContain('SLACK_APP_TOKEN');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
