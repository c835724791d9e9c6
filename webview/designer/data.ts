/** Section 4, Task and data: the task, the data folders, preprocessing, augmentation and the dataset report. */
import type { DatasetReport } from '../../src/core/protocol/reports';
import type { DesignerState } from '../../src/core/protocol/designer';
import { richText } from '../shared/richText';
import { h } from '../shared/vscodeApi';
import { DEFAULTS } from './defaults';
import { getAt, TextControl, type Form } from './fields';
import { button, message, section } from './ui';

const PREPROCESS = [
  { value: '0,1', label: '0,1', description: 'Divide by 255' },
  { value: '-1,1', label: '-1,1', description: 'Map to [-1, 1] (Teachable Machine, MobileNet)' },
  { value: 'imagenet', label: 'imagenet', description: 'Subtract the ImageNet mean, divide by its std' },
  { value: 'none', label: 'none', description: 'Keep 0–255' },
];

const several = (s: DesignerState): boolean => Array.isArray(s.recipe?.heads) && s.recipe.heads.length > 0;

function modelSize(s: DesignerState): [number, number] | undefined {
  const shape = s.model.summary?.inputShape;
  if (!shape || shape.length !== 4) return undefined;
  const [, hgt, w] = shape;
  const meta = s.model.summary?.metadata.imageSize;
  return [hgt ?? meta ?? 224, w ?? meta ?? 224];
}

