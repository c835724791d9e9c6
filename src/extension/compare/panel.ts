/**
 * The Compare Runs panel: two or more runs side by side (core/compare.ts computes the comparison
 * from their events and files). `ready` → the whole comparison, sent again when a compared run
 * changes (a live one, at most once a second) or after "Evaluate on Data…" ran every run's model
 * on one folder through the worker. After a window reload the serializer reopens it from the run folders.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { compareRuns, RUN_FILES, type DataEvaluation, type RunComparison } from '../../core/compare';
import { errorMessage, UserError } from '../../core/errors';
import { COMPARE_PROTOCOL_VERSION, parseCompareMessage, type CompareHostMessage, type CompareMessage } from '../../core/protocol/compare';
import type { EngineService } from '../engine';
import type { Log } from '../log';
import { showError } from '../notify';
import type { RunManager } from '../runs/manager';
import type { Run } from '../runs/run';
import { handshakeOk, webviewHtml, webviewOptions } from '../webviewHtml';
import { runFiles } from './files';

export const COMPARE_VIEW_TYPE = 'transferStudio.compare';

/** What the webview keeps with setState: the serializer reads `runDirs`. */
interface PersistedState {
  runDirs?: string[];
}

interface Deps {
  extensionUri: vscode.Uri;
  engine: EngineService;
  log: Log;
  recordMessages?: boolean;
}

// webviewHtml's list of app names predates this panel (the shell is the same for every app): widening it there is the lead's
const APP = 'compare' as string as Parameters<typeof webviewHtml>[2];

export function compareTitle(runs: Run[]): string {
  return runs.length === 2 ? `Compare: ${runs[0]!.info.name} vs ${runs[1]!.info.name}` : `Compare ${runs.length} runs`;
}

