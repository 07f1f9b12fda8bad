// Which mode `npm start` runs in, and the console's configuration rules.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseMode, hasAwsCredentials, loadConfig } from '../../src/config.js';

describe('choosing the mode', () => {
  it('runs the sandbox when no Slack variable is set, and says so', () => {
    expect(chooseMode({})).toEqual({
      mode: 'sandbox',
      why: 'no Slack variables are set (SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_SIGNING_SECRET)',
    });
  });

  it('runs Slack as soon as any Slack variable is set, naming it', () => {
    expect(chooseMode({ SLACK_APP_TOKEN: 'xapp-1' })).toEqual({
      mode: 'slack',
      why: 'SLACK_APP_TOKEN is set',
    });
    expect(chooseMode({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).why).toBe(
      'SLACK_BOT_TOKEN, SLACK_APP_TOKEN are set',
    );
  });

  it('lets SPOTOPS_MODE force either mode', () => {
    expect(chooseMode({ SPOTOPS_MODE: 'sandbox', SLACK_BOT_TOKEN: 'xoxb-1' })).toEqual({
      mode: 'sandbox',
      why: 'SPOTOPS_MODE=sandbox',
    });
    expect(chooseMode({ SPOTOPS_MODE: 'slack' })).toEqual({ mode: 'slack', why: 'SPOTOPS_MODE=slack' });
  });
});

describe('console configuration', () => {
  it('binds to loopback with no token by default and leaves the port to the mode', () => {
    const c = loadConfig({}, { slack: false });
    expect([c.CONSOLE_HOST, c.CONSOLE_PORT, c.CONSOLE_TOKEN]).toEqual(['127.0.0.1', undefined, undefined]);
  });

  it('refuses a non-loopback bind without a token, naming CONSOLE_TOKEN', () => {
    expect(() => loadConfig({ CONSOLE_HOST: '0.0.0.0' }, { slack: false })).toThrow(
      /CONSOLE_TOKEN: is not set, required when CONSOLE_HOST \(0\.0\.0\.0\)/,
    );
    expect(
      loadConfig({ CONSOLE_HOST: '0.0.0.0', CONSOLE_TOKEN: 'x'.repeat(16) }, { slack: false }).CONSOLE_HOST,
    ).toBe('0.0.0.0');
  });

  it('refuses a short token', () => {
    expect(() => loadConfig({ CONSOLE_TOKEN: 'short' }, { slack: false })).toThrow(
      /CONSOLE_TOKEN: at least 16 characters/,
    );
  });
});

describe('detecting AWS credentials without network calls', () => {
  const home = mkdtempSync(join(tmpdir(), 'spotops-home-'));

  it('sees none in an empty environment and home', () => {
    expect(hasAwsCredentials({}, home)).toBe(false);
  });

  it('sees keys, a profile, web identity or a credentials file', () => {
    expect(hasAwsCredentials({ AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 's' }, home)).toBe(true);
    expect(hasAwsCredentials({ AWS_PROFILE: 'dev' }, home)).toBe(true);
    expect(hasAwsCredentials({ AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token' }, home)).toBe(true);
    mkdirSync(join(home, '.aws'));
    writeFileSync(join(home, '.aws', 'credentials'), '[default]\n');
    expect(hasAwsCredentials({}, home)).toBe(true);
  });
});
