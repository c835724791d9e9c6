import { layerTable } from '../../core/format/layers';
import { formatCount } from '../../core/modelSummary';
import { UserError } from '../../core/errors';
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
  if (values.json) {
    cli.out(JSON.stringify({ ok: true, cut: plan.adapted.cut, frozen: [...plan.adapted.frozen], outputs: plan.outputs, output: recipe.output, fastPath: plan.adapted.baseFrozen, image, summary }, null, 2));
    return 0;
  }
  const frozenCount = leafLayers(plan.adapted.base).filter((l) => plan.adapted.frozen.has(l.name)).length;
  cli.out([
    `${recipe.file}: ok`,
    `  source: ${plan.loaded.source}`,
    `  cut: ${plan.adapted.cut}${plan.adapted.cutIsDefault ? ' (default: below the old classifier)' : ''} → features [${plan.adapted.featureShape.join(', ')}]`,
    `  frozen: ${frozenCount} of ${leafLayers(plan.adapted.base).length} base layers${plan.adapted.baseFrozen ? ' (whole base: features are computed once and cached)' : ''}`,
    `  outputs (${plan.outputs.length}): ${plan.outputs.join(', ')}`,
    `  input: ${image.height}×${image.width}×${image.channels}, preprocess ${image.preprocess} (${image.preprocessSource})`,
    `  output folder: ${recipe.output}`,
    '',
    layerTable(summary, { frozen: plan.adapted.frozen, cut: plan.adapted.cut, head: headNames }),
    `New head params: ${formatCount(plan.adapted.head.countParams())}`,
  ].join('\n'));
  return 0;
}
