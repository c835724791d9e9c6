/** Live uPlot charts that follow the VS Code theme and the panel's width. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { cssVar, onThemeChange } from '../shared/theme';
import { align, type Point } from './series';

export interface SeriesSpec {
  label: string;
  color: string;
  width?: number;
  dash?: number[];
  points?: boolean;
  data: () => Point[];
}

export class LiveChart {
  private plot?: uPlot;
  private dirty = true;

  constructor(private readonly host: HTMLElement, private readonly title: string, private readonly specs: SeriesSpec[], private readonly opts: { percent?: boolean; log?: boolean; height?: number } = {}) {
    new ResizeObserver(() => this.resize()).observe(host);
    onThemeChange(() => this.rebuild());
  }

  private options(width: number): uPlot.Options {
    const fg = cssVar('--vscode-descriptionForeground', '#999');
    const grid = cssVar('--vscode-panel-border', 'rgba(128,128,128,.25)');
    const axis: uPlot.Axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: `11px ${cssVar('--vscode-font-family', 'sans-serif')}` };
    return {
      title: this.title,
      width: Math.max(240, width),
      height: this.opts.height ?? 220,
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false }, y: this.opts.log ? { distr: 3 } : {} },
      axes: [
        { ...axis, label: 'epoch', labelSize: 18 },
        { ...axis, size: 54, values: this.opts.percent ? (_u, vals) => vals.map((v) => `${Math.round(v * 100)}%`) : undefined },
      ],
      series: [
        { label: 'epoch', value: (_u, v) => (v === null || v === undefined ? '–' : v.toFixed(2)) },
        ...this.specs.map((s) => ({
          label: s.label,
          stroke: cssVar(s.color, '#3794ff'),
          width: s.width ?? 1.5,
          dash: s.dash,
          spanGaps: true,
          points: { show: s.points ?? false, size: 5 },
          value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '–' : this.opts.percent ? `${(v * 100).toFixed(1)}%` : v.toPrecision(4)),
        })),
      ],
    };
  }

  private rebuild(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.dirty = true;
    this.update();
  }

  private resize(): void {
    if (this.plot) this.plot.setSize({ width: Math.max(240, this.host.clientWidth), height: this.opts.height ?? 220 });
  }

  markDirty(): void {
    this.dirty = true;
  }

  /** Redraw if new points arrived (called on a timer, not per event). */
  update(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const data = align(this.specs.map((s) => s.data())) as uPlot.AlignedData;
    if (!this.plot) {
      this.plot = new uPlot(this.options(this.host.clientWidth || 600), data, this.host);
      return;
    }
    this.plot.setData(data);
  }

  pointCount(series: number): number {
    return this.specs[series]!.data().length;
  }
}
