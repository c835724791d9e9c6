/**
 * A live uPlot chart over an `AlignedSeries`: colours read from VS Code's theme variables (uPlot
 * draws on a canvas and needs concrete colours; they are re-read when the theme changes), width
 * following the panel (ResizeObserver), series appearing in the legend once they have points, phase
 * markers drawn on the plot, and a legend that the keyboard can toggle.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { cssVar } from '../shared/theme';
import type { AlignedSeries } from './series';

export interface SeriesSpec {
  label: string;
  /** A VS Code colour variable, e.g. --vscode-charts-blue. */
  color: string;
  /** Opacity of the line (batch losses are drawn light). */
  alpha?: number;
  width?: number;
  dash?: number[];
  points?: boolean;
  stepped?: boolean;
}

export interface Marker {
  x: number;
  label: string;
  /** Draw the dashed line (the first region's label has none). */
  line: boolean;
}

export interface ChartOptions {
  height: number;
  /** Axis labels and legend values. */
  format(v: number): string;
  /** 'unit': fixed 0…1 (accuracies); 'zero': from 0 up; 'auto': uPlot's. */
  y: 'unit' | 'zero' | 'auto';
  /** The x axis reaches at least this far (the planned epochs), so lines grow instead of the axis rescaling. */
  xMax(): number;
  markers(): Marker[];
}

const probe = document.createElement('canvas').getContext('2d');

/** Any CSS colour → a colour the canvas understands, with `alpha` applied. */
export function canvasColor(color: string, alpha = 1, fallback = '#888888'): string {
  if (!probe) return fallback;
  probe.fillStyle = fallback;
  probe.fillStyle = color;
  const c = String(probe.fillStyle);
  if (alpha >= 1) return c;
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(c);
  if (hex) return `rgba(${parseInt(hex[1]!, 16)}, ${parseInt(hex[2]!, 16)}, ${parseInt(hex[3]!, 16)}, ${alpha})`;
  const rgba = /^rgba?\(([^,]+),([^,]+),([^,)]+)(?:,([^)]+))?\)$/.exec(c.replace(/\s/g, ''));
  if (rgba) return `rgba(${rgba[1]}, ${rgba[2]}, ${rgba[3]}, ${(rgba[4] === undefined ? 1 : Number(rgba[4])) * alpha})`;
  return c;
}

export class LiveChart {
  private plot?: uPlot;
  private shown: number[] = [];
  private drawnVersion = -1;
  /** setData/rebuild count, published on the element (tests check the throttling with it). */
  private draws = 0;
  private width = 0;
  /** Series the user switched off in the legend, kept across rebuilds. */
  private readonly hidden = new Set<string>();
  private readonly resizeObserver: ResizeObserver;

