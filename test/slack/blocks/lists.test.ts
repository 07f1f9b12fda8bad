import { describe, expect, it } from 'vitest';
import { accountsList, approverMention } from '../../../src/slack/blocks/accounts-list.js';
import {
  connectReply,
  templateFitsInMessage,
  templateParts,
} from '../../../src/slack/blocks/connect-reply.js';
import { poolAlertCard } from '../../../src/slack/blocks/pool-alert-card.js';
import { poolsList } from '../../../src/slack/blocks/pools-list.js';
import { ACTIONS } from '../../../src/slack/ids.js';
import { interactiveElements } from '../../helpers/slack-limits.js';
import * as f from './fixtures.js';

const text = (m: { blocks: unknown[] }) => JSON.stringify(m.blocks);

describe('pool-alert-card', () => {
  it('names the pool, the account that saw the interruption, the count and the expiry', () => {
    const card = poolAlertCard(f.poolAlert);
    expect(card).toMatchSnapshot();
    expect(card.text).toBe(
      'Spot pool us-east-1/us-east-1b/m5.large poisoned until 2026-03-25 09:00 UTC (spot interruption warning in prod-main)',
    );
  });
});

describe('pools-list', () => {
  it('lists live poisoned pools soonest first and leaves out expired ones', () => {
    const list = poolsList({ pools: f.pools, now: f.NOW });
    expect(list).toMatchSnapshot();
    const t = text(list);
    expect(t.indexOf('eu-west-1/eu-west-1b/c6i.xlarge')).toBeLessThan(
      t.indexOf('us-east-1/us-east-1b/m5.large'),
    );
    expect(t).not.toContain('r5.large');
  });

  it('says none when nothing is poisoned', () => {
    expect(poolsList({ pools: [], now: f.NOW })).toMatchSnapshot();
  });
});

describe('accounts-list', () => {
  it('lists accounts with environment, regions, status and approvers as mentions', () => {
    const list = accountsList({ accounts: f.accounts });
    expect(list).toMatchSnapshot();
    expect(text(list)).toContain('Approvers: <@U024BE7LH> <!subteam^S0614TZR7>');
    expect(text(list)).toContain('*lab-&lt;sandbox&gt;*');
  });

  it('mentions users and user groups, and escapes anything else', () => {
    expect(approverMention('U024BE7LH')).toBe('<@U024BE7LH>');
    expect(approverMention('S0614TZR7')).toBe('<!subteam^S0614TZR7>');
    expect(approverMention('<!here>')).toBe('&lt;!here&gt;');
  });

  it('explains how to connect when there are no accounts', () => {
    expect(text(accountsList({ accounts: [] }))).toContain('/spot connect');
  });
});

describe('connect-reply', () => {
  it('gives the ExternalID, the quick-create link, the steps and the template when it fits', () => {
    const reply = connectReply(f.connectSmall);
    expect(reply).toMatchSnapshot();
    const link = interactiveElements(reply.blocks).find((e) => e.action_id === ACTIONS.openLink);
    expect(link?.url).toBe(f.connectSmall.quickCreateUrl);
    expect(text(reply)).toContain('```\\nAWSTemplateFormatVersion');
  });

  it('splits a template too long for one block over numbered code blocks that rebuild it exactly', () => {
    expect(templateFitsInMessage(f.connectLarge.template)).toBe(false);
    const reply = connectReply(f.connectLarge);
    const parts = templateParts(f.connectLarge.template);
    expect(parts.length).toBeGreaterThan(1);
    expect(text(reply)).toContain(`Template, part ${parts.length} of ${parts.length}`);
    expect(parts.join('\n')).toBe(f.connectLarge.template.replace(/\n$/, ''));
    const code = reply.blocks
      .map((b) => (b.type === 'section' ? (b.text?.text ?? '') : ''))
      .filter((t) => t.startsWith('```'))
      .map((t) => t.slice(4, -4));
    expect(code).toEqual(parts);
  });
});
