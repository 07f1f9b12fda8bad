// Registers /spot. The listener acks (with the answer itself when it needs no I/O, such as help
// or a typo) and hands the work to the lane; the reply to real work goes through response_url.
import type { App } from '@slack/bolt';
import type { SlackDirectory } from '../../../accounts/approvers.js';
import type { Deps } from '../../../deps.js';
import type { WorkLane } from '../../work-lane.js';
import { type CommandContext, immediateReply, runSpotCommand } from './spot.js';

export function registerCommands(
  app: App,
  deps: Deps,
  directory: SlackDirectory,
  lane: WorkLane,
  kick?: () => void,
): void {
  app.command('/spot', async ({ command, ack, respond }) => {
    const immediate = immediateReply(command.text);
    if (immediate) {
      await ack({ response_type: 'ephemeral', text: immediate.text, blocks: immediate.blocks });
      return;
    }
    await ack();
    const send = (r: { text: string; blocks?: unknown[]; inChannel?: boolean }) =>
      respond({
        response_type: r.inChannel ? 'in_channel' : 'ephemeral',
        text: r.text,
        blocks: r.blocks as never,
      }).then(() => undefined);
    const ctx: CommandContext = {
      deps,
      directory,
      userId: command.user_id,
      channelId: command.channel_id,
      triggerId: command.trigger_id,
      progress: send,
      kick,
    };
    await lane.run(async () => send(await runSpotCommand(ctx, command.text)));
  });
}
