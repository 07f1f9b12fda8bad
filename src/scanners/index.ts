// The scanner registry: kind -> scanner.
import type { Scanner } from './types.js';

export const scanners = {} as const satisfies Record<string, Scanner>;

export type ScannerKind = keyof typeof scanners;

export function scannerPermissions(): string[] {
  return [
    ...new Set(Object.values(scanners as Record<string, Scanner>).flatMap((s) => s.permissions)),
  ].sort();
}
