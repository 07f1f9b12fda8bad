import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { slackPost, slashCommandBody } from '../helpers/signing.js';

describe('the app in HTTP mode', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.stop());

  it('answers a correctly signed /spot help with 200 and the usage text within 3 seconds', async () => {
    const res = await t.command('help');
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(3000);
    const body = JSON.parse(res.body);
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('/spot connect <name> [prod|lab] [region,...]');
    expect(body.text).toContain('/spot verify <name> <role-arn>');
  });

  it('refuses a request with a forged signature with 401', async () => {
    const body = slashCommandBody('help', { responseUrl: t.slack.responseUrl() });
    const res = await slackPost(t.url, body, { signature: `v0=${'0'.repeat(64)}` });
    expect(res.status).toBe(401);
  });

  it('refuses a request signed with another secret with 401', async () => {
    const body = slashCommandBody('help', { responseUrl: t.slack.responseUrl() });
    const res = await slackPost(t.url, body, { secret: 'someone-elses-secret' });
    expect(res.status).toBe(401);
  });

  it('refuses a correctly signed request whose timestamp is older than 5 minutes with 401', async () => {
    const body = slashCommandBody('help', { responseUrl: t.slack.responseUrl() });
    const res = await slackPost(t.url, body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(res.status).toBe(401);
  });

  it('answers an unknown subcommand with the usage, ephemeral', async () => {
    const reply = await t.commandReply('frobnicate now');
    expect(reply.text).toContain('Unknown command "frobnicate"');
    expect(reply.text).toContain('/spot help');
    expect(JSON.stringify(reply.blocks)).toContain('/spot connect');
  });

  it('serves /healthz with the database status', async () => {
    const res = await fetch(t.url.replace('/slack/events', '/healthz'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, db: true });
  });
});
