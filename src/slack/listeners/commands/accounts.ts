// /spot accounts
import { listAccounts } from '../../../accounts/store.js';
import type { Account } from '../../../db/schema.js';
import { ephemeral, type Reply } from './reply.js';
import type { Subcommand } from './spot.js';

export const accountsCommand: Subcommand = {
  usage: 'accounts',
  summary: 'list connected accounts with environment, regions, status and approvers',
  async run(ctx) {
    return accountsList(await listAccounts(ctx.deps.db));
  },
};

function accountsList(rows: Account[]): Reply {
  if (rows.length === 0) return ephemeral('No accounts yet: `/spot connect <name>`.');
  return ephemeral(
    rows
      .map(
        (a) =>
          `*${a.name}* ${a.environment} ${a.regions.join(',')} ${a.status} approvers: ${a.approvers.join(' ')}`,
      )
      .join('\n'),
  );
}
