/**
 * The run as the dashboard sees it: every worker event folded, one at a time, into the little the
 * views need (phases, epochs, the latest batch, checkpoints, evaluation…). Events may arrive
 * mid-run, out of the usual order or with missing fields; `add` never throws.
 */
import { DetectionEvaluationSchema, HeadInfoSchema, MultiTaskReportSchema, type DatasetReport, type EvaluationReport, type HeadInfo, type MultiTaskReport, type Phase } from '../../src/core/protocol/reports';
import type { RunInfo, TimedEvent } from '../../src/core/protocol/dashboard';
import { HEAD_TASKS } from '../../src/core/recipe/defaults';

export type Ev<T extends TimedEvent['type']> = Extract<TimedEvent, { type: T }>;
export type Logs = Record<string, number | null>;

export interface EpochRow {
  phase: Phase;
  epoch: number;
  epochs: number;
  /** x on the charts: the epoch counted over head + fine-tune (the baseline starts again at 0). */
  x: number;
  logs: Logs;
  durationMs: number | null;
  best: boolean;
}


export interface PhaseState {
  phase: Phase;
  epochs: number;
  batches: number;
  /** Last finished epoch (1-based), 0 before the first. */
  completed: number;
  /** Epoch in progress (1-based), 0 when none. */
  current: number;
  batch: number;
  /** How the phase ended: the kept epoch and why it stopped (converged, cap, stopped). */
  ended?: Ev<'phaseEnd'>;
}

const PHASES: readonly string[] = ['extract', 'head', 'fineTune', 'baseline'];


/** The metric the task trains on, from the first logs that name one. */
const METRIC_PREFERENCE = ['accuracy', 'binary_accuracy', 'mae', 'acc'];

