// Files shipped with the product (data tables, the risk model) live beside their code under
// src/. Paths resolve from the package root, so the same code finds them when run from src/
// (tsx, vitest) and from dist/ (tsc output, which copies no data files): both sit one level
// below the root.
import { fileURLToPath } from 'node:url';

/** Absolute path of a shipped file, relative to src/ (e.g. `spot/data/instance-types.json`). */
export function assetPath(relative: string): string {
  return fileURLToPath(new URL(`../../src/${relative}`, import.meta.url));
}
