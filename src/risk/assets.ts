// Where the risk module's committed files live. Paths resolve from the package root so the
// same code finds them when run from src/ (tsx, vitest) and from dist/ (tsc output): both
// src/risk/ and dist/risk/ sit two levels below it, and tsc copies no .onnx or data files.
import { fileURLToPath } from 'node:url';

/** Absolute path of a file under src/risk/ (e.g. `data/spot-advisor-linux.json`). */
export function riskAssetPath(relative: string): string {
  return fileURLToPath(new URL(`../../src/risk/${relative}`, import.meta.url));
}
