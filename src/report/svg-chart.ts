// Line charts as inline SVG (no scripts, no network): axes with round tick values, one polyline per series, a legend.
import { escapeHtml } from './html.js';

export interface ChartSeries {
  readonly name: string;
  /** A CSS colour. */
  readonly color: string;
  /** [x, y] points; non-finite y values are skipped. */
  readonly points: readonly (readonly [number, number])[];
  /** Draw a dot on every point (for sparse series such as evaluations). */
  readonly dots?: boolean;
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly series: readonly ChartSeries[];
  /** Pixel size (default 640 x 280). */
  readonly width?: number;
  readonly height?: number;
  /** A vertical marker, e.g. at the best checkpoint's step. */
  readonly marker?: { readonly x: number; readonly label: string };
  /** Fix the y range (default: from the data, with a little margin). */
  readonly yRange?: readonly [number, number];
}

/** Round tick values covering [min, max]: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(min: number, max: number, target = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  // Three significant digits, so neighbouring ticks (1e-4, 1.05e-4) stay apart.
  if (a >= 10000 || a < 0.001) return Number(v.toPrecision(3)).toExponential();
  return String(Number(v.toPrecision(4)));
}

/** An SVG line chart; a chart without points says so instead of drawing empty axes. */
export function lineChart(options: ChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 280;
  const pad = { left: 56, right: 16, top: 30, bottom: 58 };
  const all = options.series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const title = `<text x="${width / 2}" y="18" text-anchor="middle" class="chart-title">${escapeHtml(options.title)}</text>`;
  if (all.length === 0) {
    return (
      `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${title}` +
      `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="muted">no data</text></svg>`
    );
  }
  let [xMin, xMax] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [yMin, yMax] = options.yRange ?? [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (xMax === xMin) [xMin, xMax] = [xMin - 1, xMax + 1];
  // One value (a single evaluation): a range around it on its own scale, so a learning rate of 1e-4 is not drawn on -0.5 .. 0.5.
  if (yMax === yMin) {
    const half = yMin === 0 ? 0.5 : Math.abs(yMin) * 0.1;
    [yMin, yMax] = [yMin - half, yMax + half];
  }
  if (!options.yRange) {
    const margin = (yMax - yMin) * 0.05;
    [yMin, yMax] = [yMin - margin, yMax + margin];
  }
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const sx = (x: number): number => pad.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (y: number): number => pad.top + (1 - (y - yMin) / (yMax - yMin)) * plotH;
  const parts: string[] = [title];
  for (const t of niceTicks(yMin, yMax)) {
    if (t < yMin || t > yMax) continue;
    parts.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" class="grid"/>`,
      `<text x="${pad.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" class="tick">${formatTick(t)}</text>`,
    );
  }
  for (const t of niceTicks(xMin, xMax, 6)) {
    if (t < xMin || t > xMax) continue;
    parts.push(`<text x="${sx(t).toFixed(1)}" y="${height - pad.bottom + 16}" text-anchor="middle" class="tick">${formatTick(t)}</text>`);
  }
  parts.push(
    `<rect x="${pad.left}" y="${pad.top}" width="${plotW}" height="${plotH}" class="frame"/>`,
    `<text x="${pad.left + plotW / 2}" y="${height - pad.bottom + 32}" text-anchor="middle" class="axis-label">${escapeHtml(options.xLabel)}</text>`,
  );
  if (options.marker && options.marker.x >= xMin && options.marker.x <= xMax) {
    const x = sx(options.marker.x).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${pad.top}" y2="${pad.top + plotH}" class="marker"/>`,
      // Labels near the right edge go on the line's left so they stay inside the chart.
      Number(x) > pad.left + plotW * 0.85
        ? `<text x="${(Number(x) - 4).toFixed(1)}" y="${pad.top + 12}" text-anchor="end" class="marker-label">${escapeHtml(options.marker.label)}</text>`
        : `<text x="${(Number(x) + 4).toFixed(1)}" y="${pad.top + 12}" class="marker-label">${escapeHtml(options.marker.label)}</text>`,
    );
  }
  let legendX = pad.left;
  options.series.forEach((s) => {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length > 0) {
      const path = pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
      parts.push(`<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
      if (s.dots || pts.length === 1)
        for (const [x, y] of pts) parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${s.color}"/>`);
    }
    // About 6.5 px per character of the 11 px legend font.
    parts.push(
      `<rect x="${legendX}" y="${height - 16}" width="12" height="4" fill="${s.color}"/>`,
      `<text x="${legendX + 18}" y="${height - 11}" class="legend">${escapeHtml(s.name)}</text>`,
    );
    legendX += 18 + Math.ceil(s.name.length * 6.5) + 22;
  });
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(options.title)}">${parts.join('')}</svg>`;
}
