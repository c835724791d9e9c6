/**
 * The training dashboard: a webview panel per run, beside the editor. `ready` → the whole event
 * log → batched deltas. After a window reload the serializer reopens it from the run's folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import type { EngineService } from '../engine';
import type { Log } from '../log';
import type { RunManager } from '../runs/manager';
import type { Run } from '../runs/run';
import { handshakeOk, webviewHtml, webviewOptions } from '../webviewHtml';
import { DASHBOARD_PROTOCOL_VERSION, parseDashboardMessage, type DashboardHostMessage, type DashboardMessage, type TimedEvent } from '../../core/protocol/dashboard';
import { showError } from '../notify';

export const DASHBOARD_VIEW_TYPE = 'transferStudio.dashboard';

interface PersistedState {
  runDir: string;
}

export class DashboardPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private queue: TimedEvent[] = [];
  private flushTimer?: NodeJS.Timeout;
  private ready = false;
  /** Messages posted to and received from the webview: kept only under integration tests (recordMessages). */
  readonly posted: DashboardHostMessage[] = [];
  readonly received: DashboardMessage[] = [];

  constructor(readonly panel: vscode.WebviewPanel, readonly run: Run, private readonly deps: { extensionUri: vscode.Uri; engine: EngineService; manager: RunManager; log: Log; recordMessages?: boolean; onDispose(): void }) {
    panel.webview.options = webviewOptions(deps.extensionUri, this.roots());
    panel.webview.html = webviewHtml(panel.webview, deps.extensionUri, 'dashboard', `Training: ${run.info.name}`);
    panel.iconPath = { light: vscode.Uri.joinPath(deps.extensionUri, 'media', 'dashboard-light.svg'), dark: vscode.Uri.joinPath(deps.extensionUri, 'media', 'dashboard-dark.svg') };
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
      run.onEvent((e) => this.enqueue(e)),
      run.onStatus((info) => this.post({ type: 'status', run: info })),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.sendState()),
    );
  }

  /** The run's own folders only: its output model and run folder (thumbnails come as data: URIs). */
  private roots(): vscode.Uri[] {
    return [this.run.info.runDir, this.run.info.output].filter((p): p is string => !!p).map((p) => vscode.Uri.file(p));
  }

  private post(message: DashboardHostMessage): void {
    if (this.deps.recordMessages) this.posted.push(message);
    void this.panel.webview.postMessage(message);
  }

  private sendState(): void {
    this.post({ type: 'state', run: this.run.info, events: this.run.events.slice(), trusted: vscode.workspace.isTrusted });
  }

  private enqueue(e: TimedEvent): void {
    if (!this.ready) return; // the full log goes out with `state`
    this.queue.push(e);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      const events = this.queue;
      this.queue = [];
      this.post({ type: 'events', events });
    }, 150);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const m = parseDashboardMessage(raw);
    if (!m) {
      this.deps.log.warn(`dashboard: ignored an invalid message ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    if (this.deps.recordMessages) this.received.push(m);
    try {
      switch (m.type) {
        case 'ready':
          if (!handshakeOk('dashboard', m.protocol, DASHBOARD_PROTOCOL_VERSION, (w) => this.deps.log.warn(w))) break;
          this.ready = true;
          this.sendState();
          break;
        case 'stop':
          this.deps.manager.stop(this.run);
          break;
        case 'resume':
          await vscode.commands.executeCommand('transferStudio.resumeTraining', this.run.info.id);
          break;
        case 'revealModel':
          if (this.run.info.output) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(this.run.info.output));
          break;
        case 'openRecipe':
          if (this.run.info.recipe) await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(this.run.info.recipe));
          break;
        case 'openFile':
          // only files the run's own events mention may be opened
          if (this.knownFiles().has(m.file)) await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(m.file), vscode.ViewColumn.Active);
          break;
        case 'requestThumbnails': {
          const known = this.knownFiles();
          const files = m.files.filter((f) => known.has(f));
          // detection samples are looked at closely (their boxes): larger thumbnails
          const detection = this.run.events.some((e) => e.type === 'evaluation' && e.report.detection?.samples.some((s) => files.includes(s.file)));
          if (files.length) this.post({ type: 'thumbnails', images: await this.deps.engine.thumbnails(files, detection ? 256 : 96) });
          break;
        }
        case 'pickImage':
          await this.tryImage();
          break;
      }
    } catch (e) {
      this.deps.log.error(`dashboard: ${errorMessage(e)}`);
      void showError(errorMessage(e));
    }
  }

  private knownFiles(): Set<string> {
    const files = new Set<string>();
    for (const e of this.run.events) {
      // a multi-task evaluation lists each head's mistakes (and its trained-alone model's)
      if (e.type === 'evaluation') [e.report, e.baseline, ...(e.multiTask?.heads.flatMap((hd) => [hd.report, hd.single]) ?? [])].forEach((r) => { r?.worst?.forEach((w) => files.add(w.file)); r?.detection?.samples.forEach((s) => files.add(s.file)); });
      if (e.type === 'dataset') Object.values(e.report.examples).forEach((l) => l.forEach((f) => files.add(f)));
    }
    return files;
  }

  private async tryImage(): Promise<void> {
    if (!vscode.workspace.isTrusted) throw new Error('Predictions need a trusted workspace.');
    const output = this.run.info.output;
    // a TF.js model.json, or the .pt a torchvision model is saved as (predicted in Python)
    const saved = output && ['model.json', 'model.pt'].map((f) => path.join(output, f)).find((f) => fs.existsSync(f));
    if (!saved) throw new Error('This run has no saved model yet.');
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Predict', filters: { Images: ['png', 'jpg', 'jpeg', 'webp', 'gif', 'bmp'] } });
    if (!picked?.[0]) return;
    const file = picked[0].fsPath;
    try {
      const [result] = await this.deps.engine.predict(saved.endsWith('model.pt') ? path.dirname(saved) : saved, [file], 5);
      // a detector's boxes are drawn over the image: a larger one
      const thumbs = await this.deps.engine.thumbnails([file], result?.boxes ? 320 : 160);
      this.post({ type: 'prediction', file, thumbnail: thumbs[file], result });
    } catch (e) {
      this.post({ type: 'prediction', file, error: errorMessage(e) });
    }
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  dispose(): void {
    clearTimeout(this.flushTimer);
    this.disposables.forEach((d) => d.dispose());
    this.deps.onDispose();
  }
}

export class Dashboards implements vscode.Disposable, vscode.WebviewPanelSerializer<PersistedState> {
  readonly panels = new Map<string, DashboardPanel>();
  private readonly registration: vscode.Disposable;

  constructor(private readonly deps: { extensionUri: vscode.Uri; engine: EngineService; manager: RunManager; log: Log; recordMessages?: boolean }) {
    this.registration = vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, this);
  }

  show(run: Run, preserveFocus = true): DashboardPanel {
    const existing = this.panels.get(run.info.id);
    if (existing) {
      existing.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, `Training: ${run.info.name}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, webviewOptions(this.deps.extensionUri));
    return this.attach(panel, run);
  }

  private attach(panel: vscode.WebviewPanel, run: Run): DashboardPanel {
    const d = new DashboardPanel(panel, run, { ...this.deps, onDispose: () => this.panels.delete(run.info.id) });
    this.panels.set(run.info.id, d);
    return d;
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PersistedState | undefined): Promise<void> {
    const runDir = state?.runDir;
    const run = runDir ? this.deps.manager.open(runDir) : undefined;
    if (!run) {
      panel.webview.html = `<!DOCTYPE html><html><body><p>This training run's folder is gone${runDir ? `: ${runDir.replace(/[<>&]/g, '')}` : ''}.</p></body></html>`;
      return;
    }
    this.attach(panel, run);
  }

  dispose(): void {
    this.registration.dispose();
    for (const p of this.panels.values()) p.panel.dispose();
  }
}
