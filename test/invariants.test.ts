// Every unit held to its contract, across registries: executors, scanners, Slack ids, the
// /spot router and the onboarding template.

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { templateYaml } from '../src/accounts/cfn-template.js';
import { executors } from '../src/executors/index.js';
import type { AnyExecutor } from '../src/executors/types.js';
import { scanners } from '../src/scanners/index.js';
import type { Scanner } from '../src/scanners/types.js';
import { SPOT_SUBCOMMANDS } from '../src/slack/blocks/help.js';
import { EMITTED_ACTION_IDS } from '../src/slack/blocks/index.js';
import { ACTIONS, VIEWS } from '../src/slack/ids.js';
import { actionHandlers } from '../src/slack/listeners/actions.js';
import { subcommands } from '../src/slack/listeners/commands/spot.js';

const allExecutors = Object.entries(executors as Record<string, AnyExecutor>);
const allScanners = Object.entries(scanners as Record<string, Scanner>);

describe('the registries', () => {
  it.each(allExecutors)(
    'executor %s is registered under its own kind, with permissions and a schema',
    (key, e) => {
      expect(e.kind).toBe(key);
      expect(e.permissions.length).toBeGreaterThan(0);
      for (const p of e.permissions) expect(p).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
      expect(typeof e.params.safeParse).toBe('function');
      // Reversible executors roll back; irreversible ones say why on the card.
      expect(Boolean(e.rollback) !== Boolean(e.rollbackNote)).toBe(true);
    },
  );

  it.each(allScanners)(
    'scanner %s is registered under its own kind and declares read permissions only',
    (key, s) => {
      expect(s.kind).toBe(key);
      expect(s.permissions.length).toBeGreaterThan(0);
      for (const p of s.permissions) expect(p).toMatch(/^[a-z0-9-]+:(Describe|Get|List)/);
    },
  );

  it('grant in the onboarding template every permission an executor or scanner declares', () => {
    const t = parse(
      templateYaml({ accountName: 'x', operatorAccountId: '111122223333', externalId: 'e'.repeat(32) }),
    );
    const granted = new Set(
      (
        t.Resources.SpotOpsRole.Properties.Policies as {
          PolicyDocument: { Statement: { Action: string[] }[] };
        }[]
      ).flatMap((p) => p.PolicyDocument.Statement.flatMap((s) => s.Action)),
    );
    for (const [, e] of allExecutors) for (const p of e.permissions) expect(granted.has(p), p).toBe(true);
    for (const [, s] of allScanners) for (const p of s.permissions) expect(granted.has(p), p).toBe(true);
  });
});

describe('the Slack surface', () => {
  it('has a listener for every action id a builder can emit, and for every id in ACTIONS', () => {
    const handled = new Set(Object.keys(actionHandlers));
    for (const id of EMITTED_ACTION_IDS) expect(handled.has(id), id).toBe(true);
    for (const id of Object.values(ACTIONS)) expect(handled.has(id), id).toBe(true);
  });

  it('routes every /spot subcommand the help lists, and lists every route', () => {
    expect(Object.keys(subcommands).sort()).toEqual(SPOT_SUBCOMMANDS.map((s) => s.name).sort());
  });

  it('keeps action and view ids unique', () => {
    const ids = [...Object.values(ACTIONS), ...Object.values(VIEWS)];
    expect(new Set(ids).size).toBe(ids.length);
  });
});
