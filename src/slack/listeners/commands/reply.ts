// What a /spot subcommand answers with, and how errors become answers: a UserError's message
// verbatim, anything else a short generic line (the details go to the log, never to Slack).
import type { KnownBlock } from '@slack/types';
import { UserError, userMessage } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/logger.js';

export interface Reply {
  text: string;
  blocks?: KnownBlock[];
  /** Post in the channel for everyone instead of only to the person who asked. */
  inChannel?: boolean;
}

export const ephemeral = (text: string, blocks?: KnownBlock[]): Reply => ({ text, blocks });

export function errorReply(err: unknown, log: Logger, what: string): Reply {
  if (!(err instanceof UserError)) log.error({ err, what }, 'command failed');
  return ephemeral(`:warning: ${userMessage(err)}`);
}
