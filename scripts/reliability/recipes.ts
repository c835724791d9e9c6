/**
 * Recipes a user may write: every field with a wrong type (looped over the JSON Schema the
 * product ships, section by section), unknown fields and layer names, output folders in the wrong
 * place, and `check` vs `train` on the same bad recipe.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { check, cli, completeModel, copyEmotion, copyFashion, messageBody, pool, SCHEMA, same, tinyRecipe, treeHash, userLine, workspace, writeJson, type Case, type CliResult, type Check } from './lib';

interface JsonSchema { type?: string | string[]; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; const?: unknown; enum?: unknown[]; properties?: Record<string, JsonSchema> }

const jsonType = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : Number.isInteger(v) ? 'integer' : typeof v);

function allowedTypes(s: JsonSchema): Set<string> {
  const out = new Set<string>();
  const add = (t: string): void => { out.add(t); if (t === 'number') out.add('integer'); };
  if (typeof s.type === 'string') add(s.type);
  if (Array.isArray(s.type)) s.type.forEach(add);
  if (s.const !== undefined) add(jsonType(s.const));
  for (const v of s.enum ?? []) add(jsonType(v));
  for (const b of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) allowedTypes(b).forEach(add);
  return out;
}

/** A value of a JSON type the field does not accept. */
function wrongValue(s: JsonSchema): unknown {
  const allowed = allowedTypes(s);
  return [true, 12345, 'wrong-type', [1, 2], { wrong: 1 }].find((v) => !allowed.has(jsonType(v)));
}

/** A recipe with every section present, valid for `check`, so one wrong field is the only problem. */
function fullRecipe(): Record<string, unknown> {
  return {
    version: 1,
    name: 'r',
    model: './model/model.json',
    freeze: { all: true },
    head: [{ type: 'Dense' }],
    task: 'single-label',
    data: { train: './data', validationSplit: 0.2, augment: { flip: false } },
    training: { epochs: 1, fineTune: { epochs: 1, unfreeze: 1 } },
    engine: { name: 'tfjs' },
    output: './out',
  };
}

function schemaSection(pointer: string): Record<string, JsonSchema> {
  let s = JSON.parse(fs.readFileSync(SCHEMA, 'utf8')) as JsonSchema;
  for (const seg of pointer.split('/').filter(Boolean)) {
    if (/^\d+$/.test(seg)) s = ((s as { items?: JsonSchema }).items!.oneOf ?? []).find((b) => b.properties?.type?.const === 'Dense')!;
    else s = s.properties![seg]!;
  }
  return s.properties!;
}

