// Slack directory look-ups for authorisation: is a user a workspace admin, who is in a user
// group. Cached briefly so a burst of clicks costs one API call.
import type { WebClient } from '@slack/web-api';
import type { SlackDirectory } from '../accounts/approvers.js';
import type { Clock } from '../lib/clock.js';

const TTL_MS = 60_000;

export class WebDirectory implements SlackDirectory {
  readonly #cache = new Map<string, { at: number; value: unknown }>();
  constructor(
    private readonly client: WebClient,
    private readonly clock: Clock,
  ) {}

  async #cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.#cache.get(key);
    const now = this.clock.now().getTime();
    if (hit && now - hit.at < TTL_MS) return hit.value as T;
    const value = await load();
    this.#cache.set(key, { at: now, value });
    return value;
  }

  isWorkspaceAdmin(userId: string): Promise<boolean> {
    return this.#cached(`admin:${userId}`, async () => {
      const res = await this.client.users.info({ user: userId });
      return Boolean(res.user?.is_admin || res.user?.is_owner || res.user?.is_primary_owner);
    });
  }

  displayName(userId: string): Promise<string> {
    return this.#cached(`name:${userId}`, async () => {
      const res = await this.client.users.info({ user: userId });
      const p = res.user?.profile;
      return p?.email || res.user?.real_name || res.user?.name || userId;
    });
  }

  groupMembers(groupId: string): Promise<string[]> {
    return this.#cached(`group:${groupId}`, async () => {
      const res = await this.client.usergroups.users.list({ usergroup: groupId });
      return res.users ?? [];
    });
  }
}