export function dataSection(form: Form): HTMLElement {
  const sec = section('data', 'Task and data', 'What the adapted model predicts and the images it learns from. Paths are relative to the recipe.');

  const browse = (field: 'train' | 'validation' | 'test'): HTMLElement =>
    button('Browse…', { secondary: true, icon: 'folder-opened', id: `browse-${field}`, title: `Pick the ${field} folder or CSV`, onClick: () => form.post({ type: 'pickData', field }) });

  // image size: two numbers written together as [height, width]
  const sizePart = (i: 0 | 1, label: string): TextControl =>
    new TextControl({
      label,
      parse: 'integer',
      width: 'xs',
      placeholder: (s) => String(modelSize(s)?.[i] ?? 224),
      read: (s) => (getAt(s.recipe, ['data', 'imageSize', i]) as number | undefined),
      validate: (v) => (v !== undefined && (!Number.isInteger(v) || (v as number) <= 0) ? 'expected a whole number of pixels' : undefined),
      write: (v) => {
        const s = form.state;
        const other = getAt(s?.recipe, ['data', 'imageSize', 1 - i]) as number | undefined;
        const fallback = s ? modelSize(s)?.[1 - i] : undefined;
        if (v === undefined && (other === undefined || other === fallback)) { form.set(['data', 'imageSize'], undefined); return; }
        const size: [number, number] = [0, 0];
        size[i] = (v as number | undefined) ?? (s ? modelSize(s)?.[i] : undefined) ?? 224;
        size[1 - i] = other ?? fallback ?? 224;
        form.set(['data', 'imageSize'], size);
      },
    });
  const hPart = sizePart(0, 'Image height');
  const wPart = sizePart(1, 'Image width');
  const sizeSlot = h('div', { class: 'setting-problem' });
  form.problems.register('/data/imageSize', sizeSlot, hPart.el, wPart.el);
  const sizeDesc = h('div', { class: 'setting-desc' });
  const sizeSetting = h('div', { class: 'setting', dataset: { path: '/data/imageSize' } },
    h('label', { class: 'setting-label', for: hPart.el.id }, 'Image size'),
    sizeDesc,
    h('div', { class: 'setting-control' }, hPart.el, h('span', { class: 'times', 'aria-hidden': 'true' }, '×'), wPart.el),
    sizeSlot, hPart.local, wPart.local);
  form.onState((s) => {
    hPart.update(s);
    wPart.update(s);
    const m = modelSize(s);
    sizeDesc.textContent = `Height × width the images are resized to. Default: the model's input${m ? ` (${m[0]} × ${m[1]})` : ''}.`;
  });

  const taskGrid = h('div', { class: 'settings-grid' },
    form.select(['task'], {
      label: 'Task',
      wide: true,
      // several heads name their tasks; a "task" left beside them shows here with its problem
      hidden: (s) => several(s) && s.recipe?.task === undefined,
      description: 'single-label: one class per image (softmax); multi-label: any number of classes (sigmoid); regression: numbers (linear); detection: boxes and their classes (COCO, Pascal VOC or a box CSV).',
      choices: [
        { value: '', label: `Default (${DEFAULTS.task})` },
        { value: 'single-label', label: 'single-label', description: 'One class per image (softmax)' },
        { value: 'multi-label', label: 'multi-label', description: 'Any number of classes per image (sigmoid)' },
        { value: 'regression', label: 'regression', description: 'Predict numbers (linear)' },
        { value: 'detection', label: 'detection', description: 'Find objects: a box and a class for each' },
      ],
    }),
  );
  const headsNote = h('p', { class: 'muted', id: 'task-heads-note', hidden: true }, 'Several heads: each names its task and CSV column(s) under Heads. The training CSV has a header row naming its columns (path,COLUMN,…).');
  form.onState((s) => { headsNote.hidden = !several(s); });
  const detecting = (s: { recipe?: { task?: string } }): boolean => s.recipe?.task === 'detection';
  const detection = h('div', { class: 'settings-grid', id: 'detection-settings' },
    form.select(['detection', 'head'], {
      label: 'Detection head',
      hidden: (s) => !detecting(s),
      description: 'auto: a single-object localiser when no image has more than one box, else a grid of anchors on the feature map (NMS at predict time).',
      choices: [{ value: '', label: 'Default (auto)' }, { value: 'localiser', label: 'localiser', description: 'One class and box per image' }, { value: 'grid', label: 'grid', description: 'Many objects: anchors per cell, YOLO style' }],
    }),
    form.text(['detection', 'anchors'], { label: 'Anchors per cell', parse: 'number', width: 's', placeholder: String(DEFAULTS.detection.anchors), hidden: (s) => !detecting(s), description: 'Grid head: box shapes picked from the training boxes by k-means.' }),
    form.text(['detection', 'scoreThreshold'], { label: 'Score threshold', parse: 'number', width: 's', placeholder: String(DEFAULTS.detection.scoreThreshold), hidden: (s) => !detecting(s), description: 'Predict returns boxes scoring at least this.' }),
    form.text(['data', 'images'], { label: 'Image folder', parse: 'string', wide: true, width: 'l', placeholder: 'beside the annotations', hidden: (s) => !detecting(s), description: 'The folder the annotations\' image paths are relative to.' }),
  );

  const folders = h('div', { class: 'settings-grid' },
    form.text(['data', 'train'], {
      label: 'Training data', parse: 'string', wide: true, width: 'l', placeholder: 'path/to/class-folders or labels.csv', extra: [browse('train')],
      description: (s) => (several(s)
        ? `A CSV with a header row: the image path, then the heads' columns${s.csv && !s.csv.error ? ` (this one has ${s.csv.columns.join(', ')})` : ''}.`
        : 'A folder with one sub-folder per class, or a CSV (path,label).'),
    }),
    form.text(['data', 'validation'], { label: 'Validation data', parse: 'string', wide: true, width: 'l', placeholder: 'a split of the training data', description: 'Optional: a separate folder or CSV. Without it, a stratified split of the training data is used.', extra: [browse('validation')] }),
    form.text(['data', 'test'], { label: 'Test data', parse: 'string', wide: true, width: 'l', placeholder: 'none', description: 'Optional: held back for the final evaluation only.', extra: [browse('test')] }),
  );

  const options = h('div', { class: 'settings-grid' },
    form.text(['data', 'validationSplit'], {
      label: 'Validation split', parse: 'number', width: 's', placeholder: String(DEFAULTS.validationSplit),
      description: (s) => (getAt(s.recipe, ['data', 'validation']) ? 'Not used: a validation folder is set.' : 'Fraction of the training data kept for validation (0–0.9).'),
    }),
    form.select(['data', 'preprocess'], {
      label: 'Preprocessing',
      description: 'How pixels are scaled before they reach the model.',
      choices: (s) => [{ value: '', label: `Default (${s.model.summary?.metadata.preprocess ? `${s.model.summary.metadata.preprocess}, from the model's metadata` : 'by model'})` }, ...PREPROCESS],
    }),
    sizeSetting,
    form.select(['data', 'cache'], {
      label: 'Feature cache',
      description: 'Cache the frozen base\'s outputs when nothing below the cut trains and augmentation is off.',
      choices: [{ value: '', label: 'Default (auto)' }, { value: 'auto', label: 'auto' }, { value: 'memory', label: 'memory' }, { value: 'disk', label: 'disk' }, { value: 'off', label: 'off' }],
      width: 's',
    }),
  );

  const augment = h('div', { class: 'settings-grid' },
    form.check(['data', 'augment', 'flip'], { title: 'Flip', label: 'Random horizontal flips' }),
    form.text(['data', 'augment', 'rotate'], { label: 'Rotate', parse: 'number', width: 's', placeholder: 'off', description: 'Random rotation up to ± this many degrees (0–45).' }),
    form.text(['data', 'augment', 'zoom'], { label: 'Zoom', parse: 'number', width: 's', placeholder: 'off', description: 'Random crop-and-zoom up to this fraction (0–0.5).' }),
    form.text(['data', 'augment', 'brightness'], { label: 'Brightness', parse: 'number', width: 's', placeholder: 'off', description: 'Random brightness change up to ± this fraction (0–1).' }),
  );

  const dataProblems = h('div', {});
  form.problems.register('/data', dataProblems);

  const report = datasetReport(form);
  sec.body.append(
    taskGrid, headsNote, detection,
    h('h3', { class: 'sub' }, 'Data'), dataProblems, folders, options,
    h('h3', { class: 'sub' }, 'Augmentation'), h('p', { class: 'sub-desc' }, 'Random changes to training images (never to validation or test images). Any augmentation turns the feature cache off.'), augment,
    report,
  );
  return sec.el;
}

function datasetReport(form: Form): HTMLElement {
  const body = h('div', { class: 'report-body' });
  const refresh = button('Refresh', { secondary: true, icon: 'refresh', id: 'refresh-dataset', title: 'Read the data folders again', onClick: () => form.post({ type: 'refreshDataset' }) });
  const el = h('div', { class: 'report', id: 'dataset-report' }, h('div', { class: 'report-header' }, h('h3', { class: 'sub' }, 'Dataset'), refresh), body);
  let shown: unknown;
  form.onState((s) => {
    const d = s.dataset;
    refresh.disabled = !s.recipe?.data?.train || d.status === 'loading';
    if (d === shown) return;
    shown = d;
    if (d.status === 'loading') body.replaceChildren(message('info', 'Reading the dataset…', 'loading codicon-modifier-spin'));
    else if (d.status === 'error') body.replaceChildren(message('error', h('div', {}, h('p', {}, 'The dataset could not be read.'), h('p', {}, richText(d.error ?? '')))));
    else if (d.status === 'ok' && d.report) body.replaceChildren(renderReport(d.report, d.thumbnails ?? {}));
    else body.replaceChildren(h('p', { class: 'muted' }, s.recipe?.data?.train ? 'The dataset has not been read yet.' : 'Set the training data to see its classes, counts and a few images.'));
  });
  return el;
}

function renderReport(r: DatasetReport, thumbs: Record<string, string[]>): HTMLElement {
  const out = h('div', { class: 'report-content' });
  const total = r.total.train + r.total.validation + r.total.test;
  const heads = r.heads?.length ? r.heads : undefined;
  out.append(h('p', { class: 'report-summary' },
    h('strong', {}, `${total.toLocaleString('en-US')} images`),
    ` · ${r.total.train} train · ${r.total.validation} validation · ${r.total.test} test`,
    heads ? ` · ${heads.length} heads` : r.task !== 'regression' ? ` · ${r.labels.length} classes` : ` · ${r.labels.length} targets`,
    ` · ${r.imageSize[0]} × ${r.imageSize[1]} × ${r.channels}`,
    ` · preprocess ${r.preprocess}`,
    r.streaming ? ' · streamed from disk' : ''));
  for (const w of r.warnings) out.append(message('warning', w));
  if (heads) {
    // several heads: each its labelled images (a cell may be empty) and its classes; a few images of any
    for (const x of heads) {
      const n = x.task === 'regression' ? '' : ` · ${x.classes.length} classes`;
      out.append(h('div', { class: 'report-head', dataset: { head: x.name } },
        h('h4', {}, x.name, h('span', { class: 'muted' }, ` ${x.task}${n} · labelled ${x.labelled.train} train · ${x.labelled.validation} validation · ${x.labelled.test} test`)),
        ...(x.classes.length ? [classTable(x.classes, undefined, `Images per class of head ${x.name}`)] : [])));
    }
    const some = Object.values(thumbs).flat().slice(0, 8);
    if (some.length) out.append(h('div', { class: 'c-thumbs report-examples', 'aria-label': 'A few training images' }, ...some.map((src, i) => h('img', { src, alt: `training image ${i + 1}`, class: 'thumb', width: 36, height: 36 }))));
  } else if (r.classes.length) out.append(classTable(r.classes, thumbs, 'Images per class'));
  if (r.skipped.length) {
    const details = h('details', { class: 'skipped' }, h('summary', {}, `${r.skipped.length} file${r.skipped.length === 1 ? '' : 's'} skipped`));
    const list = h('ul', {});
    for (const s of r.skipped.slice(0, 50)) list.append(h('li', {}, h('span', { class: 'mono' }, s.file), ` — ${s.reason}`));
    if (r.skipped.length > 50) list.append(h('li', { class: 'muted' }, `… and ${r.skipped.length - 50} more`));
    details.append(list);
    out.append(details);
  } else out.append(h('p', { class: 'muted small' }, 'No files skipped.'));
  return out;
}

function classTable(classes: DatasetReport['classes'], thumbs: Record<string, string[]> | undefined, label: string): HTMLElement {
  const max = Math.max(1, ...classes.map((c) => c.train));
  const withThumbs = thumbs !== undefined;
  const table = h('table', { class: 'class-table', 'aria-label': label },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Class'), h('th', { scope: 'col', class: 'c-bar' }, h('span', { class: 'sr-only' }, 'Share of the training images')), h('th', { scope: 'col', class: 'num' }, 'Train'), h('th', { scope: 'col', class: 'num' }, 'Val'), h('th', { scope: 'col', class: 'num' }, 'Test'), withThumbs ? h('th', { scope: 'col' }, 'Examples') : null)));
  const tbody = h('tbody');
  for (const c of classes) {
    const fill = h('div', { class: 'count-fill' });
    fill.style.width = `${((100 * c.train) / max).toFixed(1)}%`;
    const imgs = (thumbs?.[c.label] ?? []).slice(0, 4).map((src, i) => h('img', { src, alt: `${c.label} example ${i + 1}`, class: 'thumb', width: 36, height: 36 }));
    tbody.append(h('tr', {},
      h('th', { scope: 'row', class: 'c-label', title: c.label }, c.label),
      h('td', { class: 'c-bar' }, h('div', { class: 'count-bar', role: 'img', 'aria-label': `${c.train} training images` }, fill)),
      h('td', { class: 'num' }, String(c.train)),
      h('td', { class: 'num' }, String(c.validation)),
      h('td', { class: 'num' }, String(c.test)),
      withThumbs ? h('td', { class: 'c-thumbs' }, ...(imgs.length ? imgs : [h('span', { class: 'muted' }, '–')])) : null));
  }
  table.append(tbody);
  return table;
}
