import { describe, expect, it } from 'vitest';
import { appHome } from '../../../src/slack/blocks/app-home.js';
import { digest } from '../../../src/slack/blocks/digest.js';
import { findingsSummary } from '../../../src/slack/blocks/findings-summary.js';
import { helpMessage, SPOT_SUBCOMMANDS } from '../../../src/slack/blocks/help.js';
import { ACTIONS } from '../../../src/slack/ids.js';
import { actionIds, checkView } from '../../helpers/slack-limits.js';
import * as f from './fixtures.js';

const text = (m: { blocks: unknown[] }) => JSON.stringify(m.blocks);

describe('help', () => {
  it('lists every /spot subcommand with its usage', () => {
    const help = helpMessage();
    expect(help).toMatchSnapshot();
    for (const s of SPOT_SUBCOMMANDS)
      expect(text(help)).toContain(`/spot ${s.usage.replace(/</g, '&lt;').replace(/>/g, '&gt;')}`);
  });

  it('exports the subcommands as data for the router check', () => {
    expect(SPOT_SUBCOMMANDS.map((s) => s.name)).toEqual([
      'help',
      'connect',
      'verify',
      'accounts',
      'approvers',
      'evaluate',
      'waste',
      'shadow',
      'pools',
      'pool',
      'status',
      'schedule',
      'approve',
      'history',
      'savings',
      'digest',
      'policy',
      'cancel',
    ]);
  });

  it('quotes an unknown command back, escaped', () => {
    const help = helpMessage({ unknown: 'evalute <script>' });
    expect(help.text).toMatch(/^Unknown command "evalute &lt;script&gt;"\. Usage: /);
  });
});

describe('app-home', () => {
  it('renders accounts, open findings, savings and recent executions with a Refresh button', () => {
    const home = appHome(f.appHomeInput);
    expect(home).toMatchSnapshot();
    expect(actionIds(home.blocks)).toEqual([ACTIONS.homeRefresh]);
  });

  it('stays within 100 blocks however much there is to show', () => {
    const home = appHome({
      ...f.appHomeInput,
      recentExecutions: Array.from({ length: 500 }, (_, i) => ({
        ...f.appHomeInput.recentExecutions[0]!,
        id: i,
      })),
    });
    expect(home.blocks.length).toBeLessThanOrEqual(100);
    expect(checkView(home)).toEqual([]);
  });
});

describe('digest', () => {
  it('renders totals per kind, top items and savings realised against estimated', () => {
    const d = digest(f.digestInput);
    expect(d).toMatchSnapshot();
    expect(d.text).toBe(
      'Daily digest 2026-03-09: 51 open findings ($307.40/month), $1,204.50/month realised of $1,350.00/month estimated',
    );
    const t = text(d);
    expect(t).toContain('(89% measured)');
    expect(t.indexOf('web-frontend-asg')).toBeLessThan(t.indexOf('snap-0f00'));
  });

  it('says nothing is open on a quiet day', () => {
    expect(text(digest({ ...f.digestInput, perKind: [], topItems: [], shadowIt: null }))).toContain(
      'Nothing open',
    );
  });
});

describe('findings-summary', () => {
  it('totals waste findings per account and kind, leaving out empty rows', () => {
    const s = findingsSummary(f.wasteSummary);
    expect(s).toMatchSnapshot();
    expect(s.text).toBe('51 open waste findings, $307.40/month');
    expect(text(s)).not.toContain('Unattached Elastic IPs: 0');
  });

  it('summarises untagged instances for one account', () => {
    expect(findingsSummary(f.shadowSummary)).toMatchSnapshot();
  });

  it('says when nothing is open', () => {
    expect(findingsSummary({ scope: 'waste', account: 'prod-main', rows: [] }).text).toBe(
      'No open waste findings in prod-main',
    );
  });
});
