/**
 * The default cut: the layer that ends the feature extractor. Walking down from the output past
 * the old classifier block (Dense layers, a 1×1 or class-map Conv2D under a softmax, and the
 * Dropout / Activation / Reshape / BatchNorm between them, nested head models included) to the
 * global pooling or Flatten that feeds it. A model with no classifier on top (a headless base,
 * include_top=False) is cut at its output. Cutting at the pooled backbone output, not at the
 * penultimate Dense of an old classifier, is what makes transfer work on models nobody tuned for:
 * those Dense layers were trained for the old labels.
 */
import { formatCount, type LayerSummary } from './modelSummary';

/** Layers an old classifier has between its weighted layers (walked past while looking for the pooling). */
const PASS = new Set(['Dropout', 'SpatialDropout2D', 'GaussianDropout', 'GaussianNoise', 'AlphaDropout', 'Activation', 'Softmax', 'Reshape', 'BatchNormalization', 'ReLU', 'LeakyReLU', 'ELU', 'PReLU']);
const POOL_OR_FLATTEN = new Set(['GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D', 'Flatten']);
const HEAD_LIKE = new Set(['Dense', 'Dropout', 'Activation', 'Softmax', 'BatchNormalization', 'Flatten', 'Reshape', 'ReLU']);
const OUTPUT_ACTIVATIONS = new Set(['softmax', 'sigmoid', 'logSoftmax', 'log_softmax']);

export interface CutChoice {
  cut: string;
  /** One sentence for `init`, `check` and the designer. */
  reason: string;
  /** The old classifier's layers (leaves), top first; empty for a headless base. */
  above: string[];
  featureShape: (number | null)[];
}

function leaves(l: LayerSummary): LayerSummary[] {
  return l.layers ? l.layers.flatMap(leaves).filter((x) => x.className !== 'InputLayer') : [l];
}

/** A nested model made only of classifier layers (Teachable Machine's head). */
function isHeadModel(l: LayerSummary): boolean {
  const ls = l.layers ? leaves(l) : [];
  return ls.length > 0 && ls.every((x) => HEAD_LIKE.has(x.className)) && ls.some((x) => x.className === 'Dense');
}

interface Walk {
  steps: LayerSummary[];
}

/** Layers from the output down one path, nested base models entered, head models kept whole; stops after a layer with several inputs. */
function walkDown(layers: LayerSummary[], walk: Walk): boolean {
  const byName = new Map(layers.map((l) => [l.name, l] as const));
  let layer: LayerSummary | undefined = layers.at(-1);
  while (layer && layer.className !== 'InputLayer') {
    if (layer.layers && !isHeadModel(layer)) {
      if (!walkDown(layer.layers, walk)) return false;
    } else walk.steps.push(layer);
    if (layer.inbound.length > 1) return false;
    if (layer.inbound.length === 1) layer = byName.get(layer.inbound[0]!);
    else {
      const i = layers.indexOf(layer); // a Sequential's layers chain in order
      layer = i > 0 ? layers[i - 1] : undefined;
    }
  }
  return true;
}

function shapeOf(l: LayerSummary): (number | null)[] {
  const s = l.outputShape;
  return (Array.isArray(s[0]) ? s[0] : s) as (number | null)[];
}

function describeFeatures(shape: (number | null)[]): string {
  const dims = shape.slice(1);
  if (dims.length === 1) return `${formatCount(dims[0] ?? 0)} features`;
  return `a ${dims.map((d) => d ?? '?').join('×')} feature map (the new head pools it)`;
}

function choice(cut: LayerSummary, above: LayerSummary[], steps: LayerSummary[]): CutChoice {
  const featureShape = shapeOf(cut);
  const features = describeFeatures(featureShape);
  const names = above.map((l) => l.name);
  if (above.length === 0) {
    return { cut: cut.name, above: [], featureShape, reason: `cut at "${cut.name}": the model's output — it has no classifier on top (a headless base) — ${features}` };
  }
  const convolutional = steps.some((l) => /Conv/.test(l.className));
  const list = names.length <= 4 ? ` (${names.join(', ')})` : '';
  return {
    cut: cut.name, above: names, featureShape,
    reason: `cut at "${cut.name}": the output of the ${convolutional ? 'convolutional ' : ''}base, ${features}; the ${names.length} layer${names.length === 1 ? '' : 's'} above it${list} ${names.length === 1 ? 'was' : 'were'} the old classifier`,
  };
}

/** The default cut and why, or undefined when the graph does not tell (a branch inside the old classifier, a model that is all classifier). */
export function chooseDefaultCut(layers: LayerSummary[]): CutChoice | undefined {
  const walk: Walk = { steps: [] };
  walkDown(layers, walk);
  const steps = walk.steps;
  if (steps.length === 0) return undefined;
  const above: LayerSummary[] = [];
  let sawClassifier = false;
  let outputActivation = false;
  let pooledAbove = false;
  for (let i = 0; i < steps.length; i++) {
    const l = steps[i]!;
    const cls = l.className;
    if (l.layers) { // a nested head model: the old classifier
      above.push(...leaves(l));
      sawClassifier = true;
      continue;
    }
    if (cls === 'Dense') {
      above.push(l);
      sawClassifier = true;
      if (l.activation && OUTPUT_ACTIVATIONS.has(l.activation)) outputActivation = true;
      continue;
    }
    // a convolution under the output softmax is a classifier too (Keras MobileNet's conv_preds, mini-Xception's class maps)
    if (cls === 'Conv2D' && !sawClassifier && (outputActivation || (l.activation !== undefined && OUTPUT_ACTIVATIONS.has(l.activation)))) {
      above.push(l);
      sawClassifier = true;
      if (pooledAbove) { // class maps pooled into scores: the features are what the convolution read
        const feeder = steps[i + 1];
        return feeder ? choice(feeder, above, steps) : undefined;
      }
      continue;
    }
    if (POOL_OR_FLATTEN.has(cls)) {
      if (sawClassifier) return choice(l, above, steps);
      above.push(l);
      pooledAbove = true;
      continue;
    }
    if (PASS.has(cls)) {
      if ((cls === 'Softmax') || (l.activation !== undefined && OUTPUT_ACTIVATIONS.has(l.activation))) outputActivation = true;
      above.push(l);
      continue;
    }
    // a layer of the base: the classifier sat directly on it, or there was none
    return sawClassifier ? choice(l, above, steps) : choice(steps[0]!, [], steps);
  }
  return sawClassifier ? undefined : choice(steps[0]!, [], steps);
}

/** The default cut's layer name (see chooseDefaultCut). */
export function defaultCut(layers: LayerSummary[]): string | undefined {
  return chooseDefaultCut(layers)?.cut;
}
