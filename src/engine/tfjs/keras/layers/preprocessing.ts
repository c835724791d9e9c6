/** Preprocessing layers (TF.js has Rescaling, Resizing, CenterCrop); random augmentation, a no-op outside training, is dropped. */
import { refuse } from './common';
import type { LayerFixer } from './types';

/** Rescaling: a per-channel scale or offset (Keras 3's EfficientNet uses one) broadcasts along the
 *  last axis in TF.js as in Keras; only flat lists of numbers are taken. */
const rescaling: LayerFixer = (l, ctx) => {
  const c = { ...l.config };
  for (const k of ['scale', 'offset']) {
    const v = c[k];
    if (!Array.isArray(v)) continue;
    if (!v.every((x) => typeof x === 'number')) throw refuse(l, ctx, `has a ${k} of shape TF.js's Rescaling does not support`);
    if (v.length === 1) c[k] = v[0];
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
