/** LayersModel → the LayerSummary tree the UI and CLI show (Keras `summary()` numbers). */
import * as tf from '@tensorflow/tfjs';
import type { LayerSummary, ModelSummary } from '../../core/modelSummary';
import type { LoadedModel } from './io/load';

type Shape = (number | null)[];

export function isNestedModel(layer: tf.layers.Layer): layer is tf.LayersModel {
  return layer instanceof tf.LayersModel;
}

function countWeights(weights: tf.LayerVariable[]): number {
  return weights.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

function outputShapeOf(layer: tf.layers.Layer): LayerSummary['outputShape'] {
  try {
    const s = layer.outputShape as Shape | Shape[];
    return s as LayerSummary['outputShape'];
  } catch {
    // a layer used at several places in the graph has several output shapes
    return layer.inboundNodes.map((n) => n.outputShapes as Shape) as Shape[];
  }
}

/** Names of the layers feeding `layer` inside `model`. */
function inboundOf(layer: tf.layers.Layer, model: tf.LayersModel): string[] {
  const inModel = new Set(model.layers.map((l) => l.name));
  const names: string[] = [];
  for (const node of layer.inboundNodes) {
    for (const src of node.inboundLayers) {
      if ((inModel.has(src.name) || src.getClassName() === 'InputLayer') && src.name !== layer.name && !names.includes(src.name)) names.push(src.name);
    }
  }
  // a Sequential's first layer is fed by the (hidden) input layer
  return names.filter((n) => inModel.has(n) || model.getClassName() !== 'Sequential');
}

export function summarizeLayer(layer: tf.layers.Layer, owner: tf.LayersModel): LayerSummary {
  const summary: LayerSummary = {
    name: layer.name,
    className: layer.getClassName(),
    outputShape: outputShapeOf(layer),
    trainableParams: countWeights(layer.trainableWeights),
    nonTrainableParams: countWeights(layer.nonTrainableWeights),
    trainable: layer.trainable,
    inbound: inboundOf(layer, owner),
  };
  const act = (layer.getConfig() as { activation?: unknown }).activation;
  if (typeof act === 'string') summary.activation = act;
  if (isNestedModel(layer)) summary.layers = layer.layers.map((l) => summarizeLayer(l, layer));
  return summary;
}

export function summarizeModel(loaded: Pick<LoadedModel, 'model' | 'format' | 'source' | 'metadata'>): ModelSummary {
  const { model } = loaded;
  const trainable = countWeights(model.trainableWeights);
  const nonTrainable = countWeights(model.nonTrainableWeights);
  return {
    name: model.name,
    className: model.getClassName(),
    format: loaded.format,
    source: loaded.source,
    inputShape: model.inputs[0]!.shape as Shape,
    outputShape: model.outputs[0]!.shape as Shape,
    layers: model.layers.map((l) => summarizeLayer(l, model)),
    totalParams: trainable + nonTrainable,
    trainableParams: trainable,
    nonTrainableParams: nonTrainable,
    metadata: loaded.metadata,
  };
}
