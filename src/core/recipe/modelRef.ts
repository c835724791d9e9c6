/**
 * What a recipe's "model" names. A file or an https URL is a TF.js / Keras model (the TF.js engine
 * loads it); `torchvision:<arch>` is a torchvision architecture built by name, its pre-trained
 * weights in the recipe's "weights" (a local .pth: nothing is downloaded); `torchscript:<path>` a
 * whole TorchScript file. The last two only the PyTorch engine opens.
 */
export type ModelRef =
  | { kind: 'layers'; source: string }
  | { kind: 'torchvision'; arch: string }
  | { kind: 'torchscript'; file: string };

const TORCHVISION = /^torchvision:([A-Za-z_][A-Za-z0-9_]*)$/;
const TORCHSCRIPT = /^torchscript:(.+)$/;

export function parseModelRef(model: string): ModelRef {
  const tv = TORCHVISION.exec(model);
  if (tv) return { kind: 'torchvision', arch: tv[1]! };
  const ts = TORCHSCRIPT.exec(model);
  if (ts) return { kind: 'torchscript', file: ts[1]! };
  return { kind: 'layers', source: model };
}

/** A model only the PyTorch engine opens (a torchvision architecture or a TorchScript file). */
export function isPyTorchModel(model: string): boolean {
  return parseModelRef(model).kind !== 'layers';
}

/** Architectures offered when a .pth is opened (any torchvision name works in a recipe). */
export const COMMON_TORCHVISION_ARCHS = [
  'resnet18', 'resnet34', 'resnet50', 'resnet101', 'mobilenet_v2', 'mobilenet_v3_small', 'mobilenet_v3_large',
  'efficientnet_b0', 'efficientnet_b1', 'convnext_tiny', 'regnet_y_400mf', 'densenet121', 'vgg16', 'squeezenet1_1', 'shufflenet_v2_x1_0',
] as const;
