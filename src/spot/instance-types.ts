// Instance type specs (shipped table, see data/SOURCES.md) and the diversification rule:
// candidate Spot types of equal or larger size, same architecture, no GPUs unless the original
// has them, the same class (m, c, r...) first. (The table's current-generation flag is not
// reliable, e.g. m6i is marked previous-generation, so it is not used.)
import { readFileSync } from 'node:fs';
import { assetPath } from '../lib/assets.js';

export interface InstanceTypeSpec {
  type: string;
  vcpus: number;
  memoryMib: number;
  architectures: string[];
  spotSupported: boolean;
  currentGeneration: boolean;
  burstable: boolean;
  gpuCount: number;
  bareMetal: boolean;
}

type Row = [number, number, string, number, number, number, number, number];

let table: Map<string, InstanceTypeSpec> | undefined;

function load(): Map<string, InstanceTypeSpec> {
  if (table) return table;
  const raw = JSON.parse(readFileSync(assetPath('spot/data/instance-types.json'), 'utf8')) as {
    types: Record<string, Row>;
  };
  table = new Map(
    Object.entries(raw.types).map(([type, r]) => [
      type,
      {
        type,
        vcpus: r[0],
        memoryMib: r[1],
        architectures: r[2].split('|'),
        spotSupported: r[3] === 1,
        currentGeneration: r[4] === 1,
        burstable: r[5] === 1,
        gpuCount: r[6],
        bareMetal: r[7] === 1,
      },
    ]),
  );
  return table;
}

export function instanceTypeSpec(type: string): InstanceTypeSpec | undefined {
  return load().get(type);
}

/**
 * Types that can replace `type` on Spot: at least as many vCPUs and as much memory (at most
 * twice, so the bill stays comparable), a shared architecture, GPUs only if the original has
 * them, no bare metal or burstable unless the original is. Ordered by size closeness.
 */
export function diversificationCandidates(type: string, max = 15): InstanceTypeSpec[] {
  const base = instanceTypeSpec(type);
  if (!base) return [];
  const arch = new Set(base.architectures);
  const fits = (c: InstanceTypeSpec) =>
    c.spotSupported &&
    c.vcpus >= base.vcpus &&
    c.vcpus <= base.vcpus * 2 &&
    c.memoryMib >= base.memoryMib &&
    c.memoryMib <= base.memoryMib * 2 &&
    c.architectures.some((a) => arch.has(a)) &&
    c.gpuCount > 0 === base.gpuCount > 0 &&
    (!c.bareMetal || base.bareMetal) &&
    (!c.burstable || base.burstable) &&
    // Accelerated families (g, p, inf, trn, dl, f, vt) are not general-purpose substitutes.
    /^(g|p|inf|trn|dl|f|vt)\d/.test(c.type) === /^(g|p|inf|trn|dl|f|vt)\d/.test(type);
  const generation = (t: string) => Number(/^[a-z]+(\d+)/.exec(t)?.[1] ?? 0);
  // Same class (m, c, r, ...) first: the workload was sized for its ratio of memory to CPU.
  const klass = (t: string) => /^[a-z]+/.exec(t)?.[0]?.[0] ?? '';
  const rank = (c: InstanceTypeSpec) =>
    (klass(c.type) === klass(type) ? 0 : 10) + c.vcpus / base.vcpus + c.memoryMib / base.memoryMib;
  // Generations before 5 are previous-generation hardware with shallow Spot pools.
  const minGeneration = Math.min(5, generation(type));
  const candidates = [...load().values()].filter(
    (c) => c.type !== type && fits(c) && generation(c.type) >= minGeneration,
  );
  // Closest size first; among equals, newer generations (better price-performance, deeper pools).
  candidates.sort(
    (a, b) => rank(a) - rank(b) || generation(b.type) - generation(a.type) || a.type.localeCompare(b.type),
  );
  // At most three per generation, so the list spans generations (different pools, different demand).
  const perGeneration = new Map<number, number>();
  const spread = candidates.filter((c) => {
    const g = generation(c.type);
    const n = perGeneration.get(g) ?? 0;
    perGeneration.set(g, n + 1);
    return n < 3;
  });
  return [...(base.spotSupported ? [base] : []), ...spread].slice(0, max);
}
