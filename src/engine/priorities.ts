// Queue priorities a person can name. Executions store an integer (lower runs first, so the
// existing values stay meaningful: 100 is the default, "Terminate now" uses 50); the names are
// bands over it: critical > high > medium > low.
export const PRIORITIES = { critical: 10, high: 50, medium: 100, low: 200 } as const;

export type PriorityName = keyof typeof PRIORITIES;

export const PRIORITY_NAMES = Object.keys(PRIORITIES) as PriorityName[];

export const DEFAULT_PRIORITY = PRIORITIES.medium;

export function isPriorityName(word: string): word is PriorityName {
  return Object.hasOwn(PRIORITIES, word.toLowerCase());
}

export function parsePriority(word: string): number | null {
  const w = word.toLowerCase();
  return isPriorityName(w) ? PRIORITIES[w] : null;
}

/** The band an execution's stored priority falls in. */
export function priorityName(priority: number): PriorityName {
  if (priority <= PRIORITIES.critical) return 'critical';
  if (priority <= PRIORITIES.high) return 'high';
  if (priority <= PRIORITIES.medium) return 'medium';
  return 'low';
}
