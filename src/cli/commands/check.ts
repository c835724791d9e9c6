import { datasetOutputs } from '../../core/data/labels';
import { layerTable } from '../../core/format/layers';
import { isPyTorchModel } from '../../core/recipe/modelRef';
import { checkOutputFolder, type ResolvedRecipe } from '../../core/recipe/resolve';
import { torchvisionBase, torchvisionClassifier, torchvisionCutChoice, torchvisionFrozen, torchvisionHead } from '../../core/torchvision';
import { inspectTorchModel } from '../../engine/pytorch/models';
import { formatCount } from '../../core/modelSummary';
import { UserError } from '../../core/errors';
import { phaseBudgets } from '../../core/training/budget';
import { leafLayers } from '../../engine/tfjs/surgery/layers';
import { adaptedSummary, imageSpecFor, planAdaptation, readRecipe } from '../../engine/tfjs/recipe';
import { parse } from '../args';
import { checkDetection } from './checkDetection';
import type { Cli } from '../context';

export const usage = 'transfer-studio check RECIPE [--python PATH] [--json]';

export async function check(argv: string[], cli: Cli): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' }, python: { type: 'string' } }, usage);
  if (positionals.length !== 1) throw new UserError(`expected one RECIPE\nusage: ${usage}`);
  const recipe = readRecipe(positionals[0]!);
  if (isPyTorchModel(recipe.model)) return checkTorchvision(recipe, cli, values.python, !!values.json);
  await cli.backend('auto');
  if (recipe.task === 'detection') return checkDetection(recipe, cli, !!values.json);
  const plan = await planAdaptation(recipe);
  const summary = adaptedSummary(plan);
  const image = imageSpecFor(plan.loaded, recipe);
  const headNames = new Set(plan.adapted.head.layers.map((l) => l.name));
  const augment = recipe.data?.augment && Object.values(recipe.data.augment).some((v) => v);
  const cached = plan.adapted.baseFrozen && !augment && recipe.data?.cache !== 'off';
  const hasValidation = recipe.data !== undefined && (recipe.data.validation !== undefined || recipe.data.validationSplit > 0);
  const heads = plan.multiTask?.heads;
  const budgets = phaseBudgets(recipe.training, { task: recipe.task, hasValidation, cached, file: recipe.file, heads });
  if (values.json) {
    cli.out(JSON.stringify({ ok: true, cut: plan.adapted.cut, cutReason: plan.adapted.cutReason, frozen: [...plan.adapted.frozen], outputs: plan.outputs, output: recipe.output, fastPath: cached, budgets, image, summary, ...(heads ? { heads, baseline: recipe.training.baseline } : {}) }, null, 2));
    return 0;
  }
  const frozenCount = leafLayers(plan.adapted.base).filter((l) => plan.adapted.frozen.has(l.name)).length;
  cli.out([
    `${recipe.file}: ok`,
    `  source: ${plan.loaded.source}`,
    `  cut: ${plan.adapted.cut}${plan.adapted.cutIsDefault ? ' (default)' : ''} → features [${plan.adapted.featureShape.join(', ')}]`,
    ...(plan.adapted.cutReason ? [`    ${plan.adapted.cutReason}`] : []),
    `  frozen: ${frozenCount} of ${leafLayers(plan.adapted.base).length} base layers${plan.adapted.baseFrozen ? ' (whole base: features are computed once and cached)' : ''}`,
    ...(heads
      ? [
        `  shared layers: ${plan.adapted.headSpec.map((l) => l.type + (l.type === 'Dense' && l.units ? ` ${l.units}` : '')).join(' → ') || '(none)'}`,
        ...heads.map((h) => `  head ${h.name}: ${h.task}, column ${h.columns.join(', ')}, ${h.units} output${h.units > 1 ? 's' : ''} (${h.labels.join(', ')}), loss ×${h.lossWeight}`),
        `  baseline: ${recipe.training.baseline === 'single-task' ? 'each head also trained alone (single-task), to show what sharing gains or costs each head' : recipe.training.baseline}`,
      ]
      : [`  outputs (${plan.outputs.length}): ${plan.outputs.join(', ')}`]),
    `  input: ${image.height}×${image.width}×${image.channels}, preprocess ${image.preprocess} (${image.preprocessSource})`,
    `  output folder: ${recipe.output}`,
    ...budgets.map((b) => `  ${b.phase}: up to ${b.epochs} epochs at learning rate ${b.learningRate}, ${b.schedule.type} schedule, ${b.monitor.patience !== undefined ? `early stopping on ${b.monitor.metric} (patience ${b.monitor.patience}, best epoch kept)` : b.monitor.note ?? 'no early stopping'}`),
    `  features standardised: ${recipe.training.standardize ? 'yes (training-split statistics, folded into the saved model)' : 'no'}`,
    '',
    layerTable(summary, { frozen: plan.adapted.frozen, cut: plan.adapted.cut, head: headNames }),
    `New head params: ${formatCount(plan.adapted.head.countParams())}`,
  ].join('\n'));
  return 0;
}

/** A torchvision / TorchScript recipe: its tree from the PyTorch worker, the plan decided in core as the engine does (core/torchvision.ts). */
async function checkTorchvision(recipe: ResolvedRecipe, cli: Cli, python: string | undefined, json: boolean): Promise<number> {
  const size = recipe.data?.imageSize ?? [224, 224];
  const summary = await inspectTorchModel(recipe.model, { weights: recipe.weights, inputSize: size, python }, (m) => { if (cli.verbose) cli.err(m); });
  const base = torchvisionBase(summary, recipe.cut, recipe.file);
  const frozen = torchvisionFrozen(summary, base, recipe.freeze, recipe.cut, recipe.file);
  const { head } = torchvisionHead(recipe.head, recipe.training.standardize);
  const outputs = recipe.data ? datasetOutputs(recipe.data.train, recipe.task, recipe.data.labels) : [];
  checkOutputFolder(recipe.output, recipe.model, recipe.file, recipe.weights);
  const cut = recipe.cut ?? `${torchvisionClassifier(summary.layers)} replaced`;
  const reason = recipe.cut ? undefined : torchvisionCutChoice(summary.layers)?.reason;
  if (json) {
    cli.out(JSON.stringify({ ok: true, engine: 'pytorch', cut, cutReason: reason, frozen, outputs, output: recipe.output, head, summary }, null, 2));
    return 0;
  }
  cli.out([
    `${recipe.file}: ok (trains on the PyTorch engine)`,
    `  source: ${recipe.weights ?? recipe.model}${recipe.weights ? ` (${recipe.model})` : ''}`,
    `  cut: ${cut}`,
    ...(reason ? [`    ${reason}`] : []),
    `  frozen: ${frozen.length} of ${base.length} base layers${frozen.length === base.length ? ' (whole base: features are computed once and cached)' : ''}`,
    `  head: ${head.map((h) => h.type).join(' → ')}`,
    `  outputs (${outputs.length}): ${outputs.join(', ')}`,
    `  input: ${size[0]}×${size[1]}×3, preprocess ${recipe.data?.preprocess ?? 'imagenet'}`,
    `  output folder: ${recipe.output} (model.pt + model.onnx)`,
    '',
    layerTable(summary, { frozen: new Set(frozen) }),
  ].join('\n'));
  return 0;
}
