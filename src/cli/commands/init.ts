import * as fs from 'node:fs';
import * as path from 'node:path';
import { datasetOutputs } from '../../core/data/labels';
import { UserError } from '../../core/errors';
import { resolveRecipe, recipeNameFromFile } from '../../core/recipe/resolve';
import type { Recipe } from '../../core/recipe/schema';
import { adaptModel } from '../../engine/tfjs/adapt';
import { isUrl, loadModel } from '../../engine/tfjs/io/load';
import { writeFileAtomic } from '../../engine/tfjs/io/save';
import { parse } from '../args';
import type { Cli } from '../context';

export const usage = 'transfer-studio init --model MODEL --data DIR [-o FILE] [--force]';

function rel(from: string, to: string): string {
  if (isUrl(to)) return to;
  const r = path.relative(from, path.resolve(to)).split(path.sep).join('/');
  return r.startsWith('.') ? r : `./${r}`;
}

/** A recipe with sensible defaults: cut before the old classifier, everything below frozen, a Dense head sized to the class folders. */
export async function buildDefaultRecipe(model: string, data: string, recipeFile: string): Promise<{ recipe: Recipe; labels: string[]; cut: string }> {
  const dir = path.dirname(path.resolve(recipeFile));
  const labels = datasetOutputs(path.resolve(data), 'single-label');
  const loaded = await loadModel(isUrl(model) ? model : path.resolve(model));
  const draft: Recipe = { $schema: 'https://transfer-studio.invalid/adapt.schema.json', version: 1, model: rel(dir, model), task: 'single-label', data: { train: rel(dir, data) } };
  const adapted = adaptModel(loaded, resolveRecipe(draft, path.resolve(recipeFile)), { outputs: Math.max(labels.length, 2) });
  const recipe: Recipe = {
    ...draft,
    $schema: undefined,
    name: recipeNameFromFile(recipeFile),
    cut: adapted.cut,
    freeze: { all: true },
    head: adapted.headSpec,
    data: { train: rel(dir, data), validationSplit: 0.2 },
    training: { epochs: 10, batchSize: 32, optimizer: 'adam', learningRate: 0.001, seed: 42 },
  };
  delete recipe.$schema;
  return { recipe, labels, cut: adapted.cut };
}

export async function init(argv: string[], cli: Cli): Promise<number> {
  const { values } = parse(argv, { model: { type: 'string' }, data: { type: 'string' }, output: { type: 'string', short: 'o' }, force: { type: 'boolean' } }, usage);
  if (!values.model || !values.data) throw new UserError(`--model and --data are required\nusage: ${usage}`);
  const base = isUrl(values.model) ? 'model' : path.basename(path.dirname(path.resolve(values.model)));
  const file = path.resolve(values.output ?? `${base}.adapt.json`);
  if (!/\.adapt\.json$/i.test(file)) throw new UserError('a recipe file name must end in .adapt.json (VS Code validates those)', { file });
  if (fs.existsSync(file) && !values.force) throw new UserError('the recipe file already exists; use --force to replace it', { file });
  await cli.backend('auto');
  const { recipe, labels, cut } = await buildDefaultRecipe(values.model, values.data, file);
  writeFileAtomic(file, JSON.stringify(recipe, null, 2) + '\n');
  cli.out(`wrote ${file}\n  cut: ${cut} (everything below frozen)\n  head: ${recipe.head!.map((h) => (h.type === 'Dense' && h.units === undefined ? `Dense(${labels.length})` : h.type)).join(' → ')}\n  labels (${labels.length}): ${labels.join(', ')}\nnext: transfer-studio check ${path.relative(process.cwd(), file)}`);
  return 0;
}
