import { describe, expect, it } from 'vitest';
import { diversificationCandidates, instanceTypeSpec } from '../../src/spot/instance-types.js';

describe('instance types', () => {
  it('know the size of a type', () => {
    expect(instanceTypeSpec('m5.large')).toMatchObject({
      vcpus: 2,
      memoryMib: 8192,
      spotSupported: true,
      architectures: ['x86_64'],
    });
  });

  it('diversify into equal-or-larger types of the same architecture, the original first', () => {
    const c = diversificationCandidates('m5.large');
    expect(c[0]!.type).toBe('m5.large');
    expect(c.length).toBeGreaterThanOrEqual(10);
    expect(c.length).toBeLessThanOrEqual(15);
    for (const t of c) {
      expect(t.vcpus).toBeGreaterThanOrEqual(2);
      expect(t.memoryMib).toBeGreaterThanOrEqual(8192);
      expect(t.architectures).toContain('x86_64');
      expect(t.gpuCount).toBe(0);
    }
    expect(c.map((t) => t.type)).toEqual(expect.arrayContaining(['m6i.large', 'm7i.large', 'm8a.large']));
    // Spread over generations, none older than the 5th.
    const generations = c.map((t) => Number(/^[a-z]+(\d+)/.exec(t.type)![1]));
    expect(Math.min(...generations)).toBe(5);
    expect(new Set(generations).size).toBeGreaterThanOrEqual(4);
  });

  it('keep Graviton with Graviton', () => {
    for (const t of diversificationCandidates('m6g.large')) expect(t.architectures).toContain('arm64');
  });

  it('know nothing about a made-up type', () => {
    expect(diversificationCandidates('zz9.huge')).toEqual([]);
  });
});
