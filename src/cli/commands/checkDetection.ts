/**
 * `check` for a detection recipe: the annotations read and validated (every problem names the file
 * and the entry), the head core chooses from them, the cut's feature map, the grid and its
 * anchors, the budget and what early stopping watches. Nothing is trained or written.
 */
import { hasGrid } from '../../core/detection/model';
import { formatCount } from '../../core/modelSummary';
import { coarseGridWarning, detectionImages, resolveDetection } from '../../core/recipe/detection';
import { checkOutputFolder, type ResolvedRecipe } from '../../core/recipe/resolve';
import { phaseBudgets } from '../../core/training/budget';
import { UserError } from '../../core/errors';
import { readBoxDataset } from '../../engine/tfjs/data/annotations';
import { anchorsFor, buildDetector } from '../../engine/tfjs/detection/model';
import { loadModel } from '../../engine/tfjs/io/load';
import { imageSpecFor } from '../../engine/tfjs/recipe';
import { withInputSize } from '../../engine/tfjs/surgery/inputSize';
import type { Cli } from '../context';

export async function checkDetection(recipe: ResolvedRecipe, cli: Cli, json: boolean): Promise<number> {
  if (!recipe.data) throw new UserError('the recipe has no "data": a detection recipe needs box annotations', { file: recipe.file, jsonPath: '/data', hint: 'add "data": { "train": "annotations.json" } (COCO), a Pascal VOC folder or a box CSV' });
  checkOutputFolder(recipe.output, recipe.model, recipe.file);
  const images = detectionImages(recipe);
  const train = await readBoxDataset(recipe.data.train, { images, labels: recipe.data.labels });
  for (const extra of [recipe.data.validation, recipe.data.test]) if (extra) await readBoxDataset(extra, { images, labels: train.labels });
  const boxes = train.images.flatMap((im) => im.boxes.filter((b) => !b.difficult));
  const facts = {
    maxBoxesPerImage: Math.max(0, ...train.images.map((im) => im.boxes.length)),
    distinctSizes: new Set(boxes.map((b) => `${b.box.w.toFixed(4)}x${b.box.h.toFixed(4)}`)).size,
  };
  const settings = resolveDetection(recipe, facts);
  const loaded = await loadModel(recipe.model);
  const image = imageSpecFor(loaded, recipe);
  if (recipe.data.imageSize) loaded.model = await withInputSize(loaded.model, image.height, image.width, recipe.file);
  const fit = anchorsFor(settings.head, settings.anchors, train.images, recipe.training.seed);
  const det = buildDetector(loaded.model, recipe, settings, train.labels.length, fit.anchors);
  const hasValidation = recipe.data.validation !== undefined || recipe.data.validationSplit > 0;
  const budgets = phaseBudgets(recipe.training, { task: 'detection', hasValidation, cached: recipe.data.cache !== 'off', file: recipe.file });
  if (json) {
    cli.out(JSON.stringify({ ok: true, task: 'detection', format: train.format, images: train.images.length, boxes: boxes.length, skipped: train.skipped, warnings: train.warnings, labels: train.labels, head: settings.head, headReason: settings.headReason, cut: det.cut.cut, cutReason: det.cut.reason, featureShape: det.featureShape, detection: det.spec, anchorFit: fit.meanIoU, output: recipe.output, budgets, image }, null, 2));
    return 0;
  }
  const spec = det.spec;
  cli.out([
    `${recipe.file}: ok (detection)`,
    `  source: ${loaded.source}`,
    `  boxes: ${train.format.toUpperCase()} ${train.source}: ${train.images.length} images, ${boxes.length} boxes, up to ${facts.maxBoxesPerImage} per image${train.skipped.length ? `, ${train.skipped.length} image(s) skipped (${train.skipped.slice(0, 2).map((s) => `${s.file}: ${s.reason}`).join('; ')})` : ''}`,
    `  labels (${train.labels.length}): ${train.labels.join(', ')}`,
    ...train.warnings.slice(0, 5).map((w) => `  warning: ${w}`),
    `  head: ${settings.head} — ${settings.headReason}`,
    `  cut: ${det.cut.cut}${det.cut.isDefault ? ' (default)' : ''} → feature map [${det.featureShape.join(', ')}]`,
    ...(det.cut.reason ? [`    ${det.cut.reason}`] : []),
    ...(hasGrid(spec) ? [`  grid: ${spec.rows}×${spec.cols} cells × ${spec.anchors.length} anchors (k-means on the ${spec.head === 'grid' ? 'training boxes' : 'images\' primary boxes'}, mean IoU ${fit.meanIoU.toFixed(3)}): ${spec.anchors.map((a) => `${a.w.toFixed(3)}×${a.h.toFixed(3)}`).join(', ')}${spec.head === 'localiser' ? '; the best-scoring box is the answer' : ''}`] : []),
    ...(hasGrid(spec) && coarseGridWarning(spec.rows, spec.cols) ? [`  warning: ${coarseGridWarning(spec.rows, spec.cols)}`] : []),
    `  frozen: the whole base (${det.frozen.length} layers): feature maps are computed once${recipe.data.cache === 'off' ? ' per batch (cache off)' : ' and cached'}`,
    `  input: ${image.height}×${image.width}×${image.channels} (images stretched to it), preprocess ${image.preprocess} (${image.preprocessSource})`,
    `  predict: boxes scoring ≥ ${spec.scoreThreshold}, NMS at IoU ${spec.iouThreshold}, at most ${spec.maxDetections} per image`,
    `  output folder: ${recipe.output}`,
    ...budgets.map((b) => `  ${b.phase}: up to ${b.epochs} epochs at learning rate ${b.learningRate}, ${b.schedule.type} schedule, ${b.monitor.patience !== undefined ? `early stopping on ${b.monitor.metric} (${b.monitor.mode === 'max' ? 'higher is better' : 'lower is better'}, patience ${b.monitor.patience}, best epoch kept)` : b.monitor.note ?? 'no early stopping'}`),
    `New head params: ${formatCount(det.head.countParams())}`,
  ].join('\n'));
  return 0;
}
