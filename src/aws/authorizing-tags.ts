// Tags that mark an instance as managed (Shadow IT: authorised). `Key=Value` must match exactly,
// `Key` matches any value, `prefix/*` matches any key with that prefix. Same syntax as the
// SHADOW_AUTHORIZING_TAGS setting (config.authorizingTags parses it into this shape).
import { z } from 'zod';

export const authorizingTagSchema = z.object({ key: z.string().min(1), value: z.string().optional() });
export type AuthorizingTag = z.infer<typeof authorizingTagSchema>;

/** The default set, identical to the SHADOW_AUTHORIZING_TAGS default in config.ts. */
export const DEFAULT_AUTHORIZING_TAGS: readonly AuthorizingTag[] = [
  { key: 'ManagedBy', value: 'SpotOptimizer' },
  { key: 'aws:autoscaling:groupName' },
  { key: 'eks:cluster-name' },
  { key: 'kubernetes.io/cluster/*' },
];

/** The first tag that authorises the resource, as `Key=Value`, or undefined. */
export function findAuthorizingTag(
  tags: Record<string, string>,
  rules: readonly AuthorizingTag[] = DEFAULT_AUTHORIZING_TAGS,
): string | undefined {
  for (const rule of rules) {
    for (const [key, value] of Object.entries(tags)) {
      const keyMatches = rule.key.endsWith('*') ? key.startsWith(rule.key.slice(0, -1)) : key === rule.key;
      if (keyMatches && (rule.value === undefined || rule.value === value)) return `${key}=${value}`;
    }
  }
  return undefined;
}
