import * as fs from 'node:fs';
import * as path from 'node:path';
import { datasetOutputs, requireTwoClasses } from '../../core/data/labels';
import { UserError } from '../../core/errors';
import type { ModelSummary } from '../../core/modelSummary';
import { DEFAULTS } from '../../core/recipe/defaults';
import { draftRecipe } from '../../core/recipe/draft';
import { parseModelRef } from '../../core/recipe/modelRef';
import { recipeNameFromFile } from '../../core/recipe/resolve';
import type { Recipe } from '../../core/recipe/schema';
import { inspectTorchModel } from '../../engine/pytorch/models';
import { summarizeModel } from '../../engine/tfjs/inspect';
import { isUrl, loadModel } from '../../engine/tfjs/io/load';
import { writeFileAtomic } from '../../engine/tfjs/io/save';
import { parse } from '../args';
import type { Cli } from '../context';

export const usage = 'transfer-studio init --model MODEL --data DIR [-o FILE] [--force] [--weights FILE.pth] [--python PATH]';

function rel(from: string, to: string): string {
  if (isUrl(to)) return to;
  const r = path.relative(from, path.resolve(to)).split(path.sep).join('/');
  return r.startsWith('.') ? r : `./${r}`;
}

/** The first recipe for a model and a dataset (core's draft): the cut at the backbone's output, the base frozen, a default head. */
export async function buildDefaultRecipe(model: string, data: string, recipeFile: string, torch: { weights?: string; python?: string } = {}): Promise<{ recipe: Recipe; labels: string[]; cut?: string; reason?: string }> {
  const dir = path.dirname(path.resolve(recipeFile));
  const labels = datasetOutputs(path.resolve(data), 'single-label');
  requireTwoClasses(labels, path.resolve(data));
  const ref = parseModelRef(model);
  let summary: ModelSummary;
  let source: string;
  let modelText: string;
  if (ref.kind === 'layers') {
    if (torch.weights) throw new UserError('--weights goes with a torchvision:ARCH model', { file: torch.weights });
    const loaded = await loadModel(isUrl(model) ? model : path.resolve(model));
    summary = summarizeModel(loaded);
    source = loaded.source;
    loaded.model.dispose();
    modelText = rel(dir, model);
  } else {
    summary = await inspectTorchModel(model, torch);
    source = ref.kind === 'torchscript' ? ref.file : torch.weights ?? model;
    modelText = ref.kind === 'torchscript' ? `torchscript:${rel(dir, ref.file)}` : model;
  }
  const { recipe, choice } = draftRecipe(summary, { model: modelText, weights: torch.weights ? rel(dir, torch.weights) : undefined, data: rel(dir, data), name: recipeNameFromFile(recipeFile) });
  if (!choice) {
    throw new UserError('cannot tell where this model\'s feature extractor ends (its last layers branch or it has no pooling / Flatten below its classifier)', {
      file: source, hint: 'run `transfer-studio inspect MODEL` and write the recipe with "cut" set to the layer whose output should feed the new head',
    });
  }
  return { recipe, labels, cut: choice.cut, reason: choice.reason };
}

export async function init(argv: string[], cli: Cli): Promise<number> {
  const { values } = parse(argv, { model: { type: 'string' }, data: { type: 'string' }, output: { type: 'string', short: 'o' }, force: { type: 'boolean' }, weights: { type: 'string' }, python: { type: 'string' } }, usage);
  if (!values.model || !values.data) throw new UserError(`--model and --data are required\nusage: ${usage}`);
  const ref = parseModelRef(values.model);
  const base = ref.kind === 'torchvision' ? ref.arch : ref.kind === 'torchscript' ? path.basename(ref.file).replace(/\.[^.]*$/, '') : isUrl(values.model) ? 'model' : path.basename(path.dirname(path.resolve(values.model)));
  const file = path.resolve(values.output ?? `${base}.adapt.json`);
  if (!/\.adapt\.json$/i.test(file)) throw new UserError('a recipe file name must end in .adapt.json (VS Code validates those)', { file });
  if (fs.existsSync(file) && !values.force) throw new UserError('the recipe file already exists; use --force to replace it', { file });
  if (ref.kind === 'layers') await cli.backend('auto');
  const { recipe, labels, reason } = await buildDefaultRecipe(values.model, values.data, file, { weights: values.weights, python: values.python });
  writeFileAtomic(file, JSON.stringify(recipe, null, 2) + '\n');
  cli.out([
    `wrote ${file}`,
    `  ${reason}`,
    `  frozen: the whole base (features are computed once and cached)`,
    `  head: ${(recipe.head ?? [{ type: 'GlobalAveragePooling2D' }, { type: 'Dropout', rate: DEFAULTS.dropout }, { type: 'Dense' }]).map((h) => (h.type === 'Dense' && h.units === undefined ? `Dense(${labels.length})` : h.type === 'Dropout' ? `Dropout(${h.rate})` : h.type)).join(' → ')}, on standardised features`,
    `  labels (${labels.length}): ${labels.join(', ')}`,
    '  training: until validation loss stops improving (early stopping, best epoch kept; reduce-on-plateau learning rate)',
    `next: transfer-studio check ${path.relative(process.cwd(), file)}`,
  ].join('\n'));
  return 0;
}
