/** Parameter counts of a head spec on a feature shape, without building it (for the tree and designer). */
import type { HeadLayerSpec, Task } from './recipe/schema';

export interface HeadLayerInfo {
  type: HeadLayerSpec['type'];
  outputShape: number[];
  trainable: number;
  nonTrainable: number;
}

export function headInfo(head: HeadLayerSpec[], featureShape: number[], outputs: number | undefined, _task: Task = 'single-label'): HeadLayerInfo[] {
  let shape = featureShape;
  const lastDense = head.map((h) => h.type).lastIndexOf('Dense');
  return head.map((h, i) => {
    let trainable = 0;
    let nonTrainable = 0;
    switch (h.type) {
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D':
        shape = shape.length === 3 ? [shape[2]!] : shape;
        break;
      case 'Flatten':
        shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      case 'Dense': {
        const units = h.units ?? (i === lastDense ? outputs ?? 0 : 0);
        const inputs = shape.at(-1) ?? 0;
        trainable = inputs * units + (h.useBias === false ? 0 : units);
        shape = [...shape.slice(0, -1), units];
        break;
      }
      case 'BatchNormalization': {
        const c = shape.at(-1) ?? 0;
        trainable = 2 * c;
        nonTrainable = 2 * c;
        break;
      }
      default:
        break;
    }
    return { type: h.type, outputShape: shape, trainable, nonTrainable };
  });
}
