/** Box targets per image in the head's layout (core/detection: grid.ts, localiser.ts), and the truths the metrics compare with. */
import { encodeGrid } from '../../../core/detection/grid';
import { encodeLocaliser, localiserLength, primaryObject } from '../../../core/detection/localiser';
import type { TruthBox } from '../../../core/detection/metrics';
import { gridSpecOf, hasGrid, outputLength, type DetectionModelSpec } from '../../../core/detection/model';
import type { BoxImage } from '../data/annotations';

/** Row-major [images, outputLength] targets; difficult / crowd boxes are left out (the metrics ignore them too). */
export function encodeTargets(spec: DetectionModelSpec, images: readonly BoxImage[]): { values: Float32Array; dropped: number } {
  const L = outputLength(spec);
  const values = new Float32Array(images.length * L);
  let dropped = 0;
  images.forEach((im, i) => {
    const objects = im.boxes.filter((b) => !b.difficult).map((b) => ({ label: b.label, box: b.box }));
    const o = spec.head === 'localiser' ? primaryObject(objects) : undefined;
    if (hasGrid(spec)) {
      const g = encodeGrid(gridSpecOf(spec), spec.head === 'grid' ? objects : o ? [o] : []);
      values.set(g.target, i * L);
      dropped += g.dropped + (spec.head === 'localiser' ? Math.max(0, objects.length - 1) : 0);
      return;
    }
    if (o) values.set(encodeLocaliser(o, spec.numClasses), i * localiserLength(spec.numClasses));
    dropped += Math.max(0, objects.length - 1);
  });
  return { values, dropped };
}

export const truthOf = (im: BoxImage): TruthBox[] => im.boxes.map((b) => ({ label: b.label, box: b.box, ...(b.difficult ? { difficult: true } : {}) }));
