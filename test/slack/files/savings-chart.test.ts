// The digest chart is a real PNG of the agreed size with one point per seeded day and series.
import { describe, expect, it } from 'vitest';
import type { SavingsPoint } from '../../../src/engine/savings-series.js';
import {
  CHART_HEIGHT,
  CHART_WIDTH,
  renderSavingsChart,
  savingsChartSpec,
} from '../../../src/slack/files/savings-chart.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the IHDR chunk, which must come first. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const points: SavingsPoint[] = Array.from({ length: 30 }, (_, i) => ({
  day: `2026-11-${String(i + 1).padStart(2, '0')}`,
  estimatedMonthlyUsd: 10 * (i + 1),
  measuredMonthlyUsd: 8 * (i + 1),
  executions: 1,
}));

describe('the savings chart', () => {
  it('renders a valid PNG of the chart size', async () => {
    const png = await renderSavingsChart(points, 'Monthly savings, last 30 days');
    expect(pngSize(png)).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
    expect(png.subarray(-8, -4).toString('latin1')).toBe('IEND');
    expect(png.length).toBeGreaterThan(5000); // lines, points and text, not a blank image
  });

  it('has a data point per day and series', () => {
    const values = savingsChartSpec(points, 't').data.values;
    expect(values).toHaveLength(60);
    expect(new Set(values.map((v) => v.day)).size).toBe(30);
    expect(values.find((v) => v.day === '2026-11-30' && v.series === 'Measured')?.usd).toBe(240);
  });
});
