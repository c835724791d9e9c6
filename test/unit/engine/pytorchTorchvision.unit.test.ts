/**
 * A torchvision model by name with local weights, as a user brings one: `inspect`, `init`, `check`,
 * `train` (auto → the PyTorch engine, whatever the device), `predict` and `evaluate` on the saved
 * folder (model.pt + ONNX, no TF.js export), and bad weights refused naming the file. The weights
 * are resnet18's random initialisation saved by the test (nothing is downloaded). Skipped, saying
 * why, where no Python imports torch and torchvision.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseWorkerEvent, type WorkerEvent } from '../../../src/core/protocol/worker';
import { runCli } from '../../helpers/cli';
import { ROOT, tempDir } from '../../helpers/fixtures';
import { findTorchPython, noTorchReason } from '../helpers/python';

const FASHION = path.join(ROOT, 'examples', 'fashion-mini');
const sha = (f: string): string => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

describe('torchvision models on the PyTorch engine', function () {
  this.timeout(300_000);
  let python: string;
  let dir: string;
  let weights: string;
  before(function () {
    const found = findTorchPython();
    if (!found) { console.log(`      skipped: ${noTorchReason()}`); this.skip(); }
    python = found.exe;
    dir = tempDir('ts-tv-');
    weights = path.join(dir, 'resnet18.pth');
    const r = spawnSync(python, ['-c', `import torch, torchvision; torch.manual_seed(0); torch.save(torchvision.models.resnet18().state_dict(), ${JSON.stringify(weights)})`], { encoding: 'utf8' });
    if (r.status !== 0) { console.log(`      skipped: ${python} has torch but not torchvision (${r.stderr.trim().split('\n').at(-1)})`); this.skip(); }
    for (const c of ['bag', 'sneaker', 'trouser', 'dress']) {
      fs.cpSync(path.join(FASHION, 'train', c), path.join(dir, 'data', 'train', c), { recursive: true });
      fs.cpSync(path.join(FASHION, 'test', c), path.join(dir, 'data', 'test', c), { recursive: true });
    }
  });
  const cli = (args: string[]): ReturnType<typeof runCli> => runCli([...args, '--python', python], { cwd: dir, env: { TRANSFER_STUDIO_CACHE: path.join(dir, 'cache') } });

  it('inspect lists the named modules with shapes from a traced pass, params and the classifier', () => {
    const r = cli(['inspect', 'torchvision:resnet18', '--weights', weights, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { format: string; trainableParams: number; nonTrainableParams: number; layers: { name: string; outputShape: unknown; layers?: { name: string }[] }[] };
    assert.equal(s.format, 'torchvision');
    assert.equal(s.trainableParams, 11_689_512); // resnet18's published parameter count
    assert.equal(s.nonTrainableParams, 9_600); // BatchNorm running means and variances, counted as TF.js counts them
    assert.deepEqual(s.layers.map((l) => l.name), ['conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool', 'fc']);
    assert.deepEqual(s.layers.find((l) => l.name === 'layer4')!.outputShape, [null, 512, 7, 7]);
    assert.deepEqual(s.layers.at(-1)!.outputShape, [null, 1000]);
    assert.deepEqual(s.layers[4]!.layers!.map((l) => l.name), ['layer1.0', 'layer1.1']);
  });

  it('init, check, train (auto picks PyTorch), then predict and evaluate the saved folder; the weights file is untouched', () => {
    const before = sha(weights);
    let r = cli(['init', '--model', 'torchvision:resnet18', '--weights', weights, '--data', 'data/train', '-o', 'tv.adapt.json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /cut at `avgpool`.*"fc" \(1 layer\) was the old classifier/);
    const recipeFile = path.join(dir, 'tv.adapt.json');
    const recipe = JSON.parse(fs.readFileSync(recipeFile, 'utf8')) as Record<string, unknown> & { data: Record<string, unknown> };
    assert.equal(recipe.model, 'torchvision:resnet18');
    assert.equal(recipe.weights, './resnet18.pth');
    assert.equal(recipe.cut, undefined, 'the classifier is replaced: no cut written');
    recipe.data = { ...recipe.data, test: './data/test', imageSize: [64, 64] };
    recipe.output = './out';
    fs.writeFileSync(recipeFile, JSON.stringify(recipe, null, 2));

    r = cli(['check', recipeFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ok \(trains on the PyTorch engine\)/);
    assert.match(r.stdout, /frozen: 51 of 51 base layers/);

    r = cli(['train', recipeFile, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.split('\n').filter(Boolean).map((l) => parseWorkerEvent(JSON.parse(l))) as WorkerEvent[];
    const started = events.find((e) => e.type === 'started') as Extract<WorkerEvent, { type: 'started' }>;
    assert.equal(started.backend.engine, 'pytorch', 'a torchvision model trains on the PyTorch engine even where auto would pick TF.js');
    const out = path.join(dir, 'out');
    for (const f of ['model.pt', 'model.onnx', 'metadata.json', 'evaluation.json']) assert.ok(fs.existsSync(path.join(out, f)), f);
    assert.ok(!fs.existsSync(path.join(out, 'model.json')), 'no TF.js export of a torchvision model');
    assert.equal(sha(weights), before);
    const saved = (JSON.parse(fs.readFileSync(path.join(out, 'evaluation.json'), 'utf8')) as { report: { accuracy: number; loss: number; examples: number } }).report;
    assert.equal(saved.examples, 24);
    assert.ok(saved.accuracy >= 0.4, `a head on even random-init resnet18 features beats chance (25%): ${saved.accuracy}`);

    r = cli(['predict', out, 'data/test/bag/1000.png', 'data/test/sneaker/1000.png', '--json', '--top', '2']);
    assert.equal(r.code, 0, r.stderr);
    const preds = JSON.parse(r.stdout) as { file: string; top: { label: string; score: number }[] }[];
    assert.equal(preds.length, 2);
    for (const p of preds) {
      assert.equal(p.top.length, 2);
      assert.ok(p.top.every((t) => ['bag', 'dress', 'sneaker', 'trouser'].includes(t.label)));
      assert.ok(p.top[0]!.score >= p.top[1]!.score);
    }

    // evaluate decodes and predicts as the run did: the same numbers on the same test folder
    r = cli(['evaluate', out, '--data', 'data/test', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const again = JSON.parse(r.stdout) as { accuracy: number; loss: number; examples: number };
    assert.equal(again.examples, 24);
    assert.equal(again.accuracy, saved.accuracy);
    assert.ok(Math.abs(again.loss - saved.loss) < 1e-4, `${again.loss} vs ${saved.loss}`);
  });

  it('refuses weights that are not a state dict, naming the file, and writes nothing', () => {
    const bad = path.join(dir, 'bad.pth');
    fs.writeFileSync(bad, Buffer.from('not a pickle at all, just bytes'));
    const r = cli(['inspect', 'torchvision:resnet18', '--weights', bad]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /bad\.pth/);
    const recipeFile = path.join(dir, 'bad.adapt.json');
    fs.writeFileSync(recipeFile, JSON.stringify({ model: 'torchvision:resnet18', weights: './bad.pth', data: { train: './data/train', imageSize: [64, 64] }, output: './bad-out' }));
    const t = cli(['train', recipeFile]);
    assert.notEqual(t.code, 0);
    assert.match(t.stderr, /bad\.pth/);
    assert.ok(!fs.existsSync(path.join(dir, 'bad-out')));
  });

  it('the TF.js engine refuses a torchvision model with what to do instead', () => {
    const recipeFile = path.join(dir, 'tfjs.adapt.json');
    fs.writeFileSync(recipeFile, JSON.stringify({ model: 'torchvision:resnet18', weights: './resnet18.pth', data: { train: './data/train' }, output: './tfjs-out' }));
    const r = cli(['train', recipeFile, '--engine', 'tfjs']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /PyTorch engine/);
    assert.ok(!fs.existsSync(path.join(dir, 'tfjs-out')));
  });
});
