/** What core's comparison needs from a run the extension knows: its events (in memory) and the files beside them. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES, type RunFiles } from '../../core/compare';
import type { Run } from '../runs/run';

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export function runFiles(run: Run): RunFiles {
  const runDir = run.info.runDir;
  const done = run.events.filter((e) => e.type === 'done').at(-1);
  const output = done?.type === 'done' ? done.output : run.info.output;
  const recipe = run.info.recipe;
  let recipeText: string | undefined;
  try {
    recipeText = recipe ? fs.readFileSync(recipe, 'utf8') : undefined;
  } catch {
    recipeText = undefined;
  }
  return {
    runDir,
    // run.json (the worker's: times, durationMs, the engine) over the info; the info knows the status better (a dead process)
    runJson: { ...run.info, ...(readJson(path.join(runDir, RUN_FILES.run)) as object | undefined) },
    events: run.events,
    status: run.info.status,
    outputMetadata: output ? readJson(path.join(output, RUN_FILES.metadata)) : undefined,
    outputEvaluation: output ? readJson(path.join(output, RUN_FILES.evaluation)) : undefined,
    checkpointMetadata: RUN_FILES.checkpoints.map((c) => readJson(path.join(runDir, c, RUN_FILES.metadata))).filter((m) => m !== undefined),
    recipeText,
  };
}
