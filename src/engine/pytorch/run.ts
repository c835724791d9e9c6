/**
 * A run on the PyTorch engine, as the Node worker drives it: the plan (plan.ts), the Python
 * worker (process.ts) whose validated events go straight to the run's event stream, the
 * evaluation computed here from the worker's raw outputs with core's metrics (the same report a
 * TF.js run makes), and the staged exports (TF.js layers model, .pt, ONNX) published into the
 * output folder in one step, with the same metadata.json a TF.js run writes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fromErrorInfo } from '../../core/errors';
import { evaluationReport, headline, meanLoss, type Scored } from '../../core/metrics';
import type { EngineChoice, EvaluationReport } from '../../core/protocol/reports';
import type { TrainOverrides, WorkerEvent, WorkerEventOf } from '../../core/protocol/worker';
import type { ResolvedRecipe } from '../../core/recipe/resolve';
import { metadataJson, publishFolder, writeFileAtomic } from '../tfjs/io/save';
import type { RunContext, RunResult } from '../tfjs/train/run';
import { buildPlan } from './plan';
import { PythonWorker } from './process';

type Log = (m: string, level?: 'info' | 'warn' | 'debug') => void;

export async function executePyTorch(recipe: ResolvedRecipe, overrides: TrainOverrides, runDir: string, ctx: RunContext, log: Log, defer: (fn: () => void) => void, choice: EngineChoice): Promise<RunResult> {
  const env = choice.environment!;
  const built = await buildPlan(recipe, overrides, runDir, choice, (m) => log(m));
  const { plan, dataset } = built;
  const nproc = plan.engine.nproc;
  const head = built.budgets.find((b) => b.phase === 'head')!;
  const fine = built.budgets.find((b) => b.phase === 'fineTune');
  ctx.emit({
    type: 'started',
    backend: {
      engine: 'pytorch', name: env.chosen.device, requested: recipe.engine.name, device: `${choice.summary}${nproc > 1 ? ` × ${nproc} processes (torchrun, DistributedDataParallel)` : ''}`,
      notes: choice.tried.map((t) => `${t.python}: ${t.problem}`),
      versions: { python: env.python.version, torch: env.torch!.version, ...(env.torchvision ? { torchvision: env.torchvision } : {}), interpreter: choice.python! },
    },
    recipe: recipe.file ?? '', output: recipe.output, runDir, epochs: head.epochs + (fine?.epochs ?? 0), fastPath: built.fastPath,
  });
  ctx.emit({ type: 'dataset', report: dataset.report });
  for (const w of dataset.report.warnings) log(w, 'warn');
  log(`plan: ${plan.data.train.length} training, ${plan.data.validation.length} validation, ${plan.data.test.length} test images; ${plan.training.phases.map((p) => `${p.phase} up to ${p.epochs} epochs`).join(', ')}; ${path.relative(runDir, built.file)}`, 'debug');

  let done: WorkerEventOf<'done'> | undefined;
  let failure: Error | undefined;
  let outputs: WorkerEventOf<'outputs'> | undefined;
  const worker = new PythonWorker({
    python: choice.python!, planFile: built.file, nproc, logDir: path.join(runDir, 'torchrun'),
    onLog: (level, m) => log(m, level),
    onEvent: (e: WorkerEvent) => {
      switch (e.type) {
        case 'ready': case 'result': case 'started': case 'dataset': return;
        case 'outputs': outputs = e; return;
        case 'done': done = e; return;
        case 'error': failure ??= fromErrorInfo(e.error); ctx.emit({ type: 'log', level: 'error', message: e.error.message }); return;
        default: ctx.emit(e);
      }
    },
  });
  defer(() => worker.kill());
  await worker.start();
  // a stop from the parent reaches the Python worker, which stops at its next batch and checkpoints
  let stopSent = false;
  const poll = setInterval(() => { if (!stopSent && ctx.shouldStop()) { stopSent = true; worker.stop(); } }, 100);
  const exit = await worker.exited.finally(() => clearInterval(poll));
  if (failure) throw failure;
  if (!done) {
    const tail = exit.stderr.trim().split('\n').slice(-12).join('\n');
    throw new Error(`the PyTorch worker ended without finishing (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`})${tail ? `:\n${tail}` : ''}`);
  }
  if (done.stopped) {
    log(`stopped: checkpoint kept in ${done.output}; resume with --resume ${done.output}`);
    return { output: done.output, stopped: true, summary: { checkpoint: done.output } };
  }

  // the evaluation, from the worker's raw outputs, with core's metrics
  let report: EvaluationReport | undefined;
  if (outputs) {
    const byFile = new Map([...dataset.train, ...dataset.validation, ...dataset.test].map((e) => [e.file, e]));
    const scored: Scored[] = outputs.files.map((f, i) => { const e = byFile.get(f); return { file: f, classes: e?.classes ?? [], values: e?.values ?? [], output: outputs!.values[i]! }; });
    report = evaluationReport(recipe.task, dataset.labels, scored, outputs.split, meanLoss(recipe.task, scored));
    ctx.emit({ type: 'evaluation', report, warnings: [] });
  } else log('the PyTorch worker sent no outputs to evaluate', 'warn');

  const staging = done.output;
  const evaluation = report ? { split: report.split, metric: headline(report).name, value: headline(report).value } : undefined;
  const metaFile = path.join(staging, 'metadata.json');
  const meta = JSON.parse(metadataJson(built.metadata({ engine: 'pytorch', evaluation, exports: fs.readdirSync(staging).filter((f) => /\.(json|bin|pt|onnx)$/.test(f) && f !== 'metadata.json') }))) as { transferStudio: Record<string, unknown> };
  // what the worker's predict rebuilds a torchvision model from (its own metadata.json), kept
  const fromWorker = fs.existsSync(metaFile) ? (JSON.parse(fs.readFileSync(metaFile, 'utf8')) as { transferStudio?: Record<string, unknown> }).transferStudio ?? {} : {};
  for (const key of ['torchvision', 'image', 'engine'] as const) if (fromWorker[key] !== undefined) meta.transferStudio[key] = fromWorker[key];
  fs.writeFileSync(metaFile, JSON.stringify(meta, null, 2) + '\n');
  if (report) writeFileAtomic(path.join(staging, 'evaluation.json'), JSON.stringify({ report, warnings: [] }, null, 2) + '\n');
  const out = publishFolder(staging, recipe.output, { protect: [built.sourceFolder, built.source].filter((p): p is string => !!p && !p.startsWith('torchvision:')) });
  const files = [fs.existsSync(path.join(out, 'model.json')) && 'TF.js layers model.json + weights.bin', fs.existsSync(path.join(out, 'model.pt')) && 'model.pt', fs.existsSync(path.join(out, 'model.onnx')) && 'model.onnx'].filter(Boolean);
  log(`saved the adapted model to ${out} (${files.join(', ')})`);
  return { output: out, stopped: false, summary: { output: out, evaluation } };
}
