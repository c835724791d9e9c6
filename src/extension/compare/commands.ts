/**
 * Compare Runs: from the Runs view (several selected runs, or its title bar), the command palette
 * (a pick of the past runs) or code (run folders or ids). Opens one comparison panel per set of runs.
 */
import * as vscode from 'vscode';
import { UserError } from '../../core/errors';
import { command, type CommandDeps } from '../commands/register';
import type { Run } from '../runs/run';
import type { RunItem } from '../runs/tree';
import { ComparePanels, type ComparePanel } from './panel';

/** A run from what a caller passes: a Runs view item, a run id / folder, or its Uri. */
function runOf(d: CommandDeps, arg: unknown): Run | undefined {
  if (arg instanceof vscode.Uri) return d.runs.get(arg.fsPath) ?? d.runs.open(arg.fsPath);
  if (typeof arg === 'string') return d.runs.get(arg) ?? d.runs.open(arg);
  const run = (arg as RunItem | undefined)?.run;
  return run && typeof run === 'object' && 'info' in run ? run : undefined;
}

/**
 * The runs to compare from the command's arguments: a view's context menu passes (clicked item,
 * selected items); code passes an array of runs, or `{ runs, data }`.
 */
function runsOf(d: CommandDeps, args: unknown[]): Run[] {
  const [first, second] = args;
  const list = Array.isArray(second) ? second : Array.isArray(first) ? first : first && typeof first === 'object' && Array.isArray((first as { runs?: unknown }).runs) ? (first as { runs: unknown[] }).runs : first !== undefined ? [first] : [];
  const runs = list.map((a) => runOf(d, a)).filter((r): r is Run => !!r);
  return runs.filter((r, i) => runs.findIndex((x) => x.info.runDir === r.info.runDir) === i);
}

async function pickRuns(d: CommandDeps, preselected: Run[]): Promise<Run[] | undefined> {
  await d.runs.loadHistory();
  const all = d.runs.all();
  if (all.length < 2) throw new UserError(`comparing needs two or more runs; this workspace has ${all.length === 1 ? 'one' : 'none'}`, { hint: 'train a recipe twice (with different settings) first' });
  const picked = await vscode.window.showQuickPick(all.map((r) => ({
    label: r.info.name,
    description: `${r.info.status} · ${new Date(r.info.startedAt).toLocaleString()}`,
    detail: vscode.workspace.asRelativePath(r.info.runDir),
    picked: preselected.some((p) => p.info.runDir === r.info.runDir),
    run: r,
  })), { canPickMany: true, placeHolder: 'Pick two or more runs to compare', title: 'Compare Runs' });
  return picked?.map((p) => p.run);
}

/** `selection`: the Runs view's selected items (its title-bar button passes no arguments). */
export function registerCompareCommands(d: CommandDeps, selection: () => readonly unknown[] = () => []): vscode.Disposable[] {
  const panels = new ComparePanels({ extensionUri: d.context.extensionUri, engine: d.engine, log: d.log, manager: d.runs, recordMessages: d.context.extensionMode === vscode.ExtensionMode.Test });
  return [
    panels,
    command(d.log, 'transferStudio.compareRuns', async (...args: unknown[]): Promise<ComparePanel | undefined> => {
      let runs = runsOf(d, args);
      if (args.length === 0) runs = runsOf(d, [undefined, [...selection()]]);
      if (runs.length < 2) runs = (await pickRuns(d, runs)) ?? [];
      if (runs.length === 0) return undefined;
      if (runs.length < 2) throw new UserError('pick two or more runs to compare');
      const panel = panels.show(runs);
      const data = (args[0] as { data?: unknown } | undefined)?.data;
      if (typeof data === 'string') await panel.evaluateOn(data);
      return panel;
    }),
  ];
}
