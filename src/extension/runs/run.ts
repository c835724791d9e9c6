/** One training run as the extension sees it: its info, its events (live or from the saved log). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { WorkerEventSchema } from '../../core/protocol/worker';
import type { WorkerClient } from '../../worker/client';
import type { RunInfo, TimedEvent } from '../../core/protocol/dashboard';
import type { HeadInfo } from '../../core/protocol/reports';
import { bestHeadScores, describeScores, evaluatedHeadScores, type HeadScore, type Score } from './summary';

export interface RunSnapshot {
  phase?: string;
  epoch?: number;
  epochs?: number;
  loss?: number | null;
  metric?: { name: string; value: number | null };
  etaSec?: number | null;
  imagesPerSec?: number;
  best?: Score;
  /** A multi-task run: each head's best validation figure, then its evaluation's headline and verdict. */
  heads?: HeadScore[];
  /** Which engine trains and where ("PyTorch engine: PyTorch 2.4 on CUDA (…)"), from `started`. */
  engine?: string;
  engineShort?: string;
}

export class Run implements vscode.Disposable {
  readonly events: TimedEvent[] = [];
  client?: WorkerClient;
  snapshot: RunSnapshot = {};
  /** A multi-task run's heads, from `started`. */
  private heads?: HeadInfo[];
  private readonly eventEmitter = new vscode.EventEmitter<TimedEvent>();
  private readonly statusEmitter = new vscode.EventEmitter<RunInfo>();
  readonly onEvent = this.eventEmitter.event;
  readonly onStatus = this.statusEmitter.event;

  constructor(public info: RunInfo) {}

  get active(): boolean {
    return this.info.status === 'running';
  }

  /** The run's numbers in a few words: the best metric, or each head's headline (tree, tooltip, messages). */
  get summary(): string {
    return describeScores(this.snapshot.best, this.snapshot.heads);
  }

  push(e: TimedEvent): void {
    this.events.push(e);
    this.track(e);
    this.eventEmitter.fire(e);
  }

  setStatus(patch: Partial<RunInfo>): void {
    this.info = { ...this.info, ...patch };
    this.statusEmitter.fire(this.info);
  }

  private track(e: TimedEvent): void {
    const s = this.snapshot;
    if (e.type === 'started') {
      s.epochs = e.epochs;
      // the engine line of the run header, and a short form for the status bar
      s.engine = `${e.backend.engine === 'pytorch' ? 'PyTorch engine' : 'TF.js engine'}: ${e.backend.device}`;
      s.engineShort = e.backend.engine === 'pytorch' ? `PyTorch ${e.backend.name}` : `TF.js ${e.backend.name}`;
      this.heads = e.heads?.length ? e.heads : undefined;
    }
    if (e.type === 'epochStart' && e.phase !== 'baseline') { s.phase = e.phase; }
    if (e.type === 'batchEnd') {
      s.phase = e.phase;
      s.loss = e.loss;
      s.etaSec = e.etaSec;
      s.imagesPerSec = e.imagesPerSec;
      // a multi-task run: the first head's metric (the others are in the dashboard)
      const first = this.heads?.[0];
      const [name, value] = first ? [`${first.name}_${first.metric}`, e.metrics[`${first.name}_${first.metric}`]] : Object.entries(e.metrics)[0] ?? [];
      if (name) s.metric = { name, value: value ?? null };
      s.epoch = e.phase === 'fineTune' ? e.epoch + this.headEpochs() : e.epoch;
    }
    if (e.type === 'epochEnd' && this.heads && e.phase !== 'baseline') {
      s.heads = bestHeadScores(this.heads, s.heads, e.logs);
    } else if (e.type === 'epochEnd') {
      const key = Object.keys(e.logs).find((k) => k.startsWith('val_') && k !== 'val_loss') ?? Object.keys(e.logs).find((k) => k !== 'loss' && k !== 'learning_rate');
      const v = key ? e.logs[key] : undefined;
      if (key && typeof v === 'number' && e.phase !== 'baseline') {
        const higher = !/loss|mae/.test(key);
        if (!s.best || (higher ? v > s.best.value : v < s.best.value)) s.best = { name: key, value: v, higherIsBetter: higher };
      }
    }
    if (e.type === 'evaluation') {
      const r = e.report;
      s.best = r.task === 'regression' ? { name: `${r.split} MAE`, value: r.mae ?? NaN, higherIsBetter: false } : r.task === 'detection' ? { name: `${r.split} mAP@0.5`, value: r.detection?.mAP50 ?? NaN, higherIsBetter: true } : { name: `${r.split} accuracy`, value: r.accuracy ?? NaN, higherIsBetter: true };
      if (e.multiTask?.heads.length) s.heads = evaluatedHeadScores(e.multiTask);
    }
  }

  /**
   * The checkpoint a stopped or failed run resumes from: a stopped run's `done` output, else the
   * newest per-epoch checkpoint the worker announced, else the best one — the first still on disk.
   */
  resumeCheckpoint(): string | undefined {
    if (this.info.status !== 'failed' && this.info.status !== 'stopped') return undefined;
    const found: string[] = [];
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i]!;
      if (e.type === 'done' && e.stopped) found.push(e.output);
      if (e.type === 'checkpoint' && !e.best) found.push(e.path);
    }
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i]!;
      if (e.type === 'checkpoint' && e.best) found.push(e.path);
    }
    return found.find((p) => fs.existsSync(p));
  }

  private headEpochs(): number {
    const first = this.events.find((e) => e.type === 'epochStart' && e.phase === 'head');
    return first && first.type === 'epochStart' ? first.epochs : 0;
  }

  dispose(): void {
    this.eventEmitter.dispose();
    this.statusEmitter.dispose();
  }
}

/** Read a finished (or crashed) run from its folder: run.json + events.jsonl. */
export function loadRun(runDir: string): Run | undefined {
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as Record<string, unknown>;
    let status = (meta.status as RunInfo['status']) ?? 'failed';
    // a run left "running" by a process that no longer exists ended abnormally
    if (status === 'running' && !processAlive(meta.pid as number | undefined)) status = 'failed';
    const run = new Run({
      id: runDir,
      name: String(meta.name ?? path.basename(runDir)),
      recipe: String(meta.recipe ?? ''),
      runDir,
      output: typeof meta.output === 'string' ? meta.output : undefined,
      status,
      startedAt: String(meta.startedAt ?? ''),
      endedAt: typeof meta.endedAt === 'string' ? meta.endedAt : undefined,
    });
    const file = path.join(runDir, 'events.jsonl');
    if (fs.existsSync(file)) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const raw = JSON.parse(line) as { t?: number };
          const parsed = WorkerEventSchema.safeParse(raw);
          if (parsed.success) run.push({ ...parsed.data, t: raw.t ?? 0 } as TimedEvent);
        } catch {
          // a torn last line of a crashed run is skipped
        }
      }
    }
    const err = run.events.find((e) => e.type === 'error');
    if (err && err.type === 'error') run.info.error = err.error.message;
    return run;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
