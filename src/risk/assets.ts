// Where the risk module's committed files live (see lib/assets.ts for how paths resolve).
import { assetPath } from '../lib/assets.js';

/** Absolute path of a file under src/risk/ (e.g. `data/spot-advisor-linux.json`). */
export function riskAssetPath(relative: string): string {
  return assetPath(`risk/${relative}`);
}
