// App Home: what the bot watches, for the person who opened it.
import type { KnownBlock } from '@slack/types';
import { listAccounts } from '../accounts/store.js';
import type { Deps } from '../deps.js';

export async function publishHome(deps: Deps, userId: string): Promise<void> {
  const accounts = await listAccounts(deps.db);
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'spotops' } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: accounts.length
          ? accounts
              .map((a) => `*${a.name}* · ${a.environment} · ${a.regions.join(', ')} · ${a.status}`)
              .join('\n')
          : 'No AWS accounts connected yet. Start with `/spot connect <name>`.',
      },
    },
  ];
  await deps.notifier.publishHome(userId, blocks);
}