export function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export class RunModel {
  run?: RunInfo;
  trusted = true;
  started?: Ev<'started'>;
  dataset?: DatasetReport;
  extract?: Ev<'progress'>;
  readonly phases = new Map<Phase, PhaseState>();
  readonly rows: EpochRow[] = [];
  lastBatch?: Ev<'batchEnd'>;
  /** The newest ETA with the time it was given. */
  eta?: { t: number; sec: number };
  imagesPerSec?: number;
  checkpoint?: Ev<'checkpoint'>;
  bestCheckpoint?: Ev<'checkpoint'>;
  evaluation?: Ev<'evaluation'>;
  /** A multi-task run's heads, from `started`: each charted and tabled on its own. */
  heads?: HeadInfo[];
  /**
   * A multi-task run's single-task baselines (each head trained alone) report their epochs as
   * `progress` of the baseline phase, not as epochs: the newest one.
   */
  alone?: Ev<'progress'>;
  domain?: Ev<'domain'>;
  done?: Ev<'done'>;
  error?: Ev<'error'>;
  /** The newest log messages (at most 500); `logTotal` counts all of them. */
  readonly logs: Ev<'log'>[] = [];
  logTotal = 0;
  firstT?: number;
  lastT?: number;
  metric?: string;
  /** The phase of the newest training event. */
  phase?: Phase;
  /** Head epochs before the fine-tune phase (its epochs continue after them on the charts). */
  fineTuneOffset?: number;
  /** Bumped by every change, for cheap "did anything change" checks. */
  version = 0;

  /** Fold one event in; malformed events are ignored. Returns false for those. */
  add(e: TimedEvent): boolean {
    if (!e || typeof e !== 'object' || typeof (e as { type?: unknown }).type !== 'string') return false;
    try {
      this.fold(e);
      if (isNum(e.t)) {
        this.firstT = this.firstT === undefined ? e.t : Math.min(this.firstT, e.t);
        this.lastT = this.lastT === undefined ? e.t : Math.max(this.lastT, e.t);
      }
      this.version++;
      return true;
    } catch {
      return false;
    }
  }

  private phaseState(phase: Phase, epochs?: number, batches?: number): PhaseState {
    let p = this.phases.get(phase);
    if (!p) {
      p = { phase, epochs: 0, batches: 0, completed: 0, current: 0, batch: 0 };
      this.phases.set(phase, p);
    }
    if (isNum(epochs) && epochs > 0) p.epochs = epochs;
    if (isNum(batches) && batches > 0) p.batches = batches;
    return p;
  }

  /** Chart x of the end of `epoch` (1-based) in `phase`. */
  x(phase: Phase, epoch: number): number {
    if (phase === 'fineTune') {
      if (this.fineTuneOffset === undefined) {
        const head = this.phases.get('head');
        this.fineTuneOffset = head ? head.completed || head.epochs : 0;
      }
      return this.fineTuneOffset + epoch;
    }
    return epoch;
  }

  private fold(e: TimedEvent): void {
    if ((e.type === 'epochStart' || e.type === 'batchEnd' || e.type === 'epochEnd' || e.type === 'checkpoint' || e.type === 'progress') && !PHASES.includes(e.phase)) throw new Error(`unknown phase ${String(e.phase)}`);
    switch (e.type) {
      case 'started':
        if (e.backend && typeof e.backend === 'object') this.started = { ...e, backend: { ...e.backend, notes: strings(e.backend.notes), versions: e.backend.versions ?? {} } };
        this.heads = cleanHeads(e.heads);
        if (this.heads) this.metric = undefined;
        break;
      case 'dataset': {
        const report = cleanDataset(e.report);
        if (report) this.dataset = report;
        break;
      }
      case 'progress':
        if (e.phase === 'baseline') {
          // a head trained alone, epoch `done` of `total` (its phases count again from 1)
          const p = this.phaseState('baseline', e.total);
          if (isNum(e.done)) p.completed = e.done;
          p.current = 0;
          this.alone = e;
          this.phase = e.phase;
        } else if (e.phase === 'extract') this.extract = e;
        else {
          this.extract = e;
          this.phase = e.phase;
        }
        break;
      case 'epochStart': {
        const p = this.phaseState(e.phase, e.epochs, e.batches);
        p.current = isNum(e.epoch) ? e.epoch : p.current + 1;
        p.batch = 0;
        this.phase = e.phase;
        break;
      }
      case 'batchEnd': {
        const p = this.phaseState(e.phase, undefined, e.batches);
        if (isNum(e.epoch)) p.current = e.epoch;
        if (isNum(e.batch)) p.batch = e.batch;
        this.lastBatch = e;
        this.phase = e.phase;
        if (isNum(e.imagesPerSec)) this.imagesPerSec = e.imagesPerSec;
        if (isNum(e.etaSec) && isNum(e.t)) this.eta = { t: e.t, sec: e.etaSec };
        this.noteMetric(e.metrics);
        break;
      }
      case 'epochEnd': {
        const p = this.phaseState(e.phase, e.epochs);
        const epoch = isNum(e.epoch) ? e.epoch : p.completed + 1;
        p.completed = Math.max(p.completed, epoch);
        if (p.current <= epoch) p.current = 0;
        this.phase = e.phase;
        const logs: Logs = e.logs && typeof e.logs === 'object' ? e.logs : {};
        this.noteMetric(logs);
        this.rows.push({ phase: e.phase, epoch, epochs: p.epochs, x: this.x(e.phase, epoch), logs, durationMs: isNum(e.durationMs) ? e.durationMs : null, best: false });
        if (isNum(e.etaSec) && isNum(e.t)) this.eta = { t: e.t, sec: e.etaSec };
        break;
      }
      case 'phaseEnd': {
        if (!PHASES.includes(e.phase)) break;
        const p = this.phaseState(e.phase);
        p.ended = e;
        p.current = 0;
        break;
      }
      case 'checkpoint':
        if (e.best) {
          this.bestCheckpoint = e;
          let row: EpochRow | undefined;
          for (let i = this.rows.length - 1; i >= 0 && !row; i--) if (this.rows[i]!.phase === e.phase && this.rows[i]!.epoch === e.epoch) row = this.rows[i];
          if (row) {
            for (const r of this.rows) if (r.phase !== 'baseline') r.best = false;
            row.best = true;
          }
        } else this.checkpoint = e;
        break;
      case 'evaluation': {
        const report = cleanEvaluation(e.report);
        if (report) this.evaluation = { ...e, report, baseline: cleanEvaluation(e.baseline), warnings: strings(e.warnings), multiTask: cleanMultiTask(e.multiTask) };
        break;
      }
      case 'domain':
        // drawn only when its parts are there (an old or damaged log may lack some)
        if (e.report && cleanEvaluation(e.report.source?.before) && cleanEvaluation(e.report.source?.after) && Array.isArray(e.report.projection?.before?.source)) this.domain = e;
        break;
      case 'done':
        this.done = e;
        break;
      case 'error':
        if (e.error && typeof e.error === 'object' && typeof e.error.message === 'string') this.error = e;
        break;
      case 'log':
        this.logs.push(e);
        this.logTotal++;
        if (this.logs.length > 500) this.logs.splice(0, this.logs.length - 500);
        break;
      default:
        break;
    }
  }

  private noteMetric(logs: Logs | undefined): void {
    if (this.metric || this.heads || !logs || typeof logs !== 'object') return;
    // detection measures mAP on the validation images only: there is no training-split value to name it
    if (isNum(logs.val_mAP50) || logs.val_mAP50 === null) { this.metric = 'mAP50'; return; }
    // per-head losses (a multi-task log whose `started` is missing) are no task metric
    const keys = Object.keys(logs).filter((k) => k !== 'loss' && k !== 'learning_rate' && !k.startsWith('val_') && !k.endsWith('_loss'));
    this.metric = METRIC_PREFERENCE.find((m) => keys.includes(m)) ?? keys[0];
  }

  /** Epochs of the transferred model (head + fine-tune) planned so far. */
  plannedEpochs(): number {
    const head = this.phases.get('head');
    const ft = this.phases.get('fineTune');
    if (ft) return this.x('fineTune', ft.epochs || ft.completed);
    return Math.max(this.started?.epochs ?? 0, head?.epochs ?? 0);
  }

  /**
   * Where training stands: `epoch`/`epochs` count over the transferred model's epochs (head, then
   * fine-tune) or over the baseline's; `local`/`localEpochs` within the phase.
   */
  position(): { phase: Phase; epoch: number; epochs: number; local: number; localEpochs: number; batch: number; batches: number } | undefined {
    const phase = this.phase;
    if (!phase || phase === 'extract') return undefined;
    const p = this.phases.get(phase);
    if (!p) return undefined;
    // a run that has ended counts the epochs it finished, not the one it was in
    const live = !this.run || this.run.status === 'running';
    const local = live ? p.current || p.completed : p.completed;
    const batch = live && p.current ? p.batch : 0;
    if (phase === 'baseline') return { phase, epoch: local, epochs: p.epochs, local, localEpochs: p.epochs, batch, batches: p.batches };
    return { phase, epoch: this.x(phase, local), epochs: this.plannedEpochs(), local, localEpochs: p.epochs, batch, batches: p.batches };
  }

  /** Where the run started (ms): the host's start time, else the first event. */
  startMs(): number | undefined {
    const s = this.run?.startedAt ? Date.parse(this.run.startedAt) : NaN;
    return Number.isFinite(s) ? s : this.firstT;
  }

  /** Seconds from start to `now` (running) or to the end. */
  elapsedSec(now: number): number | undefined {
    const start = this.startMs();
    if (start === undefined) return undefined;
    if (this.run?.status === 'running') return Math.max(0, (now - start) / 1000);
    const ended = this.run?.endedAt ? Date.parse(this.run.endedAt) : NaN;
    if (Number.isFinite(ended)) return Math.max(0, (ended - start) / 1000);
    if (this.done && isNum(this.done.durationMs)) return this.done.durationMs / 1000;
    return this.lastT !== undefined ? Math.max(0, (this.lastT - start) / 1000) : undefined;
  }

  /** Remaining seconds as of `now`, counting down from the worker's last estimate. */
  remainingSec(now: number): number | undefined {
    if (!this.eta) return undefined;
    return Math.max(0, this.eta.sec - Math.max(0, now - this.eta.t) / 1000);
  }

  /** Fraction of the whole run done (0…1): elapsed / (elapsed + remaining), or the extraction's share. */
  fraction(now: number): number {
    const status = this.run?.status;
    if (status === 'done' || (this.done && !this.done.stopped)) return 1;
    const at = status === 'running' ? now : this.lastT ?? now;
    const elapsed = this.elapsedSec(at);
    const remaining = this.remainingSec(at);
    // a running run is never shown as finished, however stale the last estimate
    const cap = status === 'running' ? 0.99 : 1;
    if (elapsed !== undefined && remaining !== undefined) return Math.min(cap, elapsed / Math.max(1e-6, elapsed + remaining));
    if (this.extract && this.extract.total > 0) return 0.05 * Math.min(1, this.extract.done / this.extract.total);
    return 0;
  }

  /** Best validation value of the task metric over the transferred model's epochs. */
  bestValidation(): { value: number; row: EpochRow } | undefined {
    const key = this.metric ? `val_${this.metric}` : undefined;
    if (!key) return undefined;
    const lowerIsBetter = this.metric === 'mae';
    let best: { value: number; row: EpochRow } | undefined;
    for (const r of this.rows) {
      const v = r.logs[key];
      if (r.phase === 'baseline' || !isNum(v)) continue;
      if (!best || (lowerIsBetter ? v < best.value : v > best.value)) best = { value: v, row: r };
    }
    return best;
  }

  /** The checkpoint a stopped run left: the worker's `done` output, else the newest checkpoint. */
  stopCheckpoint(): string | undefined {
    if (this.done?.stopped) return this.done.output;
    return this.checkpoint?.path ?? this.bestCheckpoint?.path;
  }
}

