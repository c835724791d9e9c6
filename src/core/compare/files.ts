/**
 * Reading a run folder for the comparison (src/core/compare.ts stays free of `node:` and zod, since
 * the Compare Runs webview imports it): run.json, events.jsonl validated against the worker
 * protocol, the saved model's metadata and evaluation, the checkpoints' metadata, the recipe file.
 * Used by `transfer-studio compare` and by the extension's Compare Runs panel alike.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEventLog, RUN_FILES, type RunFiles } from '.';
import { errorMessage, UserError } from '../errors';
import type { TimedEvent } from '../protocol/dashboard';
import { WorkerEventSchema } from '../protocol/worker';

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** One parsed line of events.jsonl checked against the worker protocol (for core's parseEventLog). */
export function validateLoggedEvent(raw: unknown): { event: TimedEvent } | { problem: string } {
  const r = WorkerEventSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const type = typeof raw === 'object' && raw !== null && typeof (raw as { type?: unknown }).type === 'string' ? `"${(raw as { type: string }).type}" ` : '';
    return { problem: `${type}${issue ? `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}` : 'invalid'}` };
  }
  const t = (raw as { t?: unknown }).t;
  return { event: { ...r.data, t: typeof t === 'number' ? t : 0 } };
}

/** A run folder's event log, validated line by line (only a torn last line is forgiven). */
export function readEventLog(file: string): TimedEvent[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UserError(missing ? `the run's event log ${RUN_FILES.events} is missing` : `cannot read the run's event log: ${errorMessage(e)}`, { file, hint: 'every run folder has one; this folder is incomplete or not a run' });
  }
  return parseEventLog(text, file, validateLoggedEvent);
}

function alive(pid: unknown): boolean {
  if (typeof pid !== 'number') return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface LiveRun {
  /** A live run's events as they arrived (its log on disk may lag behind by a batch group). */
  events?: TimedEvent[];
  /** The status the caller knows (the extension's run manager). */
  status?: string;
}

/** Everything core's comparison needs from one run folder; UserErrors name the file at fault. */
export function readRunFiles(dir: string, live: LiveRun = {}): RunFiles {
  const runDir = path.resolve(dir);
  const runJsonFile = path.join(runDir, RUN_FILES.run);
  if (!fs.existsSync(runJsonFile)) {
    throw new UserError(`not a run folder: ${RUN_FILES.run} is missing`, { file: runDir, hint: 'a run folder is <recipe folder>/.transfer-studio/runs/NAME-TIME, with run.json and events.jsonl' });
  }
  const runJson = readJson(runJsonFile);
  if (typeof runJson !== 'object' || runJson === null || Array.isArray(runJson)) throw new UserError(`${RUN_FILES.run} is not a JSON object`, { file: runJsonFile, hint: 'the run folder is damaged: leave this run out of the comparison' });
  const events = live.events ?? readEventLog(path.join(runDir, RUN_FILES.events));
  const info = runJson as { output?: unknown; recipe?: unknown; status?: unknown; pid?: unknown };
  const done = events.filter((e) => e.type === 'done').at(-1);
  const output = done?.type === 'done' ? done.output : typeof info.output === 'string' ? info.output : undefined;
  let recipeText: string | undefined;
  try {
    recipeText = typeof info.recipe === 'string' ? fs.readFileSync(info.recipe, 'utf8') : undefined;
  } catch {
    recipeText = undefined; // the recipe file is gone: its saved metadata may still hold it
  }
  // a run.json left "running" by a process that is gone: the run ended abnormally
  const status = live.status ?? (info.status === 'running' && !alive(info.pid) ? 'failed' : undefined);
  return {
    runDir,
    runJson,
    events,
    outputMetadata: output ? readJson(path.join(output, RUN_FILES.metadata)) : undefined,
    outputEvaluation: output ? readJson(path.join(output, RUN_FILES.evaluation)) : undefined,
    checkpointMetadata: RUN_FILES.checkpoints.map((c) => readJson(path.join(runDir, c, RUN_FILES.metadata))).filter((m) => m !== undefined),
    recipeText,
    ...(status ? { status } : {}),
  };
}