function setAt(obj: Record<string, unknown>, pointer: string, value: unknown): void {
  const segs = pointer.split('/').filter(Boolean);
  let o = obj as Record<string, unknown>;
  for (const seg of segs.slice(0, -1)) o = o[seg] as Record<string, unknown>;
  o[segs.at(-1)!] = value;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** One case per schema section: each of its fields in turn gets a value of the wrong JSON type; `transfer-studio check` must refuse each with exit 1, naming the field and what it expected. */
function wrongTypes(section: string, label: string): Case {
  return {
    name: `recipe-wrong-types-${label}`,
    group: 'recipes',
    what: `every field of ${section || 'the top level'} in adapt.schema.json, one at a time, given a value of the wrong JSON type; \`transfer-studio check\` each`,
    setup: (dir) => { copyEmotion(dir); copyFashion(dir); },
    run: async (dir, ctx) => {
      const fields = Object.entries(schemaSection(section));
      const rows = await pool(fields, 2, async ([field, s]) => {
        const pointer = `${section}/${field}`;
        const value = wrongValue(s);
        const r = fullRecipe();
        setAt(r, pointer, value);
        const file = `${label}-${field.replace(/\W/g, '_')}.adapt.json`;
        writeJson(path.join(dir, file), r);
        const res = await cli(['check', file], { cwd: dir, env: ctx.env });
        const ok = res.code === 1 && new RegExp(`${escape(file)}.*invalid recipe: (.*; )?${escape(pointer)}: expected`).test(userLine(res));
        return { pointer, value, res, ok };
      });
      ctx.state.rows = rows;
      const bad = rows.find((x) => !x.ok);
      const shown = bad ?? rows[0]!;
      return { ...shown.res, message: `${userLine(shown.res)}${bad ? '' : ` (and ${rows.length - 1} more like it)`}` };
    },
    expect: {
      code: 1,
      message: /invalid recipe: .*: expected/,
      files: (_dir, _r, ctx) => {
        const rows = ctx.state.rows as { pointer: string; value: unknown; res: CliResult; ok: boolean }[];
        const bad = rows.filter((x) => !x.ok);
        return [
          check(bad.length === 0, `${rows.length}/${rows.length} fields refused with exit 1, naming the field: ${rows.map((x) => `${x.pointer}=${JSON.stringify(x.value)}`).join(', ')}`,
            `${bad.length}/${rows.length} fields not refused clearly: ${bad.map((x) => `${x.pointer}=${JSON.stringify(x.value)} → exit ${x.res.code}: ${userLine(x.res).slice(0, 160)}`).join(' | ')}`),
        ];
      },
    },
  };
}

/** `check` and `train` on the same recipe: the same verdict and the same message. */
function checkVsTrain(name: string, what: string, recipe: () => Record<string, unknown>, message: RegExp, extra?: (dir: string) => void, source = 'model'): Case {
  return {
    name,
    group: 'recipes',
    what: `${what}; \`transfer-studio check\` then \`transfer-studio train\` on the same recipe`,
    setup: (dir, ctx) => {
      workspace(dir, recipe());
      extra?.(dir);
      ctx.state.before = treeHash(path.join(dir, source));
    },
    run: async (dir, ctx) => {
      const c = await cli(['check', 'r.adapt.json'], { cwd: dir, env: ctx.env });
      const t = await cli(['train', 'r.adapt.json', '--engine', 'tfjs'], { cwd: dir, env: ctx.env });
      ctx.state.check = c;
      return { ...t, notes: [`check said: exit ${c.code}: ${userLine(c)}`] };
    },
    expect: {
      code: 1,
      message,
      files: (dir, t, ctx) => {
        const c = ctx.state.check as CliResult;
        // check names the recipe as typed, train as the absolute path it sends the worker
        const body = (r: CliResult): string => messageBody(userLine(r)).split(`${dir}${path.sep}`).join('');
        return [
          check(c.code === t.code && body(c) === body(t), 'check and train: same exit code, same message', `check exit ${c.code} "${userLine(c).slice(0, 200)}" vs train exit ${t.code}`),
          same('source model', ctx.state.before as string, treeHash(path.join(dir, source))),
        ];
      },
    },
  };
}

export const recipeCases: Case[] = [
  {
    name: 'recipe-valid-control',
    group: 'recipes',
    what: 'control: the full recipe the wrong-type cases start from (every section present); `transfer-studio check`',
    setup: (dir) => { copyEmotion(dir); copyFashion(dir); writeJson(path.join(dir, 'r.adapt.json'), fullRecipe()); },
    run: (dir, ctx) => cli(['check', 'r.adapt.json'], { cwd: dir, env: ctx.env }),
    expect: { code: 0, message: /New head params/ },
  },
  wrongTypes('', 'top-level'),
  wrongTypes('/freeze', 'freeze'),
  wrongTypes('/head/0', 'head-dense'),
  wrongTypes('/data', 'data'),
  wrongTypes('/data/augment', 'augment'),
  wrongTypes('/training', 'training'),
  wrongTypes('/training/fineTune', 'finetune'),
  wrongTypes('/engine', 'engine'),
  {
    name: 'recipe-unknown-fields',
    group: 'recipes',
    what: 'unknown fields at two levels ("epochs" at the top, "epoch" in training: typos); `transfer-studio check`',
    setup: (dir) => workspace(dir, { ...tinyRecipe(), epochs: 5, training: { epoch: 5 } }),
    run: (dir, ctx) => cli(['check', 'r.adapt.json'], { cwd: dir, env: ctx.env }),
    expect: { code: 1, message: /r\.adapt\.json.*invalid recipe: .*unknown field "epochs".*\/training: unknown field "epoch"|invalid recipe: .*\/training: unknown field "epoch".*unknown field "epochs"/ },
  },
  {
    name: 'recipe-not-json',
    group: 'recipes',
    what: 'a recipe with a missing closing brace; `transfer-studio check`',
    setup: (dir) => { copyEmotion(dir); copyFashion(dir); fs.writeFileSync(path.join(dir, 'r.adapt.json'), JSON.stringify(tinyRecipe(), null, 2).slice(0, -2)); },
    run: (dir, ctx) => cli(['check', 'r.adapt.json'], { cwd: dir, env: ctx.env }),
    expect: { code: 1, message: /r\.adapt\.json: invalid recipe: .*not valid JSON: .* at line \d+, column \d+/ },
  },
  {
    name: 'recipe-jsonc-control',
    group: 'recipes',
    what: 'control: comments and trailing commas (JSONC, as VS Code writes it); `transfer-studio check`',
    setup: (dir) => {
      workspace(dir);
      fs.writeFileSync(path.join(dir, 'r.adapt.json'), '// my recipe\n{\n  "model": "./model/model.json", /* the base */\n  "head": [{ "type": "Dense" },],\n  "data": { "train": "./data", },\n  "output": "./out",\n}\n');
    },
    run: (dir, ctx) => cli(['check', 'r.adapt.json'], { cwd: dir, env: ctx.env }),
    expect: { code: 0, message: /New head params/ },
  },
  {
    name: 'cut-unknown-layer',
    group: 'recipes',
    what: '"cut": "no_such_layer"; `transfer-studio check`',
    setup: (dir) => workspace(dir, tinyRecipe({ cut: 'no_such_layer' })),
    run: (dir, ctx) => cli(['check', 'r.adapt.json'], { cwd: dir, env: ctx.env }),
    expect: { code: 1, message: /r\.adapt\.json.*no_such_layer/ },
  },
  {
    name: 'freeze-upto-unknown-layer',
    group: 'recipes',
    what: '"freeze": {"upTo": "no_such_layer"}; `transfer-studio check`',
    setup: (dir) => workspace(dir, tinyRecipe({ freeze: { upTo: 'no_such_layer' } })),
    run: (dir, ctx) => cli(['check', 'r.adapt.json'], { cwd: dir, env: ctx.env }),
    expect: { code: 1, message: /r\.adapt\.json.*no_such_layer/ },
  },
  {
    name: 'freeze-trainable-unknown-layer',
    group: 'recipes',
    what: '"freeze": {"all": true, "trainable": ["conv_pw_13_typo"]} (a typo would silently keep everything frozen); `transfer-studio check`',
    setup: (dir) => workspace(dir, tinyRecipe({ freeze: { all: true, trainable: ['conv_pw_13_typo'] } })),
    run: (dir, ctx) => cli(['check', 'r.adapt.json'], { cwd: dir, env: ctx.env }),
    expect: { code: 1, message: /r\.adapt\.json.*conv_pw_13_typo/ },
  },
  {
    name: 'output-is-source-folder',
    group: 'recipes',
    what: '"output": "./model" (the source model\'s own folder); `transfer-studio train`',
    setup: (dir, ctx) => { workspace(dir, tinyRecipe({ output: './model' })); ctx.state.before = treeHash(path.join(dir, 'model')); },
    run: (dir, ctx) => cli(['train', 'r.adapt.json'], { cwd: dir, env: ctx.env }),
    expect: { code: 1, message: /the output folder .*model is the source model's folder/, files: (dir, _r, ctx) => [same('source model', ctx.state.before as string, treeHash(path.join(dir, 'model')))] },
  },
  {
    name: 'output-outside-workspace',
    group: 'recipes',
    what: 'the workspace is $CASE/ws; "output": "../elsewhere/out" (outside it — the product allows any folder but the source\'s); `transfer-studio train`',
    setup: (dir, ctx) => {
      fs.mkdirSync(path.join(dir, 'ws'));
      workspace(path.join(dir, 'ws'), tinyRecipe({ output: '../elsewhere/out' }));
      ctx.state.before = treeHash(path.join(dir, 'ws', 'model'));
    },
    run: (dir, ctx) => cli(['train', 'r.adapt.json'], { cwd: path.join(dir, 'ws'), env: ctx.env }),
    expect: {
      code: 0,
      message: /adapted model saved to .*elsewhere\/out/,
      files: (dir, _r, ctx) => [
        same('source model', ctx.state.before as string, treeHash(path.join(dir, 'ws', 'model'))),
        check(completeModel(path.join(dir, 'elsewhere', 'out')).ok, 'a complete model at $CASE/elsewhere/out (outside the workspace: allowed, by design)', 'no complete model outside the workspace'),
      ],
    },
  },
  {
    name: 'output-holds-foreign-files',
    group: 'recipes',
    what: '"output": "./notes" — an existing folder with a file the user wrote; `transfer-studio train`',
    setup: (dir, ctx) => {
      workspace(dir, tinyRecipe({ output: './notes' }));
      fs.mkdirSync(path.join(dir, 'notes'));
      fs.writeFileSync(path.join(dir, 'notes', 'todo.txt'), 'my notes\n');
      ctx.state.before = treeHash(path.join(dir, 'notes'));
    },
    run: (dir, ctx) => cli(['train', 'r.adapt.json'], { cwd: dir, env: ctx.env }),
    expect: { code: 1, message: /notes: the output folder already holds files that Transfer Studio did not write/, files: (dir, _r, ctx) => [same('the user\'s folder', ctx.state.before as string, treeHash(path.join(dir, 'notes')))] },
  },
  checkVsTrain('check-vs-train-bad-type', '"training": {"epochs": "ten"}', () => tinyRecipe({ training: { epochs: 'ten' } }), /r\.adapt\.json#\/training\/epochs: invalid recipe: \/training\/epochs: expected/),
  checkVsTrain('check-vs-train-missing-data', '"data": {"train": "./no-such-folder"}', () => tinyRecipe({ data: { train: './no-such-folder' } }), /no-such-folder: training data not found/),
  checkVsTrain('check-vs-train-output-is-parent-of-source',
    'the model lives in ./models/emotion and "output": "./models" (a folder that holds the source model): both must refuse before any training',
    () => tinyRecipe({ model: './models/emotion/model.json', output: './models' }), /r\.adapt\.json#\/output: the output folder .*\/models holds the source model \(.*\/models\/emotion\): saving there would replace it/,
    (dir) => { fs.mkdirSync(path.join(dir, 'models')); fs.renameSync(path.join(dir, 'model'), path.join(dir, 'models', 'emotion')); }, 'models'),
  {
    name: 'train-output-parent-of-source',
    group: 'recipes',
    what: 'same as above, `transfer-studio train` only: the source model must survive',
    setup: (dir, ctx) => {
      workspace(dir, tinyRecipe({ model: './models/emotion/model.json', output: './models' }));
      fs.mkdirSync(path.join(dir, 'models'));
      fs.renameSync(path.join(dir, 'model'), path.join(dir, 'models', 'emotion'));
      ctx.state.before = treeHash(path.join(dir, 'models'));
    },
    run: (dir, ctx) => cli(['train', 'r.adapt.json'], { cwd: dir, env: ctx.env }),
    expect: {
      code: 1,
      message: /r\.adapt\.json#\/output: the output folder .*\/models holds the source model \(.*\/models\/emotion\): saving there would replace it/,
      files: (dir, _r, ctx): Check[] => [same('source model (and its parent folder)', ctx.state.before as string, treeHash(path.join(dir, 'models')))],
    },
  },
];