// ── what arrives is checked once, here, so the views can trust the shapes ─────────────────────────

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function n0(v: unknown): number {
  return isNum(v) ? v : 0;
}

function cleanDataset(v: unknown): DatasetReport | undefined {
  const r = obj(v);
  if (!r || !Array.isArray(r.classes)) return undefined;
  const classes = r.classes.map(obj).filter((c): c is Record<string, unknown> => !!c && typeof c.label === 'string')
    .map((c) => ({ label: c.label as string, train: n0(c.train), validation: n0(c.validation), test: n0(c.test) }));
  const total = obj(r.total);
  const examples: Record<string, string[]> = {};
  for (const [k, list] of Object.entries(obj(r.examples) ?? {})) examples[k] = strings(list);
  const size = Array.isArray(r.imageSize) && r.imageSize.length === 2 && r.imageSize.every(isNum) ? (r.imageSize as [number, number]) : [0, 0] as [number, number];
  return {
    source: typeof r.source === 'string' ? r.source : '',
    task: r.task === 'multi-label' || r.task === 'regression' || r.task === 'detection' ? r.task : 'single-label',
    labels: strings(r.labels),
    classes,
    total: total ? { train: n0(total.train), validation: n0(total.validation), test: n0(total.test) } : classes.reduce((t, c) => ({ train: t.train + c.train, validation: t.validation + c.validation, test: t.test + c.test }), { train: 0, validation: 0, test: 0 }),
    skipped: (Array.isArray(r.skipped) ? r.skipped : []).map(obj).filter((s): s is Record<string, unknown> => !!s && typeof s.file === 'string').map((s) => ({ file: s.file as string, reason: typeof s.reason === 'string' ? s.reason : '' })),
    warnings: strings(r.warnings),
    examples,
    imageSize: size,
    channels: n0(r.channels),
    preprocess: typeof r.preprocess === 'string' ? r.preprocess : '',
    streaming: r.streaming === true,
    heads: cleanDatasetHeads(r.heads),
  };
}

