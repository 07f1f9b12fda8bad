import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type AdvisorFeed,
  advisorBand,
  advisorSavings,
  BAND_LABELS,
  bandForRate,
  bandLabel,
  compactAdvisorFeed,
  SpotAdvisor,
  shippedAdvisor,
} from '../../src/risk/advisor.js';

const subset = JSON.parse(
  readFileSync(new URL('../fixtures/risk/spot-advisor-subset.json', import.meta.url), 'utf8'),
) as AdvisorFeed;

describe('Spot Advisor bands', () => {
  it('labels the five bands as AWS does', () => {
    expect(BAND_LABELS).toEqual(['<5%', '5-10%', '10-15%', '15-20%', '>20%']);
    expect(bandLabel(1)).toBe('5-10%');
    expect(bandLabel(4)).toBe('>20%');
    expect(() => bandLabel(5)).toThrow(/no Spot Advisor band 5/);
  });

  it('places monthly interruption rates in bands by the feed upper bounds', () => {
    expect(bandForRate(0)).toBe(0);
    expect(bandForRate(4.9)).toBe(0);
    expect(bandForRate(5)).toBe(1);
    expect(bandForRate(10.9)).toBe(1);
    expect(bandForRate(11)).toBe(2);
    expect(bandForRate(16)).toBe(3);
    expect(bandForRate(21.9)).toBe(3);
    expect(bandForRate(22)).toBe(4);
    expect(bandForRate(100)).toBe(4);
  });

  it('compacts the published feed to one band character and one savings number per type, Linux only', () => {
    const snap = compactAdvisorFeed(subset, 'Linux', 'fixture');
    expect(snap.ranges).toEqual([...BAND_LABELS]);
    expect(snap.types).toEqual(['c5d.9xlarge', 'g5g.4xlarge', 'm5.large', 'm6i.2xlarge', 't3.micro']);
    expect(snap.bands['us-east-1']).toBe('10340');
    // g5g.4xlarge is not listed in eu-west-1
    expect(snap.bands['eu-west-1']).toBe('0.111');
    expect(snap.savings['eu-west-1']).toEqual([55, null, 57, 53, 55]);
    const advisor = new SpotAdvisor(snap);
    expect(advisor.band('us-east-1', 'm5.large')).toBe(3);
    expect(advisor.band('eu-west-1', 'g5g.4xlarge')).toBeUndefined();
    expect(advisor.band('mars-north-1', 'm5.large')).toBeUndefined();
    expect(advisor.savingsPercent('us-east-1', 't3.micro')).toBe(69);
    expect([...advisor.entries()]).toHaveLength(9);
  });

  it('ships a snapshot that agrees with the published feed for every fixture entry', () => {
    for (const [region, byOs] of Object.entries(subset.spot_advisor)) {
      for (const [type, entry] of Object.entries(byOs.Linux ?? {})) {
        expect(advisorBand(region, type), `${region} ${type}`).toBe(entry.r);
        expect(advisorSavings(region, type), `${region} ${type}`).toBe(entry.s);
      }
    }
    expect(advisorBand('us-east-1', 'no.such-type')).toBeUndefined();
  });

  it('ships all 14,962 Linux region/type pairs of the July 2025 feed', () => {
    const advisor = shippedAdvisor();
    expect([...advisor.entries()]).toHaveLength(14_962);
    expect(Object.keys(advisor.snapshot.bands)).toHaveLength(33);
  });
});