  constructor(readonly host: HTMLElement, private readonly data: AlignedSeries, private readonly specs: SeriesSpec[], private readonly opts: ChartOptions) {
    let frame = 0;
    this.resizeObserver = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => this.resize());
    });
    this.resizeObserver.observe(host);
  }

  private build(width: number): void {
    this.plot?.destroy();
    const fg = cssVar('--vscode-foreground', '#cccccc');
    const muted = canvasColor(cssVar('--vscode-descriptionForeground', '#999999'));
    const grid = canvasColor(cssVar('--vscode-charts-lines', '') || cssVar('--vscode-descriptionForeground', '#888888'), 0.18);
    const font = cssVar('--vscode-font-family', 'sans-serif');
    const axis: uPlot.Axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1, size: 4 }, font: `11px ${font}`, labelFont: `11px ${font}` };
    const markerColor = canvasColor(fg, 0.55);
    const markerText = canvasColor(fg, 0.8);
    const opts = this.opts;
    const stepped = uPlot.paths.stepped?.({ align: 1 });
    const series: uPlot.Series[] = [
      { label: 'epoch', value: (_u, v) => (v === null || v === undefined ? '–' : v.toFixed(2)) },
      ...this.shown.map((i): uPlot.Series => {
        const s = this.specs[i]!;
        const stroke = canvasColor(cssVar(s.color, '#3794ff'), s.alpha ?? 1);
        return {
          label: s.label,
          show: !this.hidden.has(s.label),
          stroke,
          width: s.width ?? 1.5,
          dash: s.dash,
          spanGaps: true,
          paths: s.stepped ? stepped : undefined,
          points: { show: s.points ?? false, size: 5, width: 1, fill: stroke },
          value: (_u, v) => (v === null || v === undefined ? '–' : opts.format(v)),
        };
      }),
    ];
    const range: uPlot.Range.Function | undefined = opts.y === 'unit'
      ? () => [0, 1]
      : opts.y === 'zero'
        ? (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1]
        : undefined;
    this.plot = new uPlot({
      width,
      height: opts.height,
      // room above the grid for the phase labels
      padding: [18, 12, 0, 0],
      legend: { live: true },
      cursor: { drag: { x: true, y: false }, points: { size: 6 } },
      scales: {
        x: { time: false, range: (_u, min, max) => [Math.min(0, min), Math.max(1, max, opts.xMax())] },
        y: this.log ? { distr: 3, log: 10 } : range ? { range } : {},
      },
      axes: [
        { ...axis, size: 24, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], values: (_u, vals) => vals.map((v) => String(Math.round(v))), label: 'epoch', labelSize: 14, labelGap: 0 },
        { ...axis, size: 58, values: (_u, vals) => vals.map((v) => opts.format(v)) },
      ],
      series,
      hooks: {
        draw: [(u) => this.drawMarkers(u, markerColor, markerText, font)],
        setSeries: [() => this.syncLegendState()],
      },
    }, this.aligned(), this.host);
    this.width = width;
    this.makeLegendKeyboardFriendly();
  }

  private drawMarkers(u: uPlot, line: string, text: string, font: string): void {
    const markers = this.opts.markers();
    if (!markers.length) return;
    const ctx = u.ctx;
    const dpr = devicePixelRatio || 1;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.font = `${11 * dpr}px ${font}`;
    ctx.textBaseline = 'bottom';
    // labels right to left; one that would run into the next is left out
    let limit = Infinity;
    for (const m of [...markers].sort((a, b) => b.x - a.x)) {
      const px = u.valToPos(m.x, 'x', true);
      if (!Number.isFinite(px) || px < left - 1 || px > left + width + 1) continue;
      if (m.line) {
        ctx.strokeStyle = line;
        ctx.lineWidth = dpr;
        ctx.setLineDash([4 * dpr, 4 * dpr]);
        ctx.beginPath();
        ctx.moveTo(Math.round(px) + 0.5, top - 16 * dpr);
        ctx.lineTo(Math.round(px) + 0.5, top + height);
        ctx.stroke();
      }
      const x = px + (m.line ? 5 : 0) * dpr;
      const w = ctx.measureText(m.label).width;
      if (x + w + 8 * dpr > limit) continue;
      ctx.fillStyle = text;
      ctx.fillText(m.label, x, top - 4 * dpr);
      limit = m.line ? px : x;
    }
    ctx.restore();
  }

  /** uPlot's legend toggles a series on click; make the entries focusable buttons too. */
  private makeLegendKeyboardFriendly(): void {
    const rows = this.host.querySelectorAll<HTMLElement>('.u-legend .u-series');
    rows.forEach((row, i) => {
      if (i === 0) return;
      const th = row.querySelector('th');
      if (!th) return;
      th.tabIndex = 0;
      th.setAttribute('role', 'button');
      th.title = 'Show or hide this series';
      th.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          th.click();
        }
      });
    });
    this.syncLegendState();
  }

  private syncLegendState(): void {
    this.plot?.series.forEach((s, i) => {
      if (i > 0 && typeof s.label === 'string') {
        if (s.show === false) this.hidden.add(s.label);
        else this.hidden.delete(s.label);
      }
    });
    this.host.querySelectorAll<HTMLElement>('.u-legend .u-series').forEach((row) => {
      row.querySelector('th')?.setAttribute('aria-pressed', String(!row.classList.contains('u-off')));
    });
  }

  private aligned(): uPlot.AlignedData {
    return [this.data.xs, ...this.shown.map((i) => this.data.cols[i]!)] as uPlot.AlignedData;
  }

  /** Series with at least one point, in spec order. */
  private visibleSeries(): number[] {
    return this.specs.map((_s, i) => i).filter((i) => this.data.count(i) > 0);
  }

  private resize(): void {
    const w = Math.floor(this.host.clientWidth);
    if (!this.plot || w <= 0 || w === this.width) return;
    this.width = w;
    this.plot.setSize({ width: w, height: this.opts.height });
  }

  /** Redraw when points arrived since the last call (the caller throttles this). */
  update(force = false): void {
    if (!force && this.data.version === this.drawnVersion && this.plot) return;
    this.drawnVersion = this.data.version;
    const visible = this.visibleSeries();
    this.host.dataset.points = JSON.stringify(Object.fromEntries(this.specs.map((s, i) => [s.label, this.data.count(i)])));
    this.host.classList.toggle('empty', visible.length === 0);
    this.host.dataset.draws = String(++this.draws);
    if (!this.plot || force || visible.join() !== this.shown.join()) {
      this.shown = visible;
      this.build(Math.floor(this.host.clientWidth) || 600);
      return;
    }
    this.plot.setData(this.aligned());
  }

  private log = false;

  /** Switch the y axis between linear and logarithmic (losses spanning decades). */
  setLog(on: boolean): void {
    if (on === this.log) return;
    this.log = on;
    if (this.plot) this.update(true);
  }

  /** Theme changed: rebuild with the new colours. */
  restyle(): void {
    if (this.plot) this.update(true);
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    this.plot?.destroy();
  }
}