function counts(v: unknown): { train: number; validation: number; test: number } {
  const c = obj(v);
  return { train: n0(c?.train), validation: n0(c?.validation), test: n0(c?.test) };
}

/** A multi-task dataset's heads: per head its classes' counts and how many images have its label. */
function cleanDatasetHeads(v: unknown): DatasetReport['heads'] {
  if (!Array.isArray(v)) return undefined;
  const heads = v.map(obj).filter((hd): hd is Record<string, unknown> => !!hd && typeof hd.name === 'string' && typeof hd.task === 'string' && (HEAD_TASKS as readonly string[]).includes(hd.task))
    .map((hd) => ({
      name: hd.name as string,
      task: hd.task as HeadInfo['task'],
      classes: (Array.isArray(hd.classes) ? hd.classes : []).map(obj).filter((c): c is Record<string, unknown> => !!c && typeof c.label === 'string').map((c) => ({ label: c.label as string, ...counts(c) })),
      labelled: counts(hd.labelled),
    }));
  return heads.length ? heads : undefined;
}

/** `started.heads`, each checked against the protocol's schema (a malformed head is left out). */
function cleanHeads(v: unknown): HeadInfo[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const heads = v.flatMap((x) => {
    const r = HeadInfoSchema.safeParse(x);
    return r.success ? [r.data] : [];
  });
  return heads.length ? heads : undefined;
}

