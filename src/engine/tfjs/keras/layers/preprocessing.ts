/** Preprocessing layers: Rescaling, Resizing, CenterCrop; random augmentation (training only) is dropped. */
import { refuse } from './common';
import type { LayerFixer } from './types';

const rescaling: LayerFixer = (l, ctx) => {
  const c = { ...l.config };
  for (const k of ['scale', 'offset']) {
    const v = c[k];
    if (Array.isArray(v)) {
      if (v.length !== 1) throw refuse(l, ctx, `has a per-channel ${k}, which TF.js's Rescaling does not support`);
      c[k] = v[0];
    }
  }
  return { ...l, config: c };
};

/** Keras's random augmentation layers return their input unchanged outside training. */
const AUGMENTATION = [
  'RandomFlip', 'RandomRotation', 'RandomZoom', 'RandomTranslation', 'RandomContrast', 'RandomBrightness',
  'RandomHeight', 'RandomWidth', 'RandomShear', 'RandomGrayscale', 'RandomHue', 'RandomSaturation',
  'RandomSharpness', 'RandomColorJitter', 'RandomColorDegeneration', 'RandomPosterization', 'RandomInvert',
  'RandomErasing', 'RandomGaussianBlur', 'RandomPerspective', 'RandomElasticTransform', 'RandAugment',
  'AugMix', 'CutMix', 'MixUp',
];

export const PREPROCESSING_FIXERS: Record<string, LayerFixer> = {
  Rescaling: rescaling,
  ...Object.fromEntries(AUGMENTATION.map((name): [string, LayerFixer] => [name, () => null])),
};
