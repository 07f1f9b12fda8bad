// The console's Bolt receiver: local delivery without signatures, through app.processEvent, with
// Slack's ack semantics (first ack answers, a second ack is an error, no ack is reported).
import { App, ReceiverMultipleAckError } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleReceiver } from '../../src/console/receiver.js';

const slash = (text: string) => ({
  token: 'console-verification-token',
  team_id: 'T0SANDBOX',
  channel_id: 'C0SPOTOPS',
  user_id: 'U0ALICE',
  user_name: 'alice',
  command: '/spot',
  text,
  api_app_id: 'A0SPOTOPS',
  response_url: 'http://127.0.0.1:9/respond/x',
  trigger_id: '1.2.3',
});

const click = (value: string) => ({
  type: 'block_actions',
  user: { id: 'U0BOB', username: 'bob', name: 'bob', team_id: 'T0SANDBOX' },
  api_app_id: 'A0SPOTOPS',
  team: { id: 'T0SANDBOX', domain: 'sandbox' },
  container: { type: 'message', message_ts: '1.000001', channel_id: 'C0SPOTOPS', is_ephemeral: false },
  channel: { id: 'C0SPOTOPS', name: 'spotops' },
  trigger_id: '1.2.4',
  response_url: 'http://127.0.0.1:9/respond/y',
  actions: [{ action_id: 'rec_approve', block_id: 'b', type: 'button', value, action_ts: '1.1' }],
});

let receiver: ConsoleReceiver;
let app: App;

async function start(): Promise<void> {
  receiver = new ConsoleReceiver();
  // No network at all: with the bot's ids given and verification off, Bolt never calls auth.test.
  app = new App({
    token: 'xoxb-test',
    botId: 'B0SPOTOPS',
    botUserId: 'U0SPOTOPS',
    receiver,
    tokenVerificationEnabled: false,
  });
  await app.start();
}

afterEach(async () => {
  await app?.stop();
});

describe('the console receiver', () => {
  it('delivers an unsigned slash command to its listener and answers with the ack body', async () => {
    await start();
    app.command('/spot', async ({ command, ack }) => {
      await ack({ response_type: 'ephemeral', text: `you said ${command.text}` });
    });
    const d = await receiver.deliver(slash('help')).ack;
    expect(d).toMatchObject({ status: 'acked', body: { response_type: 'ephemeral', text: 'you said help' } });
  });

  it('hands the payload to the listener unchanged', async () => {
    await start();
    const seen: unknown[] = [];
    app.action('rec_approve', async ({ ack, body, action }) => {
      await ack();
      seen.push({ user: body.user.id, value: (action as { value: string }).value });
    });
    const { ack, settled } = receiver.deliver(click('42'));
    expect(await ack).toMatchObject({ status: 'acked', body: '' });
    await settled;
    expect(seen).toEqual([{ user: 'U0BOB', value: '42' }]);
  });

  it('answers at the ack while the listener goes on working', async () => {
    await start();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let finished = false;
    app.action('rec_approve', async ({ ack }) => {
      await ack();
      await gate;
      finished = true;
    });
    const { ack, settled } = receiver.deliver(click('1'));
    expect((await ack).status).toBe('acked');
    expect(finished).toBe(false);
    release();
    await settled;
    expect(finished).toBe(true);
  });

  it("refuses a second ack, as Slack's receivers do", async () => {
    await start();
    let second: unknown;
    app.action('rec_approve', async ({ ack }) => {
      await ack();
      second = await ack().catch((e: unknown) => e);
    });
    const { settled } = receiver.deliver(click('1'));
    await settled;
    expect(second).toBeInstanceOf(ReceiverMultipleAckError);
  });

  it('reports an event nobody acknowledges within the timeout', async () => {
    await start();
    let release: () => void = () => {};
    app.command('/spot', async () => {
      await new Promise<void>((r) => {
        release = r;
      });
    });
    const { ack, settled } = receiver.deliver(slash('slow'), { ackTimeoutMs: 50 });
    expect((await ack).status).toBe('not_acknowledged');
    release();
    await settled;
  });

  it('reports an event no listener handles as not acknowledged', async () => {
    await start();
    expect((await receiver.deliver(click('1')).ack).status).toBe('not_acknowledged');
  });

  it('delivers nothing before the app started', async () => {
    receiver = new ConsoleReceiver();
    app = new App({
      token: 'xoxb-test',
      botId: 'B0SPOTOPS',
      botUserId: 'U0SPOTOPS',
      receiver,
      tokenVerificationEnabled: false,
    });
    expect(await receiver.deliver(slash('help')).ack).toMatchObject({ status: 'failed' });
  });
});
