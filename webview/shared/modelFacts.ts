/** Facts about a model (format, shapes, parameters, labels, producer): the designer's Model section and the inspector's header. */
import { formatCount, formatShape, leafLayers, type ModelSummary } from '../../src/core/modelSummary';
import { h } from './vscodeApi';

export const FORMATS: Record<ModelSummary['format'], string> = {
  'tfjs-layers': 'TF.js layers model',
  'keras-h5': 'Keras HDF5 (.h5)',
  'keras-v3': 'Keras 3 (.keras)',
  torchvision: 'torchvision model (PyTorch)',
};

export function modelFacts(s: ModelSummary): HTMLElement {
  const leaves = leafLayers(s.layers).filter((l) => l.className !== 'InputLayer').length;
  const fact = (term: string, value: string, o: { title?: string; mono?: boolean; wrap?: boolean } = {}): HTMLElement =>
    h('div', {}, h('dt', {}, term), h('dd', { title: o.title ?? value, class: [o.mono ? 'mono' : '', o.wrap ? 'wrap' : ''].join(' ').trim() || undefined }, value));
  const labels = s.metadata.labels;
  return h(
    'dl',
    { class: 'facts' },
    fact('Format', FORMATS[s.format] ?? s.format),
    fact('Input', formatShape(s.inputShape), { mono: true }),
    fact('Output', formatShape(s.outputShape), { mono: true }),
    fact('Parameters', formatCount(s.totalParams), { title: `${formatCount(s.trainableParams)} trainable, ${formatCount(s.nonTrainableParams)} non-trainable` }),
    fact('Layers', `${leaves}${s.layers.some((l) => l.layers) ? ' (nested models)' : ''}`),
    labels?.length ? fact(`Labels (${labels.length})`, labels.join(', '), { wrap: labels.length <= 6 }) : null,
    s.metadata.preprocess ? fact('Preprocessing', s.metadata.preprocess) : null,
    s.metadata.producer ? fact('Producer', s.metadata.producer) : null,
  );
}
