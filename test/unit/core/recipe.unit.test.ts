import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { recipeJsonSchema } from '../../../src/core/recipe/schema';
import { parseRecipeText, parseRecipeOrThrow } from '../../../src/core/recipe/validate';
import { resolveRecipe } from '../../../src/core/recipe/resolve';
import { ROOT } from '../../helpers/fixtures';

describe('recipe: validation names the JSON path and what is expected', () => {
  const problemsOf = (value: unknown) => {
    const r = parseRecipeText(JSON.stringify(value, null, 2));
    assert.equal(r.ok, false);
    return r.ok ? [] : r.problems;
  };

  it('accepts a full recipe', () => {
    const r = parseRecipeText(JSON.stringify({
      model: './m/model.json', cut: 'out_relu', freeze: { upTo: 'block_12_add', classes: ['BatchNormalization'] },
      head: [{ type: 'GlobalAveragePooling2D' }, { type: 'Dropout', rate: 0.2 }, { type: 'Dense', units: 64, activation: 'relu' }, { type: 'Dense' }],
      task: 'multi-label', data: { train: './data', validationSplit: 0.25, augment: { flip: true, rotate: 10 }, preprocess: '-1,1' },
      training: { epochs: 5, optimizer: 'sgd', momentum: 0.9, schedule: { type: 'cosine', warmupEpochs: 1 }, earlyStopping: { monitor: 'val_loss', patience: 2 }, fineTune: { epochs: 3, unfreeze: 10 }, baseline: 'scratch' },
    }));
    assert.equal(r.ok, true, JSON.stringify(r.problems));
  });
  it('a head with zero units', () => {
    const [p] = problemsOf({ model: 'm.json', head: [{ type: 'Dense', units: 0 }] });
    assert.equal(p!.path, '/head/0/units');
    assert.match(p!.message, /at least 1 unit/);
  });
  it('an unknown head layer type', () => {
    const [p] = problemsOf({ model: 'm.json', head: [{ type: 'Conv3D' }] });
    assert.equal(p!.path, '/head/0/type');
  });
  it('a missing model and an unknown field', () => {
    const ps = problemsOf({ modle: 'x' });
    assert.ok(ps.some((p) => p.path === '/model' && /expected string/.test(p.message)), JSON.stringify(ps));
    assert.ok(ps.some((p) => /unknown field "modle"/.test(p.message)), JSON.stringify(ps));
  });
  it('wrong types and ranges in training settings', () => {
    const ps = problemsOf({ model: 'm', training: { epochs: 0, optimizer: 'adamw', learningRate: -1 } });
    assert.deepEqual(ps.map((p) => p.path).sort(), ['/training/epochs', '/training/learningRate', '/training/optimizer']);
    assert.match(ps.find((p) => p.path === '/training/optimizer')!.message, /expected one of "adam", "sgd", "rmsprop"/);
  });
  it('reports offsets into the text for editor diagnostics', () => {
    const text = '{\n  "model": "m.json",\n  "head": [ { "type": "Dense", "units": -3 } ]\n}';
    const r = parseRecipeText(text);
    assert.equal(r.ok, false);
    const p = r.ok ? undefined : r.problems[0]!;
    assert.equal(text.slice(p!.offset!, p!.offset! + p!.length!), '"units": -3');
  });
  it('invalid JSON names line and column; parseRecipeOrThrow names the file', () => {
    const r = parseRecipeText('{\n  "model": "m.json",,\n}');
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.problems[0]!.message, /not valid JSON: .* at line 2/);
    assert.throws(() => parseRecipeOrThrow('{"model": 3}', '/x/a.adapt.json'), (e: Error & { file?: string }) => e.file === '/x/a.adapt.json' && /\/model: expected string/.test(e.message));
  });
});

describe('recipe: defaults and paths', () => {
  it('resolves paths against the recipe folder and puts the output beside the model', () => {
    const r = resolveRecipe({ model: './models/mobilenet/model.json', data: { train: 'data/train' } }, '/work/proj/flowers.adapt.json');
    assert.equal(r.model, '/work/proj/models/mobilenet/model.json');
    assert.equal(r.data!.train, '/work/proj/data/train');
    assert.equal(r.output, '/work/proj/models/flowers-adapted');
    assert.equal(r.name, 'flowers');
    assert.equal(r.training.epochs, undefined, 'no cap in the recipe: core/training/budget.ts picks one per phase');
    assert.equal(r.training.earlyStopping, 'default');
    assert.equal(r.training.standardize, true);
    assert.equal(r.training.optimizer, 'adam');
    assert.equal(r.task, 'single-label');
    assert.equal(r.data!.validationSplit, 0.2);
  });
  it('a Keras file\'s output goes into a new folder beside the file', () => {
    const r = resolveRecipe({ model: 'nets/x.h5' }, '/p/a.adapt.json');
    assert.equal(r.output, '/p/nets/a-adapted');
  });
  it('refuses an output folder equal to the source folder', () => {
    assert.throws(() => resolveRecipe({ model: './m/model.json', output: './m/' }, '/p/a.adapt.json'), /is the source model's folder/);
    assert.throws(() => resolveRecipe({ model: './nets/x.h5', output: './nets' }, '/p/a.adapt.json'), /is the source model's folder/);
  });
});

describe('recipe: the JSON Schema file', () => {
  it('schemas/adapt.schema.json is generated from the TypeScript source and up to date', () => {
    const file = path.join(ROOT, 'schemas', 'adapt.schema.json');
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), JSON.parse(JSON.stringify(recipeJsonSchema())), 'run `npm run build` to regenerate it');
  });
  it('carries descriptions for hover and enums for completion', () => {
    const s = recipeJsonSchema() as { properties: Record<string, { description?: string; properties?: Record<string, { enum?: string[] }> }> };
    assert.match(s.properties.model!.description!, /pre-trained model/);
    assert.deepEqual(s.properties.training!.properties!.optimizer!.enum, ['adam', 'sgd', 'rmsprop']);
  });
});
