/** Evaluate Model… and Predict with Model… on any saved model, shown as Markdown reports. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { pct, table } from '../../core/format/table';
import type { EvaluationReport, MultiTaskReport } from '../../core/protocol/reports';
import { command, MODEL_FILTERS, requireTrust, type CommandDeps } from '../commands/register';
import { modelLabel } from '../model/open';
import { headsMarkdown, predictionWords, savedMultiTask } from './multitask';

export function registerEvaluationCommands(d: CommandDeps): vscode.Disposable[] {
  const { engine, log } = d;
  const cmd = (id: string, fn: (...args: never[]) => unknown): vscode.Disposable => command(log, id, fn);
  return [
    cmd('transferStudio.evaluateModel', async (modelArg?: vscode.Uri, dataArg?: vscode.Uri) => {
      requireTrust('Evaluation');
      const model = modelArg ?? (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Evaluate this model', filters: MODEL_FILTERS }))?.[0];
      if (!model) return;
      // a multi-task model reads its heads' labels from a CSV's columns: offer files, not folders
      const csv = savedMultiTask(model.fsPath) !== undefined;
      const data = dataArg ?? (await vscode.window.showOpenDialog(csv
        ? { canSelectFiles: true, canSelectFolders: false, openLabel: 'Evaluate on this CSV', filters: { 'CSV with a header row': ['csv', 'tsv'] } }
        : { canSelectFolders: true, canSelectFiles: false, openLabel: 'Evaluate on this data' }))?.[0];
      if (!data) return;
      const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Evaluating…' }, () => engine.evaluate(model.fsPath, data.fsPath));
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: reportMarkdown(model.fsPath, report, data.fsPath) });
      await vscode.window.showTextDocument(doc, { preview: true });
      return report;
    }),
    cmd('transferStudio.predict', async (modelArg?: vscode.Uri, filesArg?: vscode.Uri[]) => {
      requireTrust('Prediction');
      const model = modelArg ?? (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Predict with this model', filters: MODEL_FILTERS }))?.[0];
      if (!model) return;
      const files = filesArg ?? await vscode.window.showOpenDialog({ canSelectMany: true, openLabel: 'Predict', filters: { Images: ['png', 'jpg', 'jpeg', 'webp', 'gif', 'bmp'] } });
      if (!files?.length) return;
      const preds = await engine.predict(model.fsPath, files.map((f) => f.fsPath), 3);
      const lines = preds.map((p) => p.boxes ? `- **${path.basename(p.file)}**: ${p.boxes.map((b) => `${b.label} ${pct(b.score)} at (${b.pixels.x.toFixed(0)}, ${b.pixels.y.toFixed(0)}) ${b.pixels.w.toFixed(0)}×${b.pixels.h.toFixed(0)} px`).join('; ') || 'no boxes'}` : `- **${path.basename(p.file)}**: ${predictionWords(p)}`);
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: `# Predictions — ${modelLabel(model.fsPath)}\n\n${lines.join('\n')}\n` });
      await vscode.window.showTextDocument(doc, { preview: true });
      return preds;
    }),
  ];
}

function reportMarkdown(model: string, r: EvaluationReport & { multiTask?: MultiTaskReport }, data: string): string {
  const lines = [`# Evaluation — ${modelLabel(model)}`, '', `${r.examples} examples from \`${r.split}\``, ''];
  if (r.task === 'regression') lines.push(`MAE **${r.mae?.toFixed(4)}**, RMSE **${r.rmse?.toFixed(4)}**`);
  else if (r.task === 'detection' && r.detection) {
    const d = r.detection;
    lines.push(`mAP@0.5 **${pct(d.mAP50 ?? undefined)}**, mAP@[.5:.95] ${pct(d.mAP ?? undefined)}${d.meanIoU !== undefined ? `, mean IoU ${d.meanIoU?.toFixed(3)}` : ''}`, '');
    lines.push('```', table(['class', 'AP@0.5', 'AP@[.5:.95]', 'boxes'], d.perClass.map((c) => [c.label, pct(c.ap50 ?? undefined), pct(c.ap ?? undefined), String(c.truths)]), ['l', 'r', 'r', 'r']), '```');
  } else {
    lines.push(`Accuracy **${pct(r.accuracy)}**${r.topK ? `, top-${r.topK.k} ${pct(r.topK.accuracy)}` : ''}`, '');
    if (r.perClass) lines.push('```', table(['class', 'precision', 'recall', 'F1', 'support'], r.perClass.map((c) => [c.label, pct(c.precision), pct(c.recall), pct(c.f1), String(c.support)]), ['l', 'r', 'r', 'r', 'r']), '```');
    if (r.confusion) lines.push('', '**Confusion matrix** (rows: true, columns: predicted)', '', '```', table(['', ...r.labels], r.confusion.map((row, i) => [r.labels[i]!, ...row.map(String)])), '```');
  }
  // a multi-task model: what each head scored when it was trained (evaluation.json beside the model)
  // the engine scores every head on the data just picked; an older reply without them falls back to the training run's own evaluation.json
  if (r.multiTask) lines.push('', ...headsMarkdown(r.multiTask, `The report above is the first head's. Every head on \`${path.basename(data)}\`:`));
  else {
    const mt = savedMultiTask(model);
    if (mt) lines.push('', ...headsMarkdown(mt, `The report above is the evaluation of \`${path.basename(data)}\` as the engine returned it. Per head, from this model's training run (evaluation.json beside it, the ${mt.split} split of its own data, not \`${path.basename(data)}\`):`));
  }
  return lines.join('\n') + '\n';
}
