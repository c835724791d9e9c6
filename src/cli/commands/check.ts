import { layerTable } from '../../core/format/layers';
import { formatCount } from '../../core/modelSummary';
import { UserError } from '../../core/errors';
import { phaseBudgets } from '../../core/training/budget';
import { leafLayers } from '../../engine/tfjs/surgery/layers';
import { adaptedSummary, imageSpecFor, planAdaptation, readRecipe } from '../../engine/tfjs/recipe';
import { parse } from '../args';
import type { Cli } from '../context';

export const usage = 'transfer-studio check RECIPE [--json]';

export async function check(argv: string[], cli: Cli): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, usage);
  if (positionals.length !== 1) throw new UserError(`expected one RECIPE\nusage: ${usage}`);
  const recipe = readRecipe(positionals[0]!);
  await cli.backend('auto');
  const plan = await planAdaptation(recipe);
  const summary = adaptedSummary(plan);
  const image = imageSpecFor(plan.loaded, recipe);
  const headNames = new Set(plan.adapted.head.layers.map((l) => l.name));
  const augment = recipe.data?.augment && Object.values(recipe.data.augment).some((v) => v);
  const cached = plan.adapted.baseFrozen && !augment && recipe.data?.cache !== 'off';
  const hasValidation = recipe.data !== undefined && (recipe.data.validation !== undefined || recipe.data.validationSplit > 0);
  const budgets = phaseBudgets(recipe.training, { task: recipe.task, hasValidation, cached, file: recipe.file });
  if (values.json) {
    cli.out(JSON.stringify({ ok: true, cut: plan.adapted.cut, cutReason: plan.adapted.cutReason, frozen: [...plan.adapted.frozen], outputs: plan.outputs, output: recipe.output, fastPath: cached, budgets, image, summary }, null, 2));
    return 0;
  }
  const frozenCount = leafLayers(plan.adapted.base).filter((l) => plan.adapted.frozen.has(l.name)).length;
  cli.out([
    `${recipe.file}: ok`,
    `  source: ${plan.loaded.source}`,
    `  cut: ${plan.adapted.cut}${plan.adapted.cutIsDefault ? ' (default)' : ''} → features [${plan.adapted.featureShape.join(', ')}]`,
    ...(plan.adapted.cutReason ? [`    ${plan.adapted.cutReason}`] : []),
    `  frozen: ${frozenCount} of ${leafLayers(plan.adapted.base).length} base layers${plan.adapted.baseFrozen ? ' (whole base: features are computed once and cached)' : ''}`,
    `  outputs (${plan.outputs.length}): ${plan.outputs.join(', ')}`,
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
