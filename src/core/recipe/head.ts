/** Default and completed heads (pure: shared by the engine, the extension and the CLI). */
import { DEFAULTS } from './defaults';
import type { HeadLayerSpec } from './schema';

/** The default head: pool image-like features, a little dropout, a Dense sized from the labels. */
export function defaultHead(featureShape: number[]): HeadLayerSpec[] {
  const pool: HeadLayerSpec[] = featureShape.length === 3 ? [{ type: 'GlobalAveragePooling2D' }] : featureShape.length > 1 ? [{ type: 'Flatten' }] : [];
  return [...pool, ...(DEFAULTS.dropout > 0 ? [{ type: 'Dropout', rate: DEFAULTS.dropout } as const] : []), { type: 'Dense' }];
}

/** When the head ends without a Dense layer, one sized from the labels is appended. */
export function completeHead(specs: HeadLayerSpec[]): HeadLayerSpec[] {
  return specs.some((s) => s.type === 'Dense') ? specs : [...specs, { type: 'Dense' }];
}

/** The frozen BatchNormalization that standardises the head's input (training.standardize), in both engines. */
export const STANDARDIZE_LAYER = 'feature_standardize';

/** Where the standardiser sits in a head: after its leading pooling / Flatten layers, on the feature vector. */
export function standardizeIndex(specs: HeadLayerSpec[]): number {
  const i = specs.findIndex((s) => s.type !== 'GlobalAveragePooling2D' && s.type !== 'GlobalMaxPooling2D' && s.type !== 'Flatten');
  return i < 0 ? specs.length : i;
}
