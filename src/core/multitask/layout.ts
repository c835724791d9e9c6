/**
 * A multi-task recipe's heads, resolved against its data (no TF.js, no `node:`; both engines, the
 * CLI, the extension and the designer read it): each head's task, CSV column(s), labels, loss
 * weight and layers, and where its outputs sit in the one target vector every example carries —
 * the heads' targets side by side, NaN where a row has no label for a head.
 */
import { DEFAULTS, type HeadTask } from '../recipe/defaults';
import type { HeadLayerSpec, TaskHeadSpec } from '../recipe/schema';
import { taskMetric } from '../training/monitor';

export interface ResolvedHead {
  name: string;
  task: HeadTask;
  /** The CSV column(s) it learns: one for a classification head, one per target for regression. */
  columns: string[];
  /** Class names (classification) or target names (regression), in output order. */
  labels: string[];
  /** Its outputs, and where they start in the concatenated target / output vector. */
  units: number;
  offset: number;
  lossWeight: number;
  /** The head's own layers after the shared ones (the last Dense sized from `labels`). */
  layers: HeadLayerSpec[];
  /**
   * Regression: each target's standard deviation over the training split. The head's loss is its
   * squared error in these units, so a target measured in 0.01s and a cross-entropy near 2 weigh
   * alike in the sum (their lossWeights then mean what they say).
   */
  scale?: number[];
}

export interface MultiTaskLayout {
  heads: ResolvedHead[];
  /** Sum of the heads' units: the length of every example's target vector. */
  width: number;
}

/** The per-epoch metric of a head (its loss aside), as the run logs it: NAME_accuracy, NAME_mae… */
export function headMetric(task: HeadTask): 'accuracy' | 'binary_accuracy' | 'mae' {
  return taskMetric(task) as 'accuracy' | 'binary_accuracy' | 'mae';
}

/** The columns a head reads: "column" as given, else the head's name. */
export function headColumns(spec: Pick<TaskHeadSpec, 'name' | 'column'>): string[] {
  return spec.column === undefined ? [spec.name] : Array.isArray(spec.column) ? spec.column : [spec.column];
}

/** The keys each epoch's logs carry per head, training split: NAME_loss and NAME_METRIC (validation adds val_). */
export function headLogKeys(heads: readonly Pick<ResolvedHead, 'name' | 'task'>[]): string[] {
  return heads.flatMap((h) => [`${h.name}_loss`, `${h.name}_${headMetric(h.task)}`]);
}

/** The layout of heads once their labels are known (from the training data, or the recipe). */
export function layoutOf(specs: readonly TaskHeadSpec[], labelsOf: (spec: TaskHeadSpec, i: number) => string[]): MultiTaskLayout {
  let offset = 0;
  const heads = specs.map((s, i): ResolvedHead => {
    const labels = labelsOf(s, i);
    const h: ResolvedHead = { name: s.name, task: s.task, columns: headColumns(s), labels, units: labels.length, offset, lossWeight: s.lossWeight ?? DEFAULTS.multiTask.lossWeight, layers: s.layers ?? [] };
    offset += labels.length;
    return h;
  });
  return { heads, width: offset };
}

/** The output names of the concatenated vector: "head:label" for classes, "head:target" for regression. */
export function outputNames(layout: MultiTaskLayout): string[] {
  return layout.heads.flatMap((h) => h.labels.map((l) => `${h.name}:${l}`));
}

/** The default shared layers when the recipe has no "head": pool the feature map, one hidden layer every head shares, dropout. */
export function defaultSharedLayers(featureShape: number[]): HeadLayerSpec[] {
  const pool: HeadLayerSpec[] = featureShape.length === 3 ? [{ type: 'GlobalAveragePooling2D' }] : featureShape.length > 1 ? [{ type: 'Flatten' }] : [];
  return [...pool, { type: 'Dense', units: DEFAULTS.multiTask.sharedUnits, activation: 'relu', name: 'shared_dense' }, { type: 'Dropout', rate: DEFAULTS.dropout, name: 'shared_dropout' }];
}

/** Whether a head's slice of a target vector holds a label (NaN marks "no label for this head"). */
export function hasLabel(head: Pick<ResolvedHead, 'offset'>, values: ArrayLike<number>): boolean {
  return !Number.isNaN(values[head.offset]);
}

/** The layout with each regression head's target scales taken from the training targets (NaN rows skipped; a constant target keeps 1). */
export function withTargetScales(layout: MultiTaskLayout, train: readonly { values: ArrayLike<number> }[]): MultiTaskLayout {
  return {
    ...layout,
    heads: layout.heads.map((h) => {
      if (h.task !== 'regression') return h;
      const rows = train.filter((e) => hasLabel(h, e.values));
      const scale = Array.from({ length: h.units }, (_, k) => {
        if (rows.length < 2) return 1;
        const mean = rows.reduce((a, e) => a + e.values[h.offset + k]!, 0) / rows.length;
        const sd = Math.sqrt(rows.reduce((a, e) => a + (e.values[h.offset + k]! - mean) ** 2, 0) / (rows.length - 1));
        return sd > 1e-8 ? sd : 1;
      });
      return { ...h, scale };
    }),
  };
}