/** The evaluation's per-head part, checked against the protocol's schema (a malformed one: none). */
function cleanMultiTask(v: unknown): MultiTaskReport | undefined {
  const r = v === undefined ? undefined : MultiTaskReportSchema.safeParse(v);
  return r?.success && r.data.heads.length ? r.data : undefined;
}

/** A report's detection part, checked against the protocol's schema (a malformed one: none). */
function cleanDetection(v: unknown): EvaluationReport['detection'] {
  const r = v === undefined ? undefined : DetectionEvaluationSchema.safeParse(v);
  return r?.success ? r.data : undefined;
}

function cleanEvaluation(v: unknown): EvaluationReport | undefined {
  const r = obj(v);
  if (!r || typeof r.task !== 'string') return undefined;
  const task = r.task === 'multi-label' || r.task === 'regression' || r.task === 'detection' ? r.task : 'single-label';
  const num = (x: unknown): number | undefined => (isNum(x) ? x : undefined);
  const topK = obj(r.topK);
  return {
    task,
    split: typeof r.split === 'string' ? r.split : 'test',
    examples: n0(r.examples),
    loss: isNum(r.loss) ? r.loss : null,
    labels: strings(r.labels),
    accuracy: num(r.accuracy),
    topK: topK && isNum(topK.k) && isNum(topK.accuracy) ? { k: topK.k, accuracy: topK.accuracy } : undefined,
    perClass: Array.isArray(r.perClass)
      ? r.perClass.map(obj).filter((c): c is Record<string, unknown> => !!c && typeof c.label === 'string')
        .map((c) => ({ label: c.label as string, precision: n0(c.precision), recall: n0(c.recall), f1: n0(c.f1), support: n0(c.support) }))
      : undefined,
    confusion: Array.isArray(r.confusion) ? r.confusion.map((row) => (Array.isArray(row) ? row.map(n0) : [])) : undefined,
    worst: Array.isArray(r.worst)
      ? r.worst.map(obj).filter((w): w is Record<string, unknown> => !!w && typeof w.file === 'string')
        .map((w) => ({ file: w.file as string, trueLabel: String(w.trueLabel ?? '?'), predicted: String(w.predicted ?? '?'), confidence: n0(w.confidence) }))
      : undefined,
    mae: num(r.mae),
    rmse: num(r.rmse),
    exactMatch: num(r.exactMatch),
    detection: cleanDetection(r.detection),
  };
}
