/** Expected parameter counts computed from a model.json's own weight manifest (not from TF.js). */
import * as fs from 'node:fs';

interface Spec { name: string; shape: number[] }

export function manifestCounts(modelJson: string): { total: number; movingStats: number; byLayer: Map<string, number> } {
  const json = JSON.parse(fs.readFileSync(modelJson, 'utf8')) as { weightsManifest: { weights: Spec[] }[] };
  let total = 0;
  let movingStats = 0;
  const byLayer = new Map<string, number>();
  for (const group of json.weightsManifest) {
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      total += n;
      if (/moving_(mean|variance)$/.test(w.name)) movingStats += n;
      const layer = w.name.split('/').slice(-2, -1)[0] ?? w.name;
      byLayer.set(layer, (byLayer.get(layer) ?? 0) + n);
    }
  }
  return { total, movingStats, byLayer };
}

/** Names of layers that a Keras config marks `trainable: false` (walks nested configs). */
export function configFrozenLayers(modelJson: string): string[] {
  const json = JSON.parse(fs.readFileSync(modelJson, 'utf8')) as { modelTopology: Record<string, unknown> };
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const cfg = o.config as Record<string, unknown> | undefined;
      if (typeof o.class_name === 'string' && cfg && cfg.trainable === false && typeof cfg.name === 'string') out.push(cfg.name);
      Object.values(o).forEach(walk);
    }
  };
  walk(json.modelTopology);
  return out;
}
