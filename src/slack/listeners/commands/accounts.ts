// /spot accounts
import { listAccounts } from '../../../accounts/store.js';
import { accountsList } from '../../blocks/accounts-list.js';
import type { Subcommand } from './spot.js';

export const accountsCommand: Subcommand = async (ctx) => {
  const accounts = await listAccounts(ctx.deps.db);
  return accountsList({
    accounts: accounts.map((a) => ({
      ...a,
      // Stored as `subteam:S…`; the builder takes the bare group ID.
      approvers: a.approvers.map((x) => x.replace(/^subteam:/, '')),
    })),
  });
};
