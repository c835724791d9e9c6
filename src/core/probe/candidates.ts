/**
 * Where a probe may cut: block outputs of the backbone, found on its layer summaries. A cut needs
 * one tensor that everything above depends on, so candidates are articulation points of the
 * graph (no connection jumps over them: a residual block's inside is never one), of the kinds
 * that end a block (a residual Add, a pooling, a Flatten, an activation after a merge, a tensor
 * that feeds a residual split) — evenly thinned to at most `max`, the default cut always kept.
 */
import { findLayer, type LayerSummary } from '../modelSummary';

export interface ProbeCandidate {
  /** The layer the cut would name in the recipe. */
  cut: string;
  /** The layer whose output is read (inside `host`); differs from `cut` only when pooling/Flatten after the host make them equal once pooled. */
  read: string;
  /** Position along the backbone (0 = input side), for the chart over depth. */
  depth: number;
  className: string;
}

export interface ProbePlan {
  /** Path of nested models from the top level to the model holding the candidates ([] = the model itself). */
  host: string[];
  candidates: ProbeCandidate[];
}

const BLOCK_END = new Set(['Add', 'Concatenate', 'Multiply', 'Average', 'Maximum', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Flatten']);
const ACTIVATIONS = new Set(['ReLU', 'Activation', 'LeakyReLU', 'ELU', 'PReLU']);
const POOLING = new Set(['GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Flatten']);

/** Consumers of each layer (by name) within one model's layer list; a Sequential's layers chain in order. */
function consumers(layers: LayerSummary[]): Map<string, string[]> {
  const out = new Map<string, string[]>(layers.map((l) => [l.name, []]));
  layers.forEach((l, i) => {
    const from = l.inbound.length ? l.inbound : i > 0 && !layers.some((x) => x.inbound.length) ? [layers[i - 1]!.name] : [];
    for (const f of from) out.get(f)?.push(l.name);
  });
  return out;
}

/** Layers (in order) that every path from the input to the last layer passes through. */
export function articulationPoints(layers: LayerSummary[]): LayerSummary[] {
  const pos = new Map(layers.map((l, i) => [l.name, i] as const));
  const cons = consumers(layers);
  const out: LayerSummary[] = [];
  let reach = 0; // the furthest layer an edge from before `i` lands on
  layers.forEach((l, i) => {
    if (i >= reach && l.className !== 'InputLayer') out.push(l);
    for (const c of cons.get(l.name) ?? []) reach = Math.max(reach, pos.get(c) ?? 0);
  });
  return out;
}

export function planProbe(layers: LayerSummary[], defaultCut: string, max = 12): ProbePlan | undefined {
  const found = findLayer(layers, defaultCut);
  if (!found) return undefined;
  // the candidates live in the biggest model on the way to the default cut (a TM export's MobileNet)
  const chain: { path: string[]; layers: LayerSummary[] }[] = [{ path: [], layers }];
  let level = layers;
  for (const name of found.path.slice(0, -1)) {
    const c = level.find((l) => l.name === name);
    if (!c?.layers) break;
    chain.push({ path: [...chain.at(-1)!.path, name], layers: c.layers });
    level = c.layers;
  }
  // a pooling after a nested backbone (TM: sequential_1 = [MobileNet, pooling]): enter the backbone too
  for (let at: LayerSummary | undefined = level.find((l) => l.name === defaultCut); at;) {
    const i = level.indexOf(at);
    const feeder: LayerSummary | undefined = at.inbound.length === 1 ? level.find((l) => l.name === at!.inbound[0]) : at.inbound.length === 0 && i > 0 ? level[i - 1] : undefined;
    if (!feeder?.layers) break;
    chain.push({ path: [...chain.at(-1)!.path, feeder.name], layers: feeder.layers });
    level = feeder.layers;
    at = undefined;
  }
  // a nested host must take the model's own input: every model on the way starts with it
  const usable = chain.filter((_c, i) => i === 0 || chain.slice(0, i).every((outer, j) => firstLayer(outer.layers)?.name === chain[j + 1]!.path.at(-1)));
  const host = usable.reduce((a, b) => (b.layers.length > a.layers.length ? b : a));
  const points = articulationPoints(host.layers);
  const cons = consumers(host.layers);
  const cutIndex = pointsUpTo(points, defaultCut);
  const within = points.slice(0, cutIndex + 1);
  const picked = within.filter((l, i) => {
    if (i === within.length - 1) return true;
    // an Add followed by its activation: the activation is the block's output
    if (BLOCK_END.has(l.className)) return !(/^(Add|Concatenate)$/.test(l.className) && ACTIVATIONS.has(within[i + 1]?.className ?? ''));
    if (ACTIVATIONS.has(l.className)) return true;
    return (cons.get(l.name)?.length ?? 0) >= 2;
  });
  const depthOf = new Map(host.layers.map((l, i) => [l.name, i] as const));
  let candidates: ProbeCandidate[] = picked.map((l) => ({ cut: l.name, read: l.name, depth: depthOf.get(l.name)!, className: l.className }));
  // the default cut outside the host (TM's pooling after its MobileNet) reads the host's last output, pooled
  const last = candidates.at(-1);
  if (last && !host.layers.some((l) => l.name === defaultCut) && POOLING.has(found.layer.className)) candidates[candidates.length - 1] = { ...last, cut: defaultCut, className: found.layer.className };
  if (candidates.length > max) {
    const keep = new Set<number>([candidates.length - 1]);
    for (let k = 0; k < max - 1; k++) keep.add(Math.round((k * (candidates.length - 1)) / (max - 1)));
    candidates = candidates.filter((_, i) => keep.has(i));
  }
  return { host: host.path, candidates };
}

function firstLayer(layers: LayerSummary[]): LayerSummary | undefined {
  return layers.find((l) => l.className !== 'InputLayer');
}

/** Index in `points` of the default cut, or of the host's last point when the cut lies outside the host (only pooling after it). */
function pointsUpTo(points: LayerSummary[], defaultCut: string): number {
  const i = points.findIndex((l) => l.name === defaultCut);
  return i >= 0 ? i : points.length - 1;
}
