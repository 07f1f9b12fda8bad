#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
// `spotops <command>`: operator tasks from a shell or CI, on the same database as the bot.
// Slack tokens are not required here; without them audit rows are written but nothing is posted.
import { mention } from './accounts/approvers.js';
import { buildTemplate, templateYaml } from './accounts/cfn-template.js';
import { connectAccount, parseConnectArgs, templateInputFor } from './accounts/connect.js';
import { operatorAccountId } from './accounts/operator.js';
import { listAccounts, requireAccount, verifiedAccounts } from './accounts/store.js';
import { verifyAccount } from './accounts/verify.js';
import { ConfigError, loadConfig } from './config.js';
import { interruptionPolicy, policyOf, setPolicy } from './db/queries/interruption-policies.js';
import type { Deps } from './deps.js';
import { setupEventForwarding } from './events/setup.js';
import { UserError } from './lib/errors.js';
import { createLogger } from './lib/logger.js';
import { modelCommand, trainModelCommand } from './risk/cli.js';
import { createDeps, openConfiguredDatabase } from './runtime.js';
import { scanners } from './scanners/index.js';
import { runScan } from './scanners/run.js';

export type Out = (line: string) => void;

interface CliCommand {
  usage: string;
  run(deps: Deps, args: string[], out: Out): Promise<void>;
}

const CLI_ACTOR = 'cli:operator';

export const cliCommands: Record<string, CliCommand> = {
  'interruption-policy': {
    usage:
      'interruption-policy <account> [rebalance=ignore|notify|replace] [emergency=managed|all|off]   show or set',
    async run(deps, [name, ...args], out) {
      if (!name)
        throw new UserError('usage: spotops interruption-policy <account> [rebalance=...] [emergency=...]');
      const account = await requireAccount(deps.db, name);
      const change: Record<string, string> = {};
      for (const arg of args) {
        const [key, value] = arg.split('=');
        if ((key !== 'rebalance' && key !== 'emergency') || !value)
          throw new UserError(
            `\`${arg}\` is not a setting: use rebalance=ignore|notify|replace or emergency=managed|all|off`,
          );
        change[key] = value;
      }
      const parsed = interruptionPolicy.partial().safeParse(change);
      if (!parsed.success)
        throw new UserError(
          'rebalance is one of ignore, notify, replace; emergency one of managed, all, off',
        );
      const policy =
        args.length > 0
          ? await setPolicy(deps.db, account.id, parsed.data, CLI_ACTOR, deps.clock.now())
          : await policyOf(deps.db, account.id);
      out(`${account.name}: rebalance=${policy.rebalance} emergency=${policy.emergency}`);
    },
  },
  migrate: {
    usage: 'migrate                                  apply database migrations (also done at start)',
    async run(_deps, _args, out) {
      out('migrations applied');
    },
  },
  accounts: {
    usage: 'accounts add <name> [prod|lab] [regions] | verify <name> <role-arn> | list',
    async run(deps, [sub, ...args], out) {
      if (sub === 'add') {
        const r = await connectAccount(deps, parseConnectArgs(args, deps.config.AWS_REGION), CLI_ACTOR);
        out(`account ${r.accountName} created (${r.environment}, ${r.regions.join(',')})`);
        out(`ExternalID: ${r.externalId}`);
        out(`quick-create: ${r.quickCreateUrl}`);
        out(`template: spotops cfn-template ${r.accountName} > spotops-${r.accountName}.yaml`);
      } else if (sub === 'verify') {
        const [name, arn] = args;
        if (!name || !arn) throw new UserError('usage: spotops accounts verify <name> <role-arn>');
        const a = await verifyAccount(deps, name, arn, CLI_ACTOR);
        out(`account ${a.name} verified: ${a.roleArn}`);
      } else if (sub === 'list') {
        for (const a of await listAccounts(deps.db)) {
          out(
            [
              a.name,
              a.environment,
              a.regions.join(','),
              a.status,
              a.awsAccountId ?? '-',
              a.approvers.map(mention).join(' '),
            ].join('\t'),
          );
        }
      } else {
        throw new UserError(`usage: spotops ${cliCommands.accounts!.usage}`);
      }
    },
  },
  events: {
    usage:
      'events setup [--allow <account-id>,...] [--org <o-id>]   the operator bus (EVENT_BUS_NAME), its rule and the SQS queue',
    async run(deps, [sub, ...args], out) {
      if (sub !== 'setup') throw new UserError(`usage: spotops ${cliCommands.events!.usage}`);
      const flag = (name: string) => {
        const i = args.indexOf(name);
        return i >= 0 ? args[i + 1] : undefined;
      };
      const lines = await setupEventForwarding(
        { eventBridge: deps.operator.eventBridge(), sqs: deps.operator.sqs(), sts: deps.operatorSts },
        {
          // Customer accounts forward to a bus of our own whose policy admits them.
          bus: 'custom',
          busName: deps.config.EVENT_BUS_NAME,
          allowAccounts: flag('--allow')?.split(',').filter(Boolean),
          organizationId: flag('--org'),
        },
      );
      for (const line of lines) out(line);
    },
  },
  model: {
    usage:
      'model list | activate <version> | fallback [on|off] | register <file.onnx> | evaluate   the risk model registry',
    run: (deps, args, out) => modelCommand(args, out, { db: deps.db, dataDir: deps.config.DATA_DIR }),
  },
  scan: {
    usage: 'scan [kind ...]                          run scanners now over every verified account',
    async run(deps, args, out) {
      const kinds = args.length ? args : Object.keys(scanners);
      const report = await runScan(
        { db: deps.db, aws: (a) => deps.awsFor(a), clock: deps.clock, log: deps.log, config: deps.config },
        { accounts: await verifiedAccounts(deps.db), kinds },
      );
      for (const r of report.newlyOpened)
        out(`new\t${r.kind}\t${r.region}\t${r.resourceId}\t$${r.monthlySavingsUsd.toFixed(2)}/month`);
      for (const r of report.resolved) out(`resolved\t${r.kind}\t${r.region}\t${r.resourceId}`);
      for (const f of report.failures) out(`failed\t${JSON.stringify(f)}`);
      out(
        `${report.runs.length} scans, ${report.newlyOpened.length} new, ${report.resolved.length} resolved, ${report.failures.length} failed`,
      );
    },
  },
  'cfn-template': {
    usage: 'cfn-template <name> [--json] | --generic   print the onboarding CloudFormation template',
    async run(deps, args, out) {
      const json = args.includes('--json');
      const names = args.filter((a) => !a.startsWith('--'));
      const operator = await operatorAccountId(deps.operatorSts);
      let input: Parameters<typeof buildTemplate>[0];
      if (args.includes('--generic')) {
        // For publishing once to S3 (CFN_TEMPLATE_URL): ExternalId has no default, the link passes it.
        input = templateInputFor(deps, 'account', operator, '');
      } else {
        if (!names[0]) throw new UserError('usage: spotops cfn-template <name>');
        const account = await requireAccount(deps.db, names[0]);
        input = templateInputFor(deps, account.name, operator, account.externalId);
      }
      const template = buildTemplate(input);
      if (args.includes('--generic')) {
        const params = template.Parameters as { ExternalId: Record<string, unknown> };
        delete params.ExternalId.Default;
        const role = (template.Resources as Record<string, { Properties: Record<string, unknown> }>)
          .SpotOpsRole!;
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation substitution, not JS.
        role.Properties.RoleName = { 'Fn::Sub': 'SpotOps-${AWS::StackName}' };
      }
      out(
        json
          ? JSON.stringify(template, null, 2)
          : args.includes('--generic')
            ? stringify(template, { lineWidth: 0 })
            : templateYaml(input),
      );
    },
  },
};

