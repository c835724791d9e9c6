/** Cutting a model at a layer: the part whose output feeds the new head. */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../core/errors';
import { isContainer, pathTo } from './layers';

/** The symbolic tensor a nested model received where it was used inside `outer`. */
function inputTensorOf(layer: tf.layers.Layer): tf.SymbolicTensor {
  // node 0 of a nested model is its own input node; the last node is where the outer graph calls it
  const node = layer.inboundNodes[layer.inboundNodes.length - 1]!;
  if (node.inputTensors.length !== 1) throw new UserError(`cannot cut inside "${layer.name}": it takes ${node.inputTensors.length} inputs`);
  return node.inputTensors[0]!;
}

function outputTensorOf(layer: tf.layers.Layer): tf.SymbolicTensor {
  const node = layer.inboundNodes[layer.inboundNodes.length - 1]!;
  if (node.outputTensors.length !== 1) throw new UserError(`cannot cut at "${layer.name}": it has ${node.outputTensors.length} outputs`);
  return node.outputTensors[0]!;
}

/**
 * A model from `model`'s input to `cutName`'s output, sharing the original layers (and weights).
 * The cut may sit inside a nested model (e.g. a Teachable Machine export's MobileNet): the nested
 * part is truncated and applied to the outer graph's tensor at that point.
 */
export function truncateAt(model: tf.LayersModel, cutName: string, file?: string, name = `${model.name}_base`): tf.LayersModel {
  const chain = pathTo(model, cutName);
  if (!chain) throw new UserError(`no layer named "${cutName}" in the model`, { file, jsonPath: '/cut', hint: 'run `transfer-studio inspect MODEL` to list the layer names' });
  const features = featureTensor(chain, file);
  return tf.model({ inputs: model.inputs, outputs: features, name });
}

function featureTensor(chain: tf.layers.Layer[], file?: string): tf.SymbolicTensor {
  const [head, ...rest] = chain;
  if (!head) throw new Error('empty layer chain');
  if (rest.length === 0) {
    if (head.getClassName() === 'InputLayer') throw new UserError(`cannot cut at the input layer "${head.name}"`, { file, jsonPath: '/cut' });
    return outputTensorOf(head);
  }
  if (!isContainer(head)) throw new Error(`${head.name} is not a nested model`);
  // the truncated nested model keeps its name, so freeze rules and the tree still find it
  const innerCut = truncateAt(head, rest.at(-1)!.name, file, head.name);
  const fed = inputTensorOf(head);
  return innerCut.apply(fed) as tf.SymbolicTensor;
}

