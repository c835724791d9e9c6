/**
 * A detection run's evaluation: COCO's numbers as cards, AP per class, and a few evaluation images
 * with the true boxes (dashed) and the predicted ones (solid, label and score) drawn over their
 * thumbnails; and "Try an image" on a detector: the picked image with its predicted boxes, and
 * the list of them. Boxes are normalised, so they are placed in percentages of the image and stay
 * right at any thumbnail size. The report comes validated by the host; a prediction's boxes are
 * checked here, one by one, against the protocol's schema.
 */
import { DetectedBoxSchema, type DetectedBox, type EvaluationReport } from '../../src/core/protocol/reports';
import { h } from '../shared/vscodeApi';
import { basename, num, pct } from './format';
import { isNum } from './runModel';

type Detection = NonNullable<EvaluationReport['detection']>;
type Sample = Detection['samples'][number];

/** The files whose thumbnails the view draws on. */
export function detectionSampleFiles(r: EvaluationReport | undefined): string[] {
  return r?.detection?.samples?.map((s) => s.file).filter((f) => typeof f === 'string') ?? [];
}

const clamp = (v: number): number => Math.max(0, Math.min(1, isNum(v) ? v : 0));

function boxEl(kind: 'truth' | 'predicted', b: { x: number; y: number; w: number; h: number }, label: string): HTMLElement {
  const el = h('span', { class: `det-box ${kind}`, title: label }, kind === 'predicted' ? h('span', { class: 'det-tag' }, label) : null);
  const x = clamp(b.x);
  const y = clamp(b.y);
  el.style.left = `${x * 100}%`;
  el.style.top = `${y * 100}%`;
  el.style.width = `${(clamp(b.x + b.w) - x) * 100}%`;
  el.style.height = `${(clamp(b.y + b.h) - y) * 100}%`;
  return el;
}

type Drawn = { box: { x: number; y: number; w: number; h: number }; label: string };

/**
 * An image with boxes over it: true ones (dashed) and predicted ones (solid, "label score" tag).
 * The frame keeps the image's aspect ratio (`width`×`height`) before its thumbnail arrives, so the
 * boxes land where they will.
 */
function frameEl(src: string | undefined, alt: string, truth: Drawn[], predicted: (Drawn & { score: number })[], width: unknown, height: unknown, cls = ''): HTMLElement {
  const frame = h('span', { class: `det-frame${cls ? ` ${cls}` : ''}` },
    src ? h('img', { src, alt }) : h('span', { class: 'thumb-placeholder det-placeholder' }),
    ...truth.map((t) => boxEl('truth', t.box, t.label)),
    ...predicted.map((p) => boxEl('predicted', p.box, `${p.label} ${pct(p.score, 0)}`)));
  if (isNum(width) && isNum(height) && width > 0 && height > 0) frame.style.aspectRatio = `${width} / ${height}`;
  return frame;
}

function sample(s: Sample, src: string | undefined, open: (file: string) => void): HTMLElement {
  const truth = Array.isArray(s.truth) ? s.truth : [];
  const predicted = Array.isArray(s.predicted) ? s.predicted : [];
  const frame = frameEl(src, '', truth, predicted, s.width, s.height);
  const summary = `${truth.length} true, ${predicted.length} predicted`;
  return h('button', { class: 'det-sample', type: 'button', title: s.file, 'aria-label': `${basename(s.file)}: ${summary}: ${predicted.map((p) => `${p.label} ${pct(p.score, 0)}`).join(', ') || 'nothing found'}. Open the image.`, onclick: () => open(s.file) },
    frame, h('span', { class: 'muted det-caption' }, `${basename(s.file)} · ${summary}`));
}

export function detectionHeadline(r: EvaluationReport): [string, string, string?][] {
  const d = r.detection!;
  const cards: [string, string, string?][] = [
    ['mAP@0.5', pct(d.mAP50 ?? undefined), 'mean AP over classes, IoU ≥ 0.5'],
    ['mAP@[.5:.95]', pct(d.mAP ?? undefined), 'COCO: IoU 0.5 to 0.95'],
  ];
  if (d.meanIoU !== undefined) cards.push(['mean IoU', num(d.meanIoU ?? undefined, 3), `top box right on ${pct(d.correct ?? undefined)} of images`]);
  cards.push(['precision / recall', `${pct(d.precision ?? undefined, 0)} / ${pct(d.recall ?? undefined, 0)}`, `score ≥ ${d.scoreThreshold}, IoU ≥ 0.5`]);
  return cards;
}

