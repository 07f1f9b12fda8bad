// Messages the core queues by name (it holds no Block Kit): the relay renders them at delivery
// from the stored input. Dates arrive as ISO strings and are revived here.
import type { KnownBlock } from '@slack/types';
import { type EmergencyCardInput, emergencyCard } from './blocks/emergency-card.js';
import { type PoolAlertInput, poolAlertCard } from './blocks/pool-alert-card.js';

export const TEMPLATES = {
  pool_alert: (input: unknown) => {
    const i = input as PoolAlertInput;
    return poolAlertCard({ ...i, poisonedUntil: new Date(i.poisonedUntil), now: new Date(i.now) });
  },
  emergency_report: (input: unknown) => emergencyCard(input as EmergencyCardInput),
} as const satisfies Record<string, (input: unknown) => { text: string; blocks: KnownBlock[] }>;

export function renderTemplate(name: string, input: unknown): { text: string; blocks: KnownBlock[] } | null {
  return Object.hasOwn(TEMPLATES, name) ? TEMPLATES[name as keyof typeof TEMPLATES](input) : null;
}
