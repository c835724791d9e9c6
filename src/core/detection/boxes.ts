/**
 * Boxes. One convention inside Transfer Studio: normalised xywh from the top-left corner —
 * `x`, `y` the corner and `w`, `h` the size, as fractions of the image's width and height — so a
 * box survives any resize of its image unchanged. Pixel coordinates are continuous and 0-based:
 * pixel column i covers [i, i + 1), so a box over columns 10…19 is x1 = 10, x2 = 20 (COCO's own).
 * The converters below take each format's convention to this one and back.
 */

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ImageSize {
  width: number;
  height: number;
}

/** Corners in the same units as the box they came from: left, top, right, bottom. */
export interface Corners {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export const corners = (b: Box): Corners => ({ x1: b.x, y1: b.y, x2: b.x + b.w, y2: b.y + b.h });

export const fromCorners = (c: Corners): Box => ({ x: c.x1, y: c.y1, w: c.x2 - c.x1, h: c.y2 - c.y1 });

/** Pixel corners (0-based, right/bottom exclusive) → normalised box. */
export function fromPixelCorners(c: Corners, size: ImageSize): Box {
  return { x: c.x1 / size.width, y: c.y1 / size.height, w: (c.x2 - c.x1) / size.width, h: (c.y2 - c.y1) / size.height };
}

export function toPixelCorners(b: Box, size: ImageSize): Corners {
  return { x1: b.x * size.width, y1: b.y * size.height, x2: (b.x + b.w) * size.width, y2: (b.y + b.h) * size.height };
}

/** COCO `bbox`: [x, y, width, height] in pixels from the top-left corner. */
export function fromCoco(bbox: readonly [number, number, number, number], size: ImageSize): Box {
  const [x, y, w, h] = bbox;
  return fromPixelCorners({ x1: x, y1: y, x2: x + w, y2: y + h }, size);
}

export function toCoco(b: Box, size: ImageSize): [number, number, number, number] {
  return [b.x * size.width, b.y * size.height, b.w * size.width, b.h * size.height];
}

/**
 * Pascal VOC `<bndbox>` → pixel corners. VOC counts pixels from 1 and both ends are inclusive
 * (xmin = 1, xmax = 10 is the first ten columns), so the left edge is xmin − 1 and the right edge
 * is xmax: xmin = xmax is a one-pixel box, not an empty one.
 */
export function vocToPixelCorners(xmin: number, ymin: number, xmax: number, ymax: number): Corners {
  return { x1: xmin - 1, y1: ymin - 1, x2: xmax, y2: ymax };
}

export function fromVoc(bndbox: readonly [number, number, number, number], size: ImageSize): Box {
  return fromPixelCorners(vocToPixelCorners(...bndbox), size);
}

/** Normalised box → VOC [xmin, ymin, xmax, ymax] (1-based, inclusive; exact for whole-pixel boxes). */
export function toVoc(b: Box, size: ImageSize): [number, number, number, number] {
  const c = toPixelCorners(b, size);
  return [c.x1 + 1, c.y1 + 1, c.x2, c.y2];
}

/** YOLO label line: [centre x, centre y, width, height], already normalised. */
export function fromYolo(v: readonly [number, number, number, number]): Box {
  const [cx, cy, w, h] = v;
  return { x: cx - w / 2, y: cy - h / 2, w, h };
}

export function toYolo(b: Box): [number, number, number, number] {
  return [b.x + b.w / 2, b.y + b.h / 2, b.w, b.h];
}

/** Area; an inverted box (negative w or h) has none. */
export function area(b: Box): number {
  return Math.max(0, b.w) * Math.max(0, b.h);
}

export function intersection(a: Box, b: Box): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Intersection over union; 0 when both boxes are empty (nothing to overlap). */
export function iou(a: Box, b: Box): number {
  const inter = intersection(a, b);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Generalised IoU (Rezatofighi et al. 2019): IoU − (enclosing area − union) / enclosing area, in
 * (−1, 1]. Unlike IoU it still says how far apart two boxes are when they do not overlap, which
 * is why it works as a loss.
 */
export function giou(a: Box, b: Box): number {
  const inter = intersection(a, b);
  const union = area(a) + area(b) - inter;
  const cw = Math.max(a.x + a.w, b.x + b.w) - Math.min(a.x, b.x);
  const ch = Math.max(a.y + a.h, b.y + b.h) - Math.min(a.y, b.y);
  const enclosing = cw * ch;
  if (enclosing <= 0) return 0;
  return (union > 0 ? inter / union : 0) - (enclosing - union) / enclosing;
}

/** IoU of two sizes placed on the same centre: how well an anchor's shape fits a box's shape. */
export function shapeIou(a: { w: number; h: number }, b: { w: number; h: number }): number {
  const inter = Math.min(a.w, b.w) * Math.min(a.h, b.h);
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/** The part of `b` inside [0, 1]² (normalised) — or inside [0, width]×[0, height] when `size` is given. */
export function clip(b: Box, size: ImageSize = { width: 1, height: 1 }): Box {
  const x1 = Math.min(Math.max(b.x, 0), size.width);
  const y1 = Math.min(Math.max(b.y, 0), size.height);
  const x2 = Math.min(Math.max(b.x + b.w, 0), size.width);
  const y2 = Math.min(Math.max(b.y + b.h, 0), size.height);
  return { x: x1, y: y1, w: x2 - x1, h: y2 - y1 };
}

/** Scales a normalised box to pixels (x, y, w, h), e.g. to draw it. */
export function toPixels(b: Box, size: ImageSize): Box {
  return { x: b.x * size.width, y: b.y * size.height, w: b.w * size.width, h: b.h * size.height };
}

/**
 * How far a pixel box may stick out of its image and still be clipped rather than refused:
 * annotation tools round, and VOC files written as 0-based put xmin = 0 (one pixel left of the
 * image in VOC's 1-based counting). Beyond this the box is more likely wrong than sloppy.
 */
export function clipTolerance(side: number): number {
  return Math.max(2, 0.02 * side);
}

export type Placed = { box: Box; clipped: boolean } | { problem: string };

/**
 * A pixel box (0-based corners, non-empty) checked against its image: inside → normalised; a
 * little outside → clipped; far outside, or nothing left after clipping → a problem to report.
 */
export function placePixelBox(c: Corners, size: ImageSize): Placed {
  const { width: W, height: H } = size;
  const over = c.x1 < 0 || c.y1 < 0 || c.x2 > W || c.y2 > H;
  if (!over) return { box: fromPixelCorners(c, size), clipped: false };
  const fmt = (v: number): string => String(Math.round(v * 100) / 100);
  const outside = `lies outside the ${W}×${H} image`;
  if (c.x2 <= 0 || c.y2 <= 0 || c.x1 >= W || c.y1 >= H) return { problem: outside };
  const tx = clipTolerance(W);
  const ty = clipTolerance(H);
  const far: string[] = [];
  if (c.x1 < -tx) far.push(`left edge at x = ${fmt(c.x1)}`);
  if (c.y1 < -ty) far.push(`top edge at y = ${fmt(c.y1)}`);
  if (c.x2 > W + tx) far.push(`right edge at x = ${fmt(c.x2)}`);
  if (c.y2 > H + ty) far.push(`bottom edge at y = ${fmt(c.y2)}`);
  if (far.length) return { problem: `extends beyond the ${W}×${H} image (${far.join(', ')})` };
  const inside = clip({ x: c.x1, y: c.y1, w: c.x2 - c.x1, h: c.y2 - c.y1 }, size);
  if (inside.w <= 0 || inside.h <= 0) return { problem: outside };
  return { box: fromPixelCorners({ x1: inside.x, y1: inside.y, x2: inside.x + inside.w, y2: inside.y + inside.h }, size), clipped: true };
}
