// /spot schedule <recommendation-or-execution id> <when> [priority]: when queued work runs, or
// when a recommendation runs once approved (engine/schedule.ts).
import { isPriorityName, parsePriority } from '../../../engine/priorities.js';
import { parseTarget, scheduleWork } from '../../../engine/schedule.js';
import { parseWhen } from '../../../lib/when.js';
import { ephemeral } from './reply.js';
import { type Subcommand, usageError } from './spot.js';

export const scheduleCommand: Subcommand = async (ctx, args) => {
  const [first, ...rest] = args;
  const target = first ? parseTarget(first) : null;
  if (!target) {
    throw usageError(
      'schedule',
      first
        ? `"${first}" is not an id: use the card's number (\`42\` or \`#42\`) or an execution's (\`e57\`).`
        : 'Say what to schedule and when.',
    );
  }
  const last = rest.at(-1);
  const priority = last && isPriorityName(last) ? parsePriority(last) : null;
  const whenWords = priority === null ? rest : rest.slice(0, -1);
  if (whenWords.length === 0)
    throw usageError('schedule', 'Say when: `now`, `in 2h`, `tomorrow 09:00` or an ISO date-time.');
  const when = parseWhen(whenWords.join(' '), ctx.deps.clock.now());
  if (!when.ok) throw usageError('schedule', when.message);
  const result = await scheduleWork(ctx.deps, ctx.directory, target, when.at, priority, ctx.userId);
  if (result.ok) ctx.kick?.();
  return ephemeral(result.ok ? (result.message ?? 'Scheduled.') : `:warning: ${result.message}`);
};