export class ComparePanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private data?: { dir: string; results: DataEvaluation[] };
  private busy: string | null = null;
  private refreshTimer?: NodeJS.Timeout;
  comparison: RunComparison;
  /** Messages posted to and received from the webview: kept only under integration tests (recordMessages). */
  readonly posted: CompareHostMessage[] = [];
  readonly received: CompareMessage[] = [];

  /** `comparison`: computed by the caller before the panel exists, so a damaged run folder fails the command, not a blank panel. */
  constructor(readonly panel: vscode.WebviewPanel, readonly runs: Run[], comparison: RunComparison, private readonly deps: Deps & { onDispose(): void }) {
    panel.webview.options = webviewOptions(deps.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, deps.extensionUri, APP, compareTitle(runs));
    panel.iconPath = { light: vscode.Uri.joinPath(deps.extensionUri, 'media', 'dashboard-light.svg'), dark: vscode.Uri.joinPath(deps.extensionUri, 'media', 'dashboard-dark.svg') };
    this.comparison = comparison;
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.sendState()),
      // a live run's curves grow; the end of a run brings its evaluation and saved model
      ...runs.flatMap((r) => [r.onEvent((e) => this.scheduleRefresh(e.type === 'done' || e.type === 'evaluation' ? 0 : 1000)), r.onStatus(() => this.scheduleRefresh(0))]),
    );
  }

  /** The same set of runs, in any order. */
  static key(runs: Run[]): string {
    return runs.map((r) => r.info.runDir).sort().join('\n');
  }

  private compute(): RunComparison {
    return compareRuns(this.runs.map(runFiles), this.data ? { data: this.data } : {});
  }

  /** The comparison of `runs` now (throws a UserError naming a damaged run file). */
  static compare(runs: Run[]): RunComparison {
    return compareRuns(runs.map(runFiles));
  }

  private post(message: CompareHostMessage): void {
    if (this.deps.recordMessages) this.posted.push(message);
    void this.panel.webview.postMessage(message);
  }

  private sendState(): void {
    if (!this.ready) return;
    this.post({ type: 'state', comparison: this.comparison, trusted: vscode.workspace.isTrusted, busy: this.busy });
  }

  private setBusy(busy: string | null): void {
    this.busy = busy;
    if (this.ready) this.post({ type: 'busy', busy });
  }

  private scheduleRefresh(delayMs: number): void {
    if (this.refreshTimer && delayMs > 0) return;
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refresh();
    }, delayMs);
  }

  /** Recompute and send; a run folder that became unreadable keeps the last comparison (and says so in the log). */
  refresh(): void {
    try {
      this.comparison = this.compute();
    } catch (e) {
      this.deps.log.warn(`compare: kept the last comparison: ${errorMessage(e)}`);
    }
    this.sendState();
  }

  private async onMessage(raw: unknown): Promise<void> {
    const m = parseCompareMessage(raw);
    if (!m) {
      this.deps.log.warn(`compare: ignored an invalid message ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    if (this.deps.recordMessages) this.received.push(m);
    try {
      switch (m.type) {
        case 'ready':
          if (!handshakeOk('compare', m.protocol, COMPARE_PROTOCOL_VERSION, (w) => this.deps.log.warn(w))) break;
          this.ready = true;
          this.refresh();
          break;
        case 'evaluateOnData':
          await this.pickAndEvaluate();
          break;
        case 'clearData':
          this.data = undefined;
          this.refresh();
          break;
        case 'showDashboard': {
          const run = this.runOf(m.runDir);
          if (run) await vscode.commands.executeCommand('transferStudio.showDashboard', run.info.id);
          break;
        }
        case 'openRecipe': {
          const recipe = this.runOf(m.runDir)?.info.recipe;
          if (recipe) await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(recipe));
          break;
        }
        case 'revealModel': {
          const i = this.comparison.runs.findIndex((r) => r.runDir === m.runDir);
          const model = this.comparison.runs[i]?.model;
          if (model) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(model));
          break;
        }
      }
    } catch (e) {
      this.setBusy(null);
      this.deps.log.error(`compare: ${errorMessage(e)}`);
      void showError(errorMessage(e), 'Show Log').then((a) => { if (a) this.deps.log.show(true); });
    }
  }

  /** Only the compared runs' own folders may be acted on. */
  private runOf(runDir: string): Run | undefined {
    return this.runs.find((r) => r.info.runDir === runDir);
  }

  private async pickAndEvaluate(): Promise<void> {
    const near = this.runs[0]?.info.recipe;
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true, canSelectFiles: true, canSelectMany: false, openLabel: 'Evaluate every run on this data', title: 'Data to evaluate every run\'s model on (a folder of class folders, or a CSV)',
      ...(near ? { defaultUri: vscode.Uri.file(path.dirname(near)) } : {}),
    });
    if (picked?.[0]) await this.evaluateOn(picked[0].fsPath);
  }

  /** Every compared run's saved model evaluated on `dir` by the worker, one after the other; then the new state. */
  async evaluateOn(dir: string): Promise<RunComparison> {
    if (!vscode.workspace.isTrusted) throw new UserError('evaluating the runs\' models needs a trusted workspace', { hint: 'Workspaces: Manage Workspace Trust' });
    const runs = this.comparison.runs;
    const results: DataEvaluation[] = [];
    try {
      for (const [i, r] of runs.entries()) {
        if (!r.model) { results.push(null); continue; }
        this.setBusy(`Evaluating ${r.key} (${r.label}) on ${dir}… (${i + 1} of ${runs.length})`);
        try {
          results.push({ report: await this.deps.engine.evaluate(path.join(r.model, RUN_FILES.model), dir) });
        } catch (e) {
          results.push({ error: errorMessage(e) });
        }
      }
    } finally {
      this.busy = null;
    }
    this.data = { dir, results };
    this.refresh();
    return this.comparison;
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    this.disposables.forEach((d) => d.dispose());
    this.deps.onDispose();
  }
}

/** The open comparison panels, one per set of runs, and their restoring after a window reload. */
export class ComparePanels implements vscode.Disposable, vscode.WebviewPanelSerializer<PersistedState> {
  readonly panels = new Map<string, ComparePanel>();
  private readonly registration: vscode.Disposable;

  constructor(private readonly deps: Deps & { manager: RunManager }) {
    this.registration = vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, this);
  }

  show(runs: Run[]): ComparePanel {
    const existing = this.panels.get(ComparePanel.key(runs));
    if (existing) {
      existing.reveal();
      return existing;
    }
    const comparison = ComparePanel.compare(runs);
    const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, compareTitle(runs), { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, webviewOptions(this.deps.extensionUri));
    return this.attach(panel, runs, comparison);
  }

  private attach(panel: vscode.WebviewPanel, runs: Run[], comparison: RunComparison): ComparePanel {
    const key = ComparePanel.key(runs);
    const p = new ComparePanel(panel, runs, comparison, { ...this.deps, onDispose: () => { if (this.panels.get(key) === p) this.panels.delete(key); } });
    this.panels.set(key, p);
    return p;
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PersistedState | undefined): Promise<void> {
    const dirs = Array.isArray(state?.runDirs) ? state.runDirs.filter((d): d is string => typeof d === 'string') : [];
    const runs = dirs.map((d) => this.deps.manager.open(d)).filter((r): r is Run => !!r);
    let comparison: RunComparison | undefined;
    let why = 'The folders of the compared runs are gone.';
    try {
      if (runs.length >= 2) comparison = ComparePanel.compare(runs);
    } catch (e) {
      why = `The runs cannot be compared any more: ${errorMessage(e)}`;
    }
    if (!comparison) {
      panel.webview.html = `<!DOCTYPE html><html><body><p>${why.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}</p></body></html>`;
      return;
    }
    this.attach(panel, runs, comparison);
  }

  dispose(): void {
    this.registration.dispose();
    for (const p of [...this.panels.values()]) p.panel.dispose();
  }
}
