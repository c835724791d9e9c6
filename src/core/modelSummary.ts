/** What the tree view, the designer and `transfer-studio inspect` show about a model. No TF.js here. */

export type ModelFormat = 'tfjs-layers' | 'keras-h5' | 'keras-v3' | 'torchvision';

export interface LayerSummary {
  name: string;
  className: string;
  /** Output shape with `null` for the batch (and any free) dimension; several for multi-output layers. */
  outputShape: (number | null)[] | (number | null)[][];
  trainableParams: number;
  nonTrainableParams: number;
  trainable: boolean;
  /** Names of the layers feeding this one (inside the same model). */
  inbound: string[];
  /** The activation a Dense / Conv / Activation layer applies (softmax, relu…), when it has one. */
  activation?: string;
  /** Present for nested models (a Sequential or functional model used as a layer). */
  layers?: LayerSummary[];
}

export interface ModelSummary {
  name: string;
  className: string;
  format: ModelFormat;
  /** Where it was read from: an absolute path or an https URL. */
  source: string;
  inputShape: (number | null)[];
  outputShape: (number | null)[];
  layers: LayerSummary[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  /** Labels, image size and preprocessing known from files beside the model (Teachable Machine metadata.json, class_names.txt). */
  metadata: ModelMetadata;
}

export interface ModelMetadata {
  labels?: string[];
  imageSize?: number;
  preprocess?: PreprocessKind;
  /** e.g. "Teachable Machine 2.4.4", "keras 2.2.4-tf". */
  producer?: string;
}

export type PreprocessKind = '0,1' | '-1,1' | 'imagenet' | 'none';

export function walkLayers(layers: LayerSummary[], visit: (layer: LayerSummary, depth: number, parent?: LayerSummary) => void, depth = 0, parent?: LayerSummary): void {
  for (const layer of layers) {
    visit(layer, depth, parent);
    if (layer.layers) walkLayers(layer.layers, visit, depth + 1, layer);
  }
}

/** Leaf layers in execution order, nested models expanded: the order "up to layer X" counts in. */
export function leafLayers(layers: LayerSummary[]): LayerSummary[] {
  const out: LayerSummary[] = [];
  walkLayers(layers, (l) => { if (!l.layers) out.push(l); });
  return out;
}

export function findLayer(layers: LayerSummary[], name: string): { layer: LayerSummary; path: string[] } | undefined {
  for (const layer of layers) {
    if (layer.name === name) return { layer, path: [layer.name] };
    if (layer.layers) {
      const inner = findLayer(layer.layers, name);
      if (inner) return { layer: inner.layer, path: [layer.name, ...inner.path] };
    }
  }
  return undefined;
}

export function formatShape(shape: LayerSummary['outputShape']): string {
  if (shape.length > 0 && Array.isArray(shape[0])) return (shape as (number | null)[][]).map(formatShape).join(', ');
  return `[${(shape as (number | null)[]).map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
