// Shadow IT vocabulary shared by the engine and the cards.
import type { Account } from '../db/schema.js';

export const SHADOW_KIND = 'unauthorized-instances';

/** The account's policy when the grace period ends; careful default: act in LAB, only notify in PROD. */
export function shadowPolicy(
  account: Pick<Account, 'shadowItAction' | 'environment'>,
): 'terminate' | 'stop' | 'notify' {
  return account.shadowItAction ?? (account.environment === 'LAB' ? 'terminate' : 'notify');
}
