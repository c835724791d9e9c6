/** The layer table `transfer-studio inspect` and `check` print (like Keras `summary()`). */
import { formatCount, formatShape, walkLayers, type ModelSummary } from '../modelSummary';
import { table } from './table';

export function layerTable(summary: ModelSummary, marks: { frozen?: Set<string>; cut?: string; head?: Set<string> } = {}): string {
  const rows: string[][] = [];
  walkLayers(summary.layers, (l, depth) => {
    const params = l.trainableParams + l.nonTrainableParams;
    let state = l.layers || l.className === 'InputLayer' ? '' : l.trainable ? 'trainable' : 'frozen';
    if (marks.head?.has(l.name)) state = 'new head';
    const cut = marks.cut === l.name ? '  ◀ cut' : '';
    rows.push([`${'  '.repeat(depth)}${l.name}`, l.className, formatShape(l.outputShape), formatCount(params), state + cut]);
  });
  const lines = [
    `${summary.name} (${summary.className}, ${summary.format}) — ${summary.source}`,
    `input ${formatShape(summary.inputShape)} → output ${formatShape(summary.outputShape)}`,
    '',
    table(['Layer', 'Class', 'Output shape', 'Params', ''], rows, ['l', 'l', 'l', 'r', 'l']),
    '',
    `Total params: ${formatCount(summary.totalParams)}`,
    `Trainable params: ${formatCount(summary.trainableParams)}`,
    `Non-trainable params: ${formatCount(summary.nonTrainableParams)}`,
  ];
  if (summary.metadata.labels) lines.push(`Labels (${summary.metadata.labels.length}): ${summary.metadata.labels.slice(0, 12).join(', ')}${summary.metadata.labels.length > 12 ? ', …' : ''}`);
  if (summary.metadata.producer) lines.push(`Made by: ${summary.metadata.producer}`);
  return lines.join('\n');
}