// Commands that need no database or AWS (training reads only committed inputs).
const OFFLINE: Record<string, { usage: string; run(args: string[], out: Out): Promise<void> }> = {
  'train-model': {
    usage:
      'train-model [--seed N] [--rows N] [--version V] [--out DIR]   train the risk model, write ONNX + card',
    run: (args, out) => trainModelCommand(args, out),
  },
};

export function usage(): string {
  return ['usage: spotops <command>', ...Object.entries(cliCommands).map(([, c]) => `  ${c.usage}`)].join(
    '\n',
  );
}

export async function runCli(argv: string[], out: Out = console.log, env = process.env): Promise<number> {
  const [name, ...args] = argv;
  const offline = name ? OFFLINE[name] : undefined;
  if (offline) {
    try {
      await offline.run(args, out);
      return 0;
    } catch (err) {
      if (err instanceof UserError) {
        process.stderr.write(`${err.message}\n`);
        return 1;
      }
      throw err;
    }
  }
  const command = name ? cliCommands[name] : undefined;
  if (!command) {
    process.stderr.write(`${name && name !== 'help' ? `unknown command: ${name}\n` : ''}${usage()}\n`);
    return name && name !== 'help' ? 2 : 0;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env, { slack: false });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const log = createLogger(env.LOG_LEVEL ?? 'warn');
  const database = await openConfiguredDatabase(config);
  try {
    await command.run(createDeps(config, database, log), args, out);
    return 0;
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await database.close();
  }
}

// Run when executed directly (bin), not when imported by tests.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`spotops: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
