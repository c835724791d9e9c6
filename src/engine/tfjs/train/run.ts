/**
 * One adaptation run as a process sees it: the run folder (event log, run.json with its status),
 * the overrides of the CLI or the extension, and the errors (a WASM trap becomes "out of memory"
 * with what to lower). What the run does is session.ts's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { toErrorInfo, UserError } from '../../../core/errors';
import type { TrainOverrides, WorkerEvent } from '../../../core/protocol/worker';
import { checkOutputFolder, type ResolvedRecipe } from '../../../core/recipe/resolve';
import { claimRunFolder } from '../../../core/runFolder';
import { writeFileAtomic } from '../io/save';
import { readRecipe } from '../recipe';
import { execute, type RunContext } from './session';

export type { RunContext } from './session';
export { topLayersToUnfreeze } from './session';

/** A new, empty run folder beside the recipe (see core/runFolder.ts). */
export function defaultRunDir(recipe: ResolvedRecipe): string {
  return claimRunFolder(recipe.dir, recipe.name);
}

function applyOverrides(recipe: ResolvedRecipe, o: TrainOverrides): ResolvedRecipe {
  const output = !recipe.raw.output && o.output ? path.resolve(o.output) : recipe.output;
  checkOutputFolder(output, recipe.model, recipe.file);
  return {
    ...recipe,
    output,
    training: {
      ...recipe.training,
      epochs: o.epochs ?? recipe.training.epochs,
      backend: o.backend ?? recipe.training.backend,
      baseline: o.baseline ?? recipe.training.baseline,
    },
  };
}

export async function runTraining(recipeFile: string, overrides: TrainOverrides, ctx: RunContext): Promise<void> {
  const started = performance.now();
  const recipe = applyOverrides(readRecipe(recipeFile), overrides);
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
  const deferred: (() => void)[] = []; // cleanups execute() registers (an extraction thread)
  try {
    const result = await execute(recipe, overrides, runDir, { ...ctx, emit }, log, (fn) => deferred.push(fn));
    status = result.stopped ? 'stopped' : 'done';
    summary = result.summary;
    emit({ type: 'done', output: result.output, stopped: result.stopped, durationMs: performance.now() - started });
  } catch (caught) {
    const e = wasmOutOfMemory(caught, recipe) ?? caught;
    // the event log keeps the error too, so a failed run reopened later still says why
    const error = toErrorInfo(e);
    flush();
    fs.appendFileSync(logFile, JSON.stringify({ t: Date.now(), type: 'error', error }) + '\n');
    summary = { error: error.message };
    throw e;
  } finally {
    clearInterval(flushTimer);
    flush();
    for (const fn of deferred) fn();
    const run = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as Record<string, unknown>;
    writeFileAtomic(path.join(runDir, 'run.json'), JSON.stringify({ ...run, ...summary, status, endedAt: new Date().toISOString(), durationMs: Math.round(performance.now() - started) }, null, 2));
  }
}

/**
 * The WASM heap cannot grow past 4 GiB; when a step still outgrows it (kernel scratch, a budget
 * set too high) WebAssembly traps with "memory access out of bounds". Say what happened and
 * what to change instead.
 */
function wasmOutOfMemory(e: unknown, recipe: ResolvedRecipe): UserError | undefined {
  const message = e instanceof Error ? e.message : String(e);
  const trapped = e instanceof WebAssembly.RuntimeError || /Aborted\(|Cannot enlarge memory/.test(message);
  if (!trapped || !/memory access out of bounds|OOM|Cannot enlarge memory|out of memory/i.test(message) || tf.getBackend() !== 'wasm') return undefined;
  return new UserError(`the WASM backend ran out of memory (its heap is limited to 4 GiB): ${message}`, {
    file: recipe.file,
    hint: `lower "training.batchSize" (now ${recipe.training.batchSize}) or "data.imageSize", freeze more of the base, or install @tensorflow/tfjs-node, which has no such limit`,
  });
}

