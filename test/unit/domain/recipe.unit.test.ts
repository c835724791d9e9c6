/** The recipe's `domain` object: the schema and the semantic checks name the JSON path and the fix. */
import * as assert from 'node:assert/strict';
import { recipeJsonSchema } from '../../../src/core/recipe/schema';
import { parseRecipeText } from '../../../src/core/recipe/validate';

const base = { model: './m/model.json', data: { train: './train' } };
const problemsOf = (value: unknown) => {
  const r = parseRecipeText(JSON.stringify(value, null, 2));
  assert.equal(r.ok, false, 'expected problems');
  return r.ok ? [] : r.problems;
};

describe('recipe: domain adaptation', () => {
  it('accepts adabn and coral with a target folder (and labelled target images), dann with fine-tuning', () => {
    for (const domain of [{ target: './target', method: 'adabn' }, { target: './target', targetLabelled: './target-labelled', method: 'coral', maxImages: 500 }]) {
      const r = parseRecipeText(JSON.stringify({ ...base, domain }));
      assert.equal(r.ok, true, JSON.stringify(r.problems));
    }
    const r = parseRecipeText(JSON.stringify({ ...base, training: { fineTune: { epochs: 2, unfreeze: 5 } }, domain: { target: 't', method: 'dann', lambda: 0.3 } }));
    assert.equal(r.ok, true, JSON.stringify(r.problems));
  });

  it('an unknown method, a missing target, an unknown field', () => {
    assert.equal(problemsOf({ ...base, domain: { target: 't', method: 'mmd' } })[0]!.path, '/domain/method');
    assert.ok(problemsOf({ ...base, domain: { method: 'adabn' } }).some((p) => p.path === '/domain/target'));
    assert.ok(problemsOf({ ...base, domain: { target: 't', method: 'adabn', labels: true } }).some((p) => /unknown field "labels"/.test(p.message)));
  });

  it('dann without fine-tuning, lambda without dann, the same folder twice, the PyTorch engine', () => {
    const [dann] = problemsOf({ ...base, domain: { target: 't', method: 'dann' } });
    assert.equal(dann!.path, '/domain/method');
    assert.match(dann!.message, /training\.fineTune/);
    assert.equal(problemsOf({ ...base, domain: { target: 't', method: 'coral', lambda: 1 } })[0]!.path, '/domain/lambda');
    const [same] = problemsOf({ ...base, domain: { target: './t/', targetLabelled: 't', method: 'adabn' } });
    assert.equal(same!.path, '/domain/targetLabelled');
    assert.equal(problemsOf({ ...base, engine: { name: 'pytorch' }, domain: { target: 't', method: 'adabn' } })[0]!.path, '/domain');
    assert.equal(problemsOf({ model: 'torchvision:resnet18', domain: { target: 't', method: 'adabn' } })[0]!.path, '/domain');
  });

  it('the JSON Schema offers the methods for completion, with descriptions', () => {
    const domain = (recipeJsonSchema().properties as Record<string, { properties: Record<string, { enum?: string[]; description?: string }> }>).domain!;
    assert.deepEqual(domain.properties.method!.enum, ['adabn', 'coral', 'dann']);
    assert.match(domain.properties.target!.description!, /unlabelled/);
  });
});
