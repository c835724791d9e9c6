/** The status-bar item during a run: epoch n/N, loss, metric, ETA; click shows the dashboard. */
import * as vscode from 'vscode';
import { formatDuration } from '../../core/format/table';
import type { RunManager } from './manager';

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('transferStudio.run', vscode.StatusBarAlignment.Left, 50);
  private readonly sub: vscode.Disposable;
  private timer?: NodeJS.Timeout;

  constructor(private readonly manager: RunManager) {
    this.item.name = 'Transfer Studio Training';
    this.sub = manager.onDidChange(() => this.schedule());
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => { this.timer = undefined; this.update(); }, 250);
  }

  update(): void {
    const run = this.manager.active[0];
    if (!run) {
      this.item.hide();
      return;
    }
    const s = run.snapshot;
    const metric = s.metric && s.metric.value !== null ? ` · ${s.metric.name.replace('binary_', '')} ${/acc/.test(s.metric.name) ? `${(s.metric.value * 100).toFixed(1)}%` : s.metric.value.toFixed(3)}` : '';
    this.item.text = `$(sync~spin) ${s.engineShort ? `${s.engineShort} · ` : ''}${run.info.name}: ${s.phase === 'baseline' ? 'baseline ' : ''}epoch ${s.epoch ?? 0}/${s.epochs ?? '?'}${s.loss != null ? ` · loss ${s.loss.toFixed(3)}` : ''}${metric} · ETA ${formatDuration(s.etaSec)}`;
    const engine = s.engine ? `\n${s.engine}` : '';
    this.item.tooltip = `Transfer Studio: ${run.info.name} is training${s.imagesPerSec ? ` at ${s.imagesPerSec.toFixed(0)} images/s` : ''}.${engine}\nClick to show the dashboard.`;
    this.item.command = { command: 'transferStudio.showDashboard', title: 'Show Dashboard', arguments: [run.info.id] };
    this.item.show();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.sub.dispose();
    this.item.dispose();
  }
}
