/**
 * Starts, stops and tracks training workers. Each run is its own process; a crash becomes an
 * error notification with "Show Log"; closing VS Code stops every worker (no orphans).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { formatDuration } from '../../core/format/table';
import { parseRecipeText } from '../../core/recipe/validate';
import { chosenPython, enginePreference } from '../python';
import { claimRunFolder } from '../../core/runFolder';
import { WorkerClient } from '../../worker/client';
import type { TimedEvent } from '../../core/protocol/dashboard';
import { workerEnv, workerScript } from '../engine';
import type { Log } from '../log';
import { loadRun, Run } from './run';
import { showError } from '../notify';

export class RunManager implements vscode.Disposable {
  private readonly runs = new Map<string, Run>();
  private readonly changed = new vscode.EventEmitter<Run | undefined>();
  readonly onDidChange = this.changed.event;
  private readonly started = new vscode.EventEmitter<Run>();
  readonly onDidStart = this.started.event;

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: Log) {}

  get active(): Run[] {
    return [...this.runs.values()].filter((r) => r.active);
  }

  all(): Run[] {
    return [...this.runs.values()].sort((a, b) => b.info.startedAt.localeCompare(a.info.startedAt));
  }

  get(id: string): Run | undefined {
    return this.runs.get(id);
  }

  /** Past runs from `.transfer-studio/runs` beside the recipes in the workspace. */
  async loadHistory(): Promise<void> {
    const found = await vscode.workspace.findFiles('**/.transfer-studio/runs/*/run.json', '**/node_modules/**', 200);
    for (const uri of found) {
      const dir = path.dirname(uri.fsPath);
      if (this.runs.get(dir)?.active) continue;
      const run = loadRun(dir);
      if (run) {
        this.runs.get(dir)?.dispose();
        this.runs.set(dir, run);
      }
    }
    this.changed.fire(undefined);
  }

  /** Load one run folder (e.g. to restore a dashboard after a window reload). */
  open(runDir: string): Run | undefined {
    const existing = this.runs.get(runDir);
    if (existing) return existing;
    const run = loadRun(runDir);
    if (run) {
      this.runs.set(runDir, run);
      this.changed.fire(run);
    }
    return run;
  }

  /** Start a run of the recipe in a new worker; `resume` continues from a checkpoint of an earlier run of it. */
  async start(recipeUri: vscode.Uri, opts: { resume?: string } = {}): Promise<Run> {
    if (!vscode.workspace.isTrusted) throw new Error('Training needs a trusted workspace (Workspaces: Manage Workspace Trust).');
    const max = vscode.workspace.getConfiguration('transferStudio').get<number>('maxConcurrentRuns', 1);
    if (this.active.length >= max) throw new Error(`${this.active.length} run${this.active.length > 1 ? 's are' : ' is'} already going (transferStudio.maxConcurrentRuns = ${max}). Stop it first or raise the setting.`);
    const doc = await vscode.workspace.openTextDocument(recipeUri);
    if (doc.isDirty) await doc.save();
    const parsed = parseRecipeText(doc.getText());
    if (!parsed.ok) throw new Error(`${path.basename(recipeUri.fsPath)}: ${parsed.problems.map((p) => `${p.path || '(recipe)'}: ${p.message}`).join('; ')}`);
    const recipe = parsed.recipe;
    const config = vscode.workspace.getConfiguration('transferStudio', recipeUri);
    const name = recipe.name ?? path.basename(recipeUri.fsPath).replace(/\.adapt\.json$/i, '');
    const runDir = claimRunFolder(path.dirname(recipeUri.fsPath), name);
    const backend = config.get<string>('backend', 'auto');
    const overrides: Record<string, unknown> = { runDir, ...(opts.resume ? { resume: opts.resume } : {}) };
    if (!recipe.training?.backend && backend !== 'auto') overrides.backend = backend;
    // the engine of the settings unless the recipe names one; the interpreter the user chose in VS Code
    const engine = enginePreference(recipeUri);
    if (!recipe.engine?.name && engine !== 'auto') overrides.engine = engine;
    const python = await chosenPython(recipeUri);
    if (python) overrides.python = python;
    const pattern = config.get<string>('outputFolder', '${modelDir}/../${name}-adapted');
    if (!recipe.output && pattern !== '${modelDir}/../${name}-adapted' && !/^https?:/i.test(recipe.model)) {
      const modelDir = path.dirname(path.resolve(path.dirname(recipeUri.fsPath), recipe.model));
      overrides.output = path.resolve(pattern.replace(/\$\{modelDir\}/g, modelDir).replace(/\$\{recipeDir\}/g, path.dirname(recipeUri.fsPath)).replace(/\$\{name\}/g, name));
    }
    const memory = config.get<number>('workerMemoryMB', 8192);
    const client = new WorkerClient({ script: workerScript(this.context.extensionUri), env: workerEnv(this.context), execArgv: [`--max-old-space-size=${memory}`], cwd: path.dirname(recipeUri.fsPath) });
    const run = new Run({ id: runDir, name, recipe: recipeUri.fsPath, runDir, status: 'running', startedAt: new Date().toISOString() });
    run.client = client;
    this.runs.set(run.info.id, run);
    this.log.info(`run ${name}: starting worker (pid ${client.pid}) for ${recipeUri.fsPath}`);
    client.onEvent((e) => {
      if (e.type === 'ready') return;
      run.push({ ...e, t: Date.now() } as TimedEvent);
      this.logEvent(run, e as TimedEvent);
      if (e.type === 'started') run.setStatus({ output: e.output });
      if (e.type === 'done') this.finish(run, e.stopped ? 'stopped' : 'done', undefined, e.output);
      if (e.type === 'error' && e.id === undefined) this.finish(run, 'failed', errorMessage(Object.assign(new Error(e.error.message), e.error)), undefined, e.error.user ? e.error.file : undefined);
      this.changed.fire(run);
    });
    void client.exited.then(() => { if (run.active) this.finish(run, 'failed', 'the training worker exited unexpectedly'); });
    try {
      await client.ready;
    } catch (e) {
      this.finish(run, 'failed', `could not start the training worker: ${(e as Error).message}`);
      throw e;
    }
    client.send({ type: 'train', recipe: recipeUri.fsPath, overrides });
    void vscode.commands.executeCommand('setContext', 'transferStudio.training', true);
    this.started.fire(run);
    this.changed.fire(run);
    this.showProgress(run);
    return run;
  }

  private logEvent(run: Run, e: TimedEvent): void {
    const tag = `[${run.info.name}]`;
    switch (e.type) {
      case 'log': this.log[e.level === 'warn' ? 'warn' : e.level === 'error' ? 'error' : e.level === 'info' ? 'info' : 'debug'](`${tag} ${e.message}`); break;
      case 'started': this.log.info(`${tag} backend ${e.backend.name} (${e.backend.device})${e.backend.notes.length ? ` — ${e.backend.notes.join('; ')}` : ''}; run folder ${e.runDir}`); break;
      case 'epochEnd': this.log.info(`${tag} ${e.phase} epoch ${e.epoch}/${e.epochs}: ${Object.entries(e.logs).map(([k, v]) => `${k}=${v === null ? '–' : Number(v).toFixed(4)}`).join(' ')}`); break;
      case 'phaseEnd': this.log.info(`${tag} ${e.message}`); break;
      case 'error': this.log.error(`${tag} ${e.error.message}${e.error.hint ? ` (${e.error.hint})` : ''}${e.error.stack ? `\n${e.error.stack}` : ''}`); break;
      case 'done': this.log.info(`${tag} ${e.stopped ? 'stopped' : 'finished'} after ${formatDuration(e.durationMs / 1000)}: ${e.output}`); break;
      default: break;
    }
  }

  private finish(run: Run, status: 'done' | 'stopped' | 'failed', error?: string, output?: string, file?: string): void {
    if (!run.active) return;
    run.setStatus({ status, error, endedAt: new Date().toISOString(), ...(output ? { output } : {}) });
    const client = run.client;
    run.client = undefined;
    void client?.shutdown(2000);
    void vscode.commands.executeCommand('setContext', 'transferStudio.training', this.active.length > 0);
    this.changed.fire(run);
    if (status === 'failed') {
      // a run that got as far as a checkpoint (a crash, a kill) can go on from it
      const actions = [...(run.resumeCheckpoint() ? ['Resume'] : []), 'Show Log', ...(file && fs.existsSync(file) ? ['Open File'] : [])];
      void showError(`Training "${run.info.name}" failed: ${error ?? 'unknown error'}`, ...actions).then((a) => {
        if (a === 'Resume') void vscode.commands.executeCommand('transferStudio.resumeTraining', run.info.id);
        if (a === 'Show Log') this.log.show(true);
        if (a === 'Open File' && file) void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file));
      });
    } else if (status === 'done') {
      const summary = run.summary;
      void vscode.window.showInformationMessage(`Training "${run.info.name}" finished${summary ? `: ${summary}` : ''}.`, 'Show Dashboard', 'Reveal Model').then((a) => {
        if (a === 'Show Dashboard') void vscode.commands.executeCommand('transferStudio.showDashboard', run.info.id);
        if (a === 'Reveal Model' && run.info.output) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(run.info.output));
      });
    }
  }

  private showProgress(run: Run): void {
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Training ${run.info.name}`, cancellable: true }, (progress, token) => new Promise<void>((resolve) => {
      token.onCancellationRequested(() => this.stop(run));
      let last = 0;
      const sub = run.onEvent((e) => {
        if (e.type === 'batchEnd' || e.type === 'epochEnd' || e.type === 'progress') {
          const s = run.snapshot;
          const pct = e.type === 'progress' ? 0 : Math.round(((s.epoch ?? 0) - 1 + (e.type === 'batchEnd' ? e.batch / e.batches : 1)) / Math.max(1, s.epochs ?? 1) * 100);
          const message = e.type === 'progress' ? e.message : `${e.phase === 'baseline' ? 'baseline ' : ''}epoch ${s.epoch}/${s.epochs}${s.loss != null ? ` · loss ${s.loss.toFixed(3)}` : ''} · ETA ${formatDuration(s.etaSec)}`;
          progress.report({ message, increment: Math.max(0, Math.min(100, pct) - last) });
          last = Math.max(last, Math.min(100, pct));
        }
      });
      const done = run.onStatus(() => { if (!run.active) { sub.dispose(); done.dispose(); resolve(); } });
    }));
  }

  /** Graceful stop at the next batch (a checkpoint is kept). */
  stop(run?: Run): boolean {
    const target = run ?? this.active[0];
    if (!target?.client) return false;
    target.client.stop();
    this.log.info(`[${target.info.name}] stop requested`);
    return true;
  }

  dispose(): void {
    for (const run of this.runs.values()) {
      run.client?.kill();
      run.dispose();
    }
    this.changed.dispose();
    this.started.dispose();
  }
}
