// The digest's savings-over-time chart as a PNG, rendered on the server with no browser and no
// network: Vega-Lite (spec) -> Vega (View.toSVG, headless) -> resvg (SVG -> PNG). The three
// libraries are loaded on first use, so a process that never sends a digest never loads them.
import type { SavingsPoint } from '../../engine/savings-series.js';

export const CHART_WIDTH = 640;
export const CHART_HEIGHT = 260;

type Libraries = {
  vl: typeof import('vega-lite');
  vega: typeof import('vega');
  Resvg: typeof import('@resvg/resvg-js').Resvg;
};
let libraries: Promise<Libraries> | undefined;

function load(): Promise<Libraries> {
  libraries ??= Promise.all([import('vega-lite'), import('vega'), import('@resvg/resvg-js')]).then(
    ([vl, vega, resvg]) => ({ vl, vega, Resvg: resvg.Resvg }),
  );
  return libraries;
}

/** The Vega-Lite spec: two lines (estimated, measured) of monthly savings per day. */
export function savingsChartSpec(points: readonly SavingsPoint[], title: string) {
  const values = points.flatMap((p) => [
    { day: p.day, series: 'Estimated at approval', usd: p.estimatedMonthlyUsd },
    { day: p.day, series: 'Measured', usd: p.measuredMonthlyUsd },
  ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start' as const, fontSize: 14 },
    // The whole image (axes, legend and title included) is exactly this size.
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    autosize: { type: 'fit' as const, contains: 'padding' as const },
    padding: 12,
    background: 'white',
    config: { font: 'DejaVu Sans, Arial, Helvetica, sans-serif', view: { stroke: null } },
    data: { values },
    mark: { type: 'line' as const, point: true, interpolate: 'monotone' as const },
    encoding: {
      x: { field: 'day', type: 'temporal' as const, title: null, axis: { format: '%b %d', labelAngle: 0 } },
      y: { field: 'usd', type: 'quantitative' as const, title: 'USD per month' },
      color: {
        field: 'series',
        type: 'nominal' as const,
        title: null,
        scale: { range: ['#8c8c8c', '#2eb67d'] },
        legend: { orient: 'top' as const, labelLimit: 300 },
      },
    },
  };
}

/** Renders the chart; the PNG is exactly CHART_WIDTH x CHART_HEIGHT pixels. */
export async function renderSavingsChart(points: readonly SavingsPoint[], title: string): Promise<Buffer> {
  const { vl, vega, Resvg } = await load();
  const spec = vl.compile(savingsChartSpec(points, title) as never).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const png = new Resvg(svg, {
      fitTo: { mode: 'width', value: CHART_WIDTH },
      background: 'white',
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    })
      .render()
      .asPng();
    return Buffer.from(png);
  } finally {
    view.finalize();
  }
}