export function detectionSections(r: EvaluationReport, thumbnails: Record<string, string>, open: (file: string) => void): HTMLElement[] {
  const d = r.detection!;
  const perClass = Array.isArray(d.perClass) ? d.perClass : [];
  const samples = Array.isArray(d.samples) ? d.samples : [];
  const bar = (v: number | null): HTMLElement => {
    const el = h('span', { class: 'f1-bar' });
    el.style.width = `${clamp(v ?? 0) * 100}%`;
    return h('span', { class: 'f1-track', 'aria-hidden': 'true' }, el);
  };
  return [
    h('h3', {}, 'Per class', h('span', { class: 'muted h-sub' }, `${d.head} head · ${d.truths} boxes`)),
    h('div', { class: 'table-scroll', tabindex: '0', 'aria-label': 'Average precision per class (scrollable)' }, h('table', { class: 'data per-class', id: 'detection-per-class' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'class'), h('th', { class: 'num', scope: 'col' }, 'AP@0.5'), h('th', { scope: 'col' }, ''), h('th', { class: 'num', scope: 'col' }, 'AP@[.5:.95]'), h('th', { class: 'num', scope: 'col' }, 'recall'), h('th', { class: 'num', scope: 'col' }, 'boxes'))),
      h('tbody', {}, ...perClass.map((c) => h('tr', { class: isNum(c.ap50) && c.ap50 < 0.5 ? 'weak' : '' },
        h('th', { scope: 'row' }, c.label),
        h('td', { class: 'num strong' }, pct(c.ap50 ?? undefined)), h('td', { class: 'f1-cell' }, bar(c.ap50)),
        h('td', { class: 'num' }, pct(c.ap ?? undefined)), h('td', { class: 'num' }, pct(c.recall50 ?? undefined)), h('td', { class: 'num' }, String(c.truths ?? '–'))))))),
    h('h3', {}, 'Boxes', h('span', { class: 'muted h-sub' },
      h('span', { class: 'legend-item' }, h('span', { class: 'swatch det-truth' }), 'true'),
      h('span', { class: 'legend-item' }, h('span', { class: 'swatch det-predicted' }), `predicted (score ≥ ${d.scoreThreshold})`))),
    h('div', { class: 'det-samples', id: 'detection-samples' }, ...samples.map((s) => sample(s, thumbnails[s.file], open))),
  ];
}

/** A prediction's boxes, each checked against the protocol's schema (a malformed box is left out); undefined when it has none (not a detector). */
export function predictedBoxes(v: unknown): DetectedBox[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.flatMap((x) => {
    const r = DetectedBoxSchema.safeParse(x);
    return r.success ? [r.data] : [];
  });
}

/**
 * "Try an image" on a detector: the picked image with the predicted boxes drawn over it, and the
 * boxes listed (label, score, where in the image's pixels); none above the score threshold said so.
 */
export function detectionPrediction(file: string, thumbnail: string | undefined, boxes: DetectedBox[], size: unknown, threshold: number | undefined): HTMLElement {
  const [width, height] = Array.isArray(size) && size.length === 2 ? size as unknown[] : [];
  const name = basename(file);
  const frame = frameEl(thumbnail, name, [], boxes, width, height, 'try-frame');
  frame.id = 'try-frame';
  const above = isNum(threshold) ? `score ≥ ${threshold}` : "the model's score threshold";
  const px = (v: number): string => String(Math.round(v));
  const list = boxes.length
    ? h('ol', { class: 'det-list', id: 'try-boxes', 'aria-label': 'Boxes found' }, ...boxes.map((b) => h('li', {},
      h('span', { class: 'swatch det-predicted', 'aria-hidden': 'true' }),
      h('span', { class: 'det-list-label' }, b.label),
      h('span', { class: 'mono det-list-score' }, pct(b.score)),
      h('span', { class: 'muted mono det-list-where', title: 'left, top · width × height in the image\'s pixels' }, `${px(b.pixels.x)}, ${px(b.pixels.y)} · ${px(b.pixels.w)} × ${px(b.pixels.h)} px`))))
    : h('p', { class: 'muted empty-note', id: 'try-no-boxes' }, `No boxes above the threshold (${above}).`);
  const facts = [boxes.length ? `${boxes.length} ${boxes.length === 1 ? 'box' : 'boxes'}, ${above}` : null, isNum(width) && isNum(height) ? `image ${width} × ${height} px` : null].filter((f): f is string => !!f);
  return h('div', { class: 'prediction detection-prediction' },
    frame,
    h('div', { class: 'prediction-body' },
      h('div', { class: 'mono path', title: file }, name),
      facts.length ? h('div', { class: 'muted det-list-facts' }, facts.join(' · ')) : null,
      list));
}
