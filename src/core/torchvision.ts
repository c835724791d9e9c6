/**
 * A torchvision model's adaptation, computed on its layer summary (the PyTorch worker's `inspect`:
 * module names such as "layer4.1.conv2"): the base that stays, the default head, which layers
 * freeze and which a fine-tune opens. The PyTorch worker (python/…/torchvision_models.py) cuts
 * the model the same way; this file decides, the worker applies.
 */
import type { CutChoice } from './classifier';
import { UserError } from './errors';
import { baseLeaves, frozenLayerNames } from './freeze';
import { leafLayers, type LayerSummary, type ModelSummary } from './modelSummary';
import { DEFAULTS } from './recipe/defaults';
import { completeHead, STANDARDIZE_LAYER, standardizeIndex } from './recipe/head';
import type { FreezeRules, HeadLayerSpec } from './recipe/schema';

/**
 * The classifier a default cut replaces: the top-level module holding the last Linear layer
 * (resnet "fc", mobilenet/efficientnet/vgg "classifier"). Replacing the whole block, not only its
 * last Linear, keeps the old task's hidden layers out of the features (docs/DEFAULTS.md).
 */
export function torchvisionClassifier(layers: LayerSummary[]): string | undefined {
  for (let i = layers.length - 1; i >= 0; i--) {
    const top = layers[i]!;
    if (leafLayers([top]).some((l) => l.className === 'Linear') || top.className === 'Linear') return top.name;
  }
  return undefined;
}

/** The base's leaf modules: up to and including `cut`, or everything but the classifier. */
export function torchvisionBase(summary: ModelSummary, cut: string | undefined, file?: string): LayerSummary[] {
  if (cut) {
    const base = baseLeaves(summary.layers, cut);
    if (!base) throw new UserError(`no module named "${cut}" in ${summary.name}`, { file, jsonPath: '/cut', hint: 'use a module name as the Model view or `transfer-studio inspect` lists it (e.g. "layer3")' });
    return base;
  }
  const classifier = torchvisionClassifier(summary.layers);
  if (!classifier) throw new UserError(`${summary.name} has no Linear classifier to replace`, { file, jsonPath: '/cut', hint: 'give "cut": the module whose output feeds the new head' });
  return leafLayers(summary.layers.filter((l) => l.name !== classifier));
}

/**
 * The head the worker builds: the recipe's (or the default: pooling — a no-op on the pooled
 * vector of a replaced classifier —, dropout, a Dense sized from the labels), with the frozen
 * standardiser at its input when training.standardize is on.
 */
export function torchvisionHead(head: HeadLayerSpec[] | undefined, standardize: boolean): { head: HeadLayerSpec[]; standardize: string | null } {
  const specs = completeHead(head ?? [{ type: 'GlobalAveragePooling2D' }, ...(DEFAULTS.dropout > 0 ? [{ type: 'Dropout', rate: DEFAULTS.dropout } as const] : []), { type: 'Dense' }]);
  if (!standardize) return { head: specs, standardize: null };
  const at = standardizeIndex(specs);
  return { head: [...specs.slice(0, at), { type: 'BatchNormalization', name: STANDARDIZE_LAYER }, ...specs.slice(at)], standardize: STANDARDIZE_LAYER };
}

/** The base leaves the freeze rules freeze (names as the worker knows them). */
export function torchvisionFrozen(summary: ModelSummary, base: LayerSummary[], rules: FreezeRules | undefined, cut: string | undefined, file?: string): string[] {
  const names = new Set<string>();
  const visit = (ls: LayerSummary[]): void => ls.forEach((l) => { names.add(l.name); if (l.layers) visit(l.layers); });
  visit(summary.layers);
  const frozen = frozenLayerNames(base, rules, { file, cut: cut ?? torchvisionClassifier(summary.layers) ?? '', sourceNames: names });
  return base.filter((l) => frozen.has(l.name)).map((l) => l.name);
}

/** The top `n` base layers with weights a fine-tune unfreezes (BatchNorm stays frozen, as on TF.js). */
export function torchvisionTopLayers(base: LayerSummary[], n: number): string[] {
  return base.filter((l) => l.trainableParams + l.nonTrainableParams > 0 && !/^BatchNorm/.test(l.className)).slice(-n).map((l) => l.name);
}

/**
 * The default cut of a torchvision model as the tree and the designer show it: the top-level
 * module just below the classifier (resnet "avgpool", mobilenet "features"); the recipe leaves
 * "cut" out and the worker replaces the classifier, which comes to the same base.
 */
export function torchvisionCutChoice(layers: LayerSummary[]): CutChoice | undefined {
  const classifier = torchvisionClassifier(layers);
  const at = layers.findIndex((l) => l.name === classifier);
  if (!classifier || at <= 0) return undefined;
  const below = layers[at - 1]!;
  const above = leafLayers(layers.slice(at)).map((l) => l.name).reverse();
  const shape = torchToChannelsLast(below.outputShape as (number | null)[]);
  return {
    cut: below.name,
    reason: `cut at \`${below.name}\`: the output of the convolutional base; "${classifier}" (${above.length} layer${above.length === 1 ? '' : 's'}) was the old classifier and is replaced by the new head`,
    above,
    featureShape: shape,
  };
}

/** [N, C, H, W] (torch) → [N, H, W, C], as the head's shapes are written everywhere else. */
export function torchToChannelsLast(shape: (number | null)[]): (number | null)[] {
  return shape.length === 4 ? [shape[0]!, shape[2]!, shape[3]!, shape[1]!] : shape;
}
