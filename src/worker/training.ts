/**
 * One training run as a process sees it, whichever engine trains: the recipe with the CLI's or
 * the extension's overrides, the engine choice (core's preference, the interpreters found) and
 * its one-line reason, the run folder (event log, run.json with its status), and the errors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toErrorInfo, UserError } from '../core/errors';
import type { TrainOverrides, WorkerEvent } from '../core/protocol/worker';
import type { EnginePreference } from '../core/recipe/defaults';
import { parseModelRef } from '../core/recipe/modelRef';
import { checkOutputFolder, type ResolvedRecipe } from '../core/recipe/resolve';
import { claimRunFolder } from '../core/runFolder';
import { chooseEngine } from '../engine/pytorch/choice';
import { executePyTorch } from '../engine/pytorch/run';
import { claimOutput, writeFileAtomic } from '../engine/tfjs/io/save';
import { readRecipe } from '../engine/tfjs/recipe';
import { executeTfjs, explainTfjsError, type RunContext } from '../engine/tfjs/train/run';

export type { RunContext } from '../engine/tfjs/train/run';

/** A new, empty run folder beside the recipe (see core/runFolder.ts). */
export function defaultRunDir(recipe: ResolvedRecipe): string {
  return claimRunFolder(recipe.dir, recipe.name);
}

function applyOverrides(recipe: ResolvedRecipe, o: TrainOverrides): ResolvedRecipe {
  const output = !recipe.raw.output && o.output ? path.resolve(o.output) : recipe.output;
  checkOutputFolder(output, recipe.model, recipe.file, recipe.weights);
  return {
    ...recipe,
    output,
    training: {
      ...recipe.training,
      epochs: o.epochs ?? recipe.training.epochs,
      backend: o.backend ?? recipe.training.backend,
      baseline: o.baseline ?? recipe.training.baseline,
    },
    engine: { ...recipe.engine, name: o.engine ?? recipe.engine.name, devices: o.devices ?? recipe.engine.devices },
  };
}

/** A torchvision or TorchScript model trains on the PyTorch engine whatever `auto` would pick. */
function engineFor(recipe: ResolvedRecipe): EnginePreference {
  const ref = parseModelRef(recipe.model);
  // domain adaptation is TF.js-only for now: `auto` must not hand such a recipe to PyTorch, which would ignore it
  if (ref.kind === 'layers' && recipe.raw.domain && recipe.engine.name === 'auto') return 'tfjs';
  // detection and multi-task heads are TF.js-only for now, whatever `auto` or --engine would pick
  if (recipe.heads) {
    if (recipe.engine.name === 'pytorch') throw new UserError('multi-task heads train on the TF.js engine for now', { file: recipe.file, jsonPath: '/engine/name', hint: 'leave "engine" out (or --engine tfjs)' });
    return 'tfjs';
  }
  if (recipe.task === 'detection') {
    if (recipe.engine.name === 'pytorch') throw new UserError('detection trains on the TF.js engine for now', { file: recipe.file, jsonPath: '/engine/name', hint: 'leave "engine" out (or --engine tfjs)' });
    return 'tfjs';
  }
  if (ref.kind === 'layers') return recipe.engine.name;
  if (recipe.engine.name === 'tfjs') {
    throw new UserError(`a ${ref.kind} model trains on the PyTorch engine, not TF.js`, { file: recipe.file, jsonPath: '/engine/name', hint: 'remove "engine": {"name": "tfjs"} (or --engine tfjs), or use a TF.js / Keras model' });
  }
  return 'pytorch';
}

export async function runTraining(recipeFile: string, overrides: TrainOverrides, ctx: RunContext): Promise<void> {
  const started = performance.now();
  const recipe = applyOverrides(readRecipe(recipeFile), overrides);
  const releaseOutput = claimOutput(recipe.output); // a second run on the same output is refused here
  const runDir = overrides.runDir ?? defaultRunDir(recipe);
  fs.mkdirSync(runDir, { recursive: true });
  const logFile = path.join(runDir, 'events.jsonl');
  // batch events are written in groups (a cached epoch lasts milliseconds); everything else at once
  let pending = '';
  const flush = (): void => { if (pending) { fs.appendFileSync(logFile, pending); pending = ''; } };
  const flushTimer = setInterval(flush, 500);
  const emit = (e: WorkerEvent): void => {
    pending += JSON.stringify({ t: Date.now(), ...e }) + '\n';
    if (e.type !== 'batchEnd' || pending.length > 64 * 1024) flush();
    ctx.emit(e);
  };
  const log = (message: string, level: 'info' | 'warn' | 'debug' = 'info'): void => emit({ type: 'log', level, message });
  writeFileAtomic(path.join(runDir, 'run.json'), JSON.stringify({ recipe: recipe.file, name: recipe.name, output: recipe.output, startedAt: new Date().toISOString(), status: 'running', pid: process.pid }, null, 2));
  let status: 'done' | 'stopped' | 'failed' = 'failed';
  let summary: Record<string, unknown> = {};
  const deferred: (() => void)[] = []; // cleanups an engine registers (an extraction thread, a Python process)
  let engine: 'tfjs' | 'pytorch' = 'tfjs';
  try {
    if (!recipe.data) throw new UserError('the recipe has no "data": nothing to train on', { file: recipe.file, jsonPath: '/data', hint: 'add "data": { "train": "path/to/class-folders" }' });
    const choice = await chooseEngine(engineFor(recipe), overrides.python);
    engine = choice.engine;
    log(`engine: ${choice.summary}`);
    const run = { ...ctx, emit };
    const defer = (fn: () => void): void => { deferred.push(fn); };
    const result = choice.engine === 'pytorch'
      ? await executePyTorch(recipe, overrides, runDir, run, log, defer, choice)
      : await executeTfjs(recipe, overrides, runDir, run, log, defer);
    status = result.stopped ? 'stopped' : 'done';
    summary = { engine, ...result.summary };
    emit({ type: 'done', output: result.output, stopped: result.stopped, durationMs: performance.now() - started });
  } catch (caught) {
    const e = (engine === 'tfjs' ? explainTfjsError(caught, recipe) : undefined) ?? caught;
    // the event log keeps the error too, so a failed run reopened later still says why
    const error = toErrorInfo(e);
    flush();
    fs.appendFileSync(logFile, JSON.stringify({ t: Date.now(), type: 'error', error }) + '\n');
    summary = { engine, error: error.message };
    throw e;
  } finally {
    releaseOutput();
    clearInterval(flushTimer);
    flush();
    for (const fn of deferred) fn();
    const run = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as Record<string, unknown>;
    writeFileAtomic(path.join(runDir, 'run.json'), JSON.stringify({ ...run, ...summary, status, endedAt: new Date().toISOString(), durationMs: Math.round(performance.now() - started) }, null, 2));
  }
}
