/** The Runs view: current and past runs with status, best metric and duration. */
import * as vscode from 'vscode';
import { formatDuration } from '../../core/format/table';
import type { RunManager } from './manager';
import type { Run } from './run';

const ICONS: Record<string, [string, string | undefined]> = {
  running: ['sync~spin', 'charts.blue'],
  done: ['pass', 'testing.iconPassed'],
  stopped: ['debug-pause', 'charts.yellow'],
  failed: ['error', 'testing.iconFailed'],
};

export class RunItem extends vscode.TreeItem {
  constructor(readonly run: Run) {
    super(run.info.name, vscode.TreeItemCollapsibleState.None);
    const i = run.info;
    const [icon, color] = ICONS[i.status] ?? ['circle-outline', undefined];
    this.id = `run:${i.id}`;
    this.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    const s = run.snapshot;
    const best = run.summary;
    const duration = i.endedAt ? formatDuration((Date.parse(i.endedAt) - Date.parse(i.startedAt)) / 1000) : i.status === 'running' ? `epoch ${s.epoch ?? 0}/${s.epochs ?? '?'}` : '';
    this.description = [i.status, best, duration].filter(Boolean).join(' · ');
    this.tooltip = new vscode.MarkdownString(`**${i.name}** — ${i.status}\n\nstarted ${new Date(i.startedAt).toLocaleString()}${i.endedAt ? `, took ${duration}` : ''}\n\n${best ? `${s.heads?.length ? 'heads' : 'best'}: ${best}\n\n` : ''}${i.output ? `output: \`${i.output}\`\n\n` : ''}${i.error ? `error: ${i.error}` : ''}`);
    this.contextValue = `run-${i.status}`;
    this.command = { command: 'transferStudio.showDashboard', title: 'Show Dashboard', arguments: [i.id] };
  }
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly sub: vscode.Disposable;
  private pending?: NodeJS.Timeout;

  constructor(private readonly manager: RunManager) {
    // batch refreshes: a run emits many events per second
    this.sub = manager.onDidChange(() => {
      if (this.pending) return;
      this.pending = setTimeout(() => { this.pending = undefined; this.changed.fire(); }, 500);
    });
  }

  getTreeItem(item: RunItem): RunItem {
    return item;
  }

  getChildren(): RunItem[] {
    return this.manager.all().map((r) => new RunItem(r));
  }

  dispose(): void {
    clearTimeout(this.pending);
    this.sub.dispose();
    this.changed.dispose();
  }
}
