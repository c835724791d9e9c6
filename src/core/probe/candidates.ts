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

export interface ProbeGroup {
  /** Path of nested models from the top level to the model whose tensors are read ([] = the model itself). */
  host: string[];
  candidates: ProbeCandidate[];
}

/** Candidates in groups, each read from one model fed the model's own input (a nested backbone first, then what follows it). */
export interface ProbePlan {
  groups: ProbeGroup[];
  /** Every candidate, in depth order. */
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

interface Level {
  path: string[];
  layers: LayerSummary[];
}

/** Block outputs among a model's articulation points up to (and with) `upTo`, or to its end. */
function blockOutputs(layers: LayerSummary[], upTo?: string): LayerSummary[] {
  const points = articulationPoints(layers);
  const end = upTo === undefined ? points.length - 1 : points.findIndex((l) => l.name === upTo);
  const within = points.slice(0, (end < 0 ? points.length - 1 : end) + 1);
  const cons = consumers(layers);
  return within.filter((l, i) => {
    if (i === within.length - 1) return true;
    if (l.layers) return true; // a nested backbone: entered below
    // an Add followed by its activation: the activation is the block's output
    if (BLOCK_END.has(l.className)) return !(/^(Add|Concatenate)$/.test(l.className) && ACTIVATIONS.has(within[i + 1]?.className ?? ''));
    if (ACTIVATIONS.has(l.className)) return true;
    return (cons.get(l.name)?.length ?? 0) >= 2;
  });
}

/**
 * Candidates of one model: its block outputs; a nested model that comes first (a backbone inside
 * a wrapper, as TM and Keras applications nest them) is entered, and what follows it is read
 * from the outer model — unless it is only pooling, which reads the same as the backbone pooled.
 */
function levelGroups(level: Level, upTo: string | undefined, offset: number): ProbeGroup[] {
  const outputs = blockOutputs(level.layers, upTo);
  const first = firstLayer(level.layers);
  const nested = outputs[0] && outputs[0] === first && first.layers ? (first as LayerSummary & { layers: LayerSummary[] }) : undefined;
  const at = (l: LayerSummary): number => offset + level.layers.indexOf(l);
  if (!nested) return [{ host: level.path, candidates: outputs.map((l) => ({ cut: l.name, read: l.name, depth: at(l), className: l.className })) }];
  const inner = levelGroups({ path: [...level.path, nested.name], layers: nested.layers }, undefined, offset);
  const innerSize = nested.layers.length;
  const rest = outputs.slice(1);
  if (rest.length > 0 && rest.every((l) => POOLING.has(l.className)) && level.layers.indexOf(rest[0]!) === level.layers.indexOf(nested) + 1) {
    // pooling right after the backbone reads what the backbone's last candidate, pooled, reads
    const lastGroup = inner.at(-1)!;
    const last = lastGroup.candidates.at(-1)!;
    const cut = rest.at(-1)!;
    lastGroup.candidates[lastGroup.candidates.length - 1] = { ...last, cut: cut.name, className: cut.className };
    return inner;
  }
  const outer: ProbeGroup = { host: level.path, candidates: rest.map((l) => ({ cut: l.name, read: l.name, depth: innerSize + at(l), className: l.className })) };
  return outer.candidates.length ? [...inner, outer] : inner;
}

export function planProbe(layers: LayerSummary[], defaultCut: string, max = 12): ProbePlan | undefined {
  const found = findLayer(layers, defaultCut);
  if (!found) return undefined;
  // down the nested models on the way to the default cut, as long as each starts with the next
  let level: Level = { path: [], layers };
  for (const name of found.path.slice(0, -1)) {
    const c = level.layers.find((l) => l.name === name);
    if (!c?.layers || firstLayer(level.layers) !== c) break;
    level = { path: [...level.path, name], layers: c.layers };
  }
  const upTo = level.layers.some((l) => l.name === defaultCut) ? defaultCut : undefined;
  const groups = levelGroups(level, upTo, 0);
  let all = groups.flatMap((g) => g.candidates);
  if (all.length > max) {
    const keep = new Set<number>([all.length - 1]);
    for (let k = 0; k < max - 1; k++) keep.add(Math.round((k * (all.length - 1)) / (max - 1)));
    const kept = new Set(all.filter((_, i) => keep.has(i)));
    for (const g of groups) g.candidates = g.candidates.filter((c) => kept.has(c));
    all = all.filter((c) => kept.has(c));
  }
  return { groups: groups.filter((g) => g.candidates.length > 0), candidates: all };
}

function firstLayer(layers: LayerSummary[]): LayerSummary | undefined {
  return layers.find((l) => l.className !== 'InputLayer');
}
