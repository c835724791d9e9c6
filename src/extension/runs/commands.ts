/** The Runs view's commands and the designer's entry point: open the designer, start / stop training, dashboards, the saved model. */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { command, requireTrust, type CommandDeps } from '../commands/register';
import { DESIGNER_VIEW_TYPE } from '../designer/editor';
import type { ModelActions } from '../model/actions';
import { environmentText } from '../../core/format/environment';
import { chosenPython, enginePreference } from '../python';
import type { RunItem } from './tree';

export function registerRunCommands(d: CommandDeps, a: ModelActions): vscode.Disposable[] {
  const { session, runs, dashboards, log } = d;
  const { ensureRecipe, pickRecipe } = a;
  const cmd = (id: string, fn: (...args: never[]) => unknown): vscode.Disposable => command(log, id, fn);
  return [
    cmd('transferStudio.openDesigner', async (uri?: vscode.Uri) => {
      const target = uri && /\.adapt\.json$/i.test(uri.fsPath) ? uri : session.recipe?.uri ?? (session.model ? await ensureRecipe() : await pickRecipe());
      if (target) await vscode.commands.executeCommand('vscode.openWith', target, DESIGNER_VIEW_TYPE);
    }),
    cmd('transferStudio.startTraining', async (arg?: unknown) => {
      requireTrust('Training');
      const uri = await pickRecipe(arg);
      if (!uri) return;
      const run = await runs.start(uri);
      if (vscode.workspace.getConfiguration('transferStudio').get<boolean>('openDashboardOnStart', true)) dashboards.show(run);
      return run.info.id;
    }),
    cmd('transferStudio.resumeTraining', async (arg?: unknown) => {
      requireTrust('Training');
      const id = typeof arg === 'string' ? arg : (arg as RunItem | undefined)?.run?.info.id;
      const run = id ? runs.get(id) ?? runs.open(id) : runs.all().find((r) => r.resumeCheckpoint());
      if (!run) throw new Error('No stopped or failed run to resume.');
      const checkpoint = run.resumeCheckpoint();
      if (!checkpoint) throw new Error(`Run "${run.info.name}" has no checkpoint on disk to resume from (${run.info.status === 'running' ? 'it is still running' : 'none was written before it ended'}).`);
      if (!run.info.recipe || !fs.existsSync(run.info.recipe)) throw new Error(`Run "${run.info.name}": its recipe ${run.info.recipe || '(unknown)'} is gone; resume from a terminal with transfer-studio train RECIPE --resume ${checkpoint}`);
      const next = await runs.start(vscode.Uri.file(run.info.recipe), { resume: checkpoint });
      if (vscode.workspace.getConfiguration('transferStudio').get<boolean>('openDashboardOnStart', true)) dashboards.show(next);
      return next.info.id;
    }),
    cmd('transferStudio.stopTraining', (arg?: unknown) => {
      const id = typeof arg === 'string' ? arg : (arg as RunItem | undefined)?.run?.info.id;
      const run = id ? runs.get(id) : undefined;
      if (!runs.stop(run)) void vscode.window.showInformationMessage('No training run is going.');
    }),
    cmd('transferStudio.showDashboard', async (arg?: unknown) => {
      const id = typeof arg === 'string' ? arg : (arg as RunItem | undefined)?.run?.info.id;
      let run = id ? runs.get(id) ?? runs.open(id) : runs.active[0];
      if (!run) {
        await runs.loadHistory();
        const all = runs.all();
        if (!all.length) throw new Error('No training runs yet.');
        const pick = await vscode.window.showQuickPick(all.map((r) => ({ label: r.info.name, description: `${r.info.status} · ${new Date(r.info.startedAt).toLocaleString()}`, run: r })), { placeHolder: 'Which run?' });
        run = pick?.run;
      }
      if (run) dashboards.show(run, false);
    }),
    cmd('transferStudio.revealOutput', async (arg?: unknown) => {
      const id = typeof arg === 'string' ? arg : (arg as RunItem | undefined)?.run?.info.id;
      const run = id ? runs.get(id) : runs.all().find((r) => r.info.status === 'done');
      const out = run?.info.output;
      if (!out || !fs.existsSync(out)) throw new Error('This run has no saved model.');
      const uri = vscode.Uri.file(out);
      if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
      else await vscode.commands.executeCommand('revealFileInOS', uri);
    }),
    cmd('transferStudio.refreshRuns', () => runs.loadHistory()),
    cmd('transferStudio.showLog', () => log.show(true)),
    cmd('transferStudio.environmentCheck', async () => {
      const python = await chosenPython();
      const env = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Transfer Studio: checking the engines…' }, () => d.engine.request({ type: 'environment', engine: enginePreference(), ...(python ? { python } : {}) }));
      log.info(`Environment check:\n${environmentText(env.choice, env.tfjs)}`);
      log.show(true);
      void vscode.window.showInformationMessage(`Transfer Studio: ${env.choice.engine === 'pytorch' ? 'PyTorch' : 'TF.js'} — ${env.choice.summary}`, 'Show Log').then((a) => { if (a) log.show(true); });
      return env;
    }),
  ];
}
