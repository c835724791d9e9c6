/**
 * Anchor priors for a grid head, picked from the training boxes by k-means with 1 − IoU as the
 * distance (YOLOv2): Euclidean k-means on (w, h) lets large boxes dominate, while IoU treats a
 * box twice another's size the same at any scale — and IoU is what the head's assignment uses.
 */
import { UserError } from '../errors';
import { rng } from '../random';
import { shapeIou } from './boxes';
import type { Anchor } from './grid';

export interface AnchorFit {
  /** Smallest first. */
  anchors: Anchor[];
  /** Mean over the boxes of their best anchor's IoU: how well k anchors cover the shapes (1 = perfectly). */
  meanIoU: number;
}

const best = (s: Anchor, centres: readonly Anchor[]): { index: number; fit: number } => {
  let index = 0;
  let fit = -1;
  centres.forEach((c, i) => { const v = shapeIou(s, c); if (v > fit) { fit = v; index = i; } });
  return { index, fit };
};

/** k-means++ seeding: each next centre drawn with probability ∝ distance² from the nearest one. */
function seedCentres(sizes: readonly Anchor[], k: number, random: () => number): Anchor[] {
  const centres: Anchor[] = [sizes[Math.floor(random() * sizes.length)]!];
  while (centres.length < k) {
    const d2 = sizes.map((s) => (1 - best(s, centres).fit) ** 2);
    const total = d2.reduce((a, b) => a + b, 0);
    let pick = random() * total;
    let i = 0;
    while (i < sizes.length - 1 && (pick -= d2[i]!) > 0) i++;
    centres.push(total > 0 ? sizes[i]! : sizes[centres.length]!);
  }
  return centres.map((c) => ({ ...c }));
}

/**
 * `k` anchors (normalised w, h) for the given box sizes (normalised too). Seeded: the same boxes
 * and seed give the same anchors.
 */
export function kmeansAnchors(sizes: readonly Anchor[], k: number, opts: { seed?: number; iterations?: number } = {}): AnchorFit {
  const valid = sizes.filter((s) => s.w > 0 && s.h > 0 && Number.isFinite(s.w) && Number.isFinite(s.h));
  const distinct = new Set(valid.map((s) => `${s.w},${s.h}`)).size;
  if (!(k >= 1 && Number.isInteger(k))) throw new UserError(`the number of anchors must be a positive integer, got ${k}`);
  if (distinct < k) {
    throw new UserError(`${k} anchors need at least ${k} different box sizes; the training boxes have ${distinct}`, { hint: `use at most ${Math.max(1, distinct)} anchor(s), or add more annotated images` });
  }
  const random = rng(opts.seed ?? 0);
  const centres = seedCentres(valid, k, random);
  let assignment = new Array<number>(valid.length).fill(-1);
  for (let it = 0; it < (opts.iterations ?? 100); it++) {
    const next = valid.map((s) => best(s, centres).index);
    if (next.every((c, i) => c === assignment[i])) break;
    assignment = next;
    for (let c = 0; c < k; c++) {
      const members = valid.filter((_, i) => assignment[i] === c);
      if (members.length) {
        centres[c] = { w: members.reduce((s, m) => s + m.w, 0) / members.length, h: members.reduce((s, m) => s + m.h, 0) / members.length };
      } else {
        // an empty cluster restarts on the box its nearest centre fits worst
        let worst = 0;
        valid.forEach((s, i) => { if (best(s, centres).fit < best(valid[worst]!, centres).fit) worst = i; });
        centres[c] = { ...valid[worst]! };
      }
    }
  }
  const meanIoU = valid.reduce((s, v) => s + best(v, centres).fit, 0) / valid.length;
  return { anchors: centres.sort((a, b) => a.w * a.h - b.w * b.h || a.w - b.w), meanIoU };
}
