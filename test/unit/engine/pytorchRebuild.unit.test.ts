/**
 * The PyTorch rebuild of TF.js layers models (python/transfer_studio_worker/tfjs) against TF.js
 * itself, on every real layers model we have: model outputs and intermediate layer outputs on a
 * seeded random batch; then the round trips: the rebuild saved as TF.js (TF.js loads it), as
 * ONNX (onnxruntime-web runs it) and as a .pt state dict (reloaded by the rebuild).
 * All Python work runs in one `tool batch` process, so torch starts once.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import { loadModel } from '../../../src/engine/tfjs/io/load';
import { serializeModel } from '../../../src/engine/tfjs/io/save';
import { ROOT, sharedModel, tempDir } from '../../helpers/fixtures';
import { kerasToLayers } from '../helpers/kerasToLayers';
import { buildLayerZoo, ZOO_ACTIVATIONS } from '../helpers/layerZoo';
import { findTorchPython, noTorchReason, runPythonModule, type TorchPython } from '../helpers/python';

const TOOL = 'transfer_studio_worker.tfjs.tool';
const TOLERANCE = 1e-4;

interface Fixture {
  name: string;
  /** model.json, or the Keras file to convert first ('' for a model built here). */
  source: string;
  keras?: boolean;
  build?: () => tf.LayersModel;
  /** Layers whose outputs are compared too: bare names or "outer/inner/leaf" paths. */
  layers: string[];
  batch: number;
  range: [number, number];
  /** Also check the TF.js / ONNX / .pt round trips (once per distinct architecture). */
  roundTrip: boolean;
}

const TM_LAYERS = ['Conv1', 'block_6_depthwise_relu', 'sequential_1/model1/block_13_expand_BN', 'out_relu'];
const FIXTURES: Fixture[] = [
  { name: 'tm-image-nail-biting', source: sharedModel('tm-image-nail-biting'), layers: TM_LAYERS, batch: 3, range: [-1, 1], roundTrip: true },
  { name: 'tm-image-ab-hybridthingslab', source: sharedModel('tm-image-ab-hybridthingslab'), layers: TM_LAYERS, batch: 2, range: [-1, 1], roundTrip: false },
  { name: 'examples/tm-image-nail-biting', source: path.join(ROOT, 'examples', 'tm-image-nail-biting', 'model.json'), layers: ['block_1_pad', 'block_16_project'], batch: 2, range: [-1, 1], roundTrip: false },
  { name: 'layers-mobilenet025-emotion-functional', source: sharedModel('layers-mobilenet025-emotion-functional'), layers: ['conv1_bn', 'conv_dw_6', 'conv_pw_13_relu', 'reshape_1', 'conv_preds'], batch: 3, range: [-1, 1], roundTrip: true },
  { name: 'layers-doodlenet-sequential', source: sharedModel('layers-doodlenet-sequential'), layers: ['conv2d_1', 'max_pooling2d_1', 'flatten', 'dense'], batch: 3, range: [0, 1], roundTrip: true },
  { name: 'keras-h5-mini-xception', source: sharedModel('keras-h5-mini-xception', 'fer2013_mini_XCEPTION.102-0.66.hdf5'), keras: true, layers: ['separable_conv2d_1', 'add_1', 'max_pooling2d_4', 'conv2d_7', 'global_average_pooling2d_1'], batch: 3, range: [-1, 1], roundTrip: true },
  { name: 'keras-h5-doodlenet', source: sharedModel('keras-h5-doodlenet', 'doodleNet-model.h5'), keras: true, layers: ['conv2d_3', 'flatten'], batch: 3, range: [0, 1], roundTrip: false },
  { name: 'keras3-fashion-mnist-cnn', source: sharedModel('keras3-fashion-mnist-cnn', 'model.keras'), keras: true, layers: ['conv2d', 'max_pooling2d_1', 'flatten', 'dense'], batch: 3, range: [0, 1], roundTrip: true },
  {
    name: 'layer zoo (built here, two outputs)', source: '', build: buildLayerZoo, batch: 3, range: [-1, 1], roundTrip: true,
    layers: ['rescale', 'conv_s2_same', 'dw_mult2', 'concat', 'bn', 'avgpool_same', 'maxpool_same', 'up_bilinear', 'crop', 'max', 'min', 'avg', 'leaky', 'mul',
      'convT_same', 'convT_valid', 'concat2', 'separable', 'prelu', 'zeropad', ...ZOO_ACTIVATIONS.map((a) => `act_${a}`), 'sum_acts', 'layernorm', 'dense_on_image',
      'permute', 'thresholded', 'gmp', 'up_nearest', 'reshape', 'dense_3d', 'flat_concat', 'dropout', 'logits', 'probs', 'elu_layer'],
  },
];

/** All outputs of a predict, one after the other (as the Python tool writes them). */
function predictAll(model: tf.LayersModel, x: tf.Tensor): Float32Array {
  return tf.tidy(() => {
    const y = model.predict(x);
    const parts = (Array.isArray(y) ? y : [y]).map((t) => t.dataSync() as Float32Array);
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  });
}

async function writeBuilt(build: () => tf.LayersModel, dir: string): Promise<string> {
  const model = build();
  const { modelJson, weights } = await serializeModel(model);
  model.dispose();
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.json'), modelJson);
  fs.writeFileSync(path.join(dir, 'weights.bin'), weights);
  return path.join(dir, 'model.json');
}

/** What TF.js computed for one fixture, and where the Python side writes its results. */
interface Prepared {
  fixture: Fixture;
  modelJson: string;
  dir: string;
  inputShape: number[];
  expected: Float32Array;
  expectedLayers: { name: string; values: Float32Array }[];
  input: tf.Tensor;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, 'same number of values');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

function readF32(file: string, offset = 0, length?: number): Float32Array {
  const buf = fs.readFileSync(file);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return all.subarray(offset, length === undefined ? undefined : offset + length);
}

function isContainer(l: tf.layers.Layer): l is tf.LayersModel {
  return l instanceof tf.LayersModel;
}

/** The model that directly holds the named layer (a path, or a bare name searched depth-first), and the layer. */
function locate(model: tf.LayersModel, name: string): { owner: tf.LayersModel; layer: tf.layers.Layer } | undefined {
  const parts = name.split('/');
  if (parts.length > 1) {
    let owner = model;
    for (const p of parts.slice(0, -1)) owner = owner.getLayer(p) as tf.LayersModel;
    return { owner, layer: owner.getLayer(parts[parts.length - 1]!) };
  }
  for (const l of model.layers) {
    if (l.name === name) return { owner: model, layer: l };
    if (isContainer(l)) {
      const inner = locate(l, name);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** TF.js's output of a layer. A nested layer is read from the nested model it sits in, fed the
 *  model input directly: the test only names layers of nested models that come first. */
function tfjsLayerOutput(model: tf.LayersModel, name: string, x: tf.Tensor): Float32Array {
  const found = locate(model, name);
  assert.ok(found, `TF.js has no layer ${name}`);
  const probe = tf.model({ inputs: found.owner.inputs, outputs: found.layer.output as tf.SymbolicTensor });
  return tf.tidy(() => (probe.predict(x) as tf.Tensor).dataSync() as Float32Array).slice();
}

function forwardArgs(modelJson: string, p: Prepared, output: string, extra: string[] = []): string[] {
  return ['forward', '--model', modelJson, '--input', path.join(p.dir, 'input.f32'), '--shape', p.inputShape.join(','), '--output', output, ...extra];
}

describe('PyTorch rebuild of TF.js layers models (python/transfer_studio_worker/tfjs)', function () {
  this.timeout(300_000);
  let py: TorchPython | undefined;
  const prepared = new Map<string, Prepared>();
  const report: string[] = [];

  before(async function () {
    py = findTorchPython();
    if (!py) {
      console.log(`      skipped: ${noTorchReason()}`);
      this.skip();
    }
    const root = tempDir('ts-pytorch-');
    const commands: string[][] = [];
    for (const [i, f] of FIXTURES.entries()) {
      const dir = path.join(root, String(i));
      fs.mkdirSync(dir);
      const modelJson = f.build ? await writeBuilt(f.build, path.join(dir, 'tfjs')) : f.keras ? await kerasToLayers(f.source, path.join(dir, 'tfjs')) : f.source;
      const loaded = await loadModel(modelJson);
      const model = loaded.model;
      const inputShape = [f.batch, ...(model.inputs[0]!.shape.slice(1) as number[])];
      const input = tf.randomUniform(inputShape, f.range[0], f.range[1], 'float32', 42 + i);
      fs.writeFileSync(path.join(dir, 'input.f32'), Buffer.from((input.dataSync() as Float32Array).buffer));
      const expected = predictAll(model, input);
      const expectedLayers = f.layers.map((name) => ({ name, values: tfjsLayerOutput(model, name, input) }));
      model.dispose();
      const p: Prepared = { fixture: f, modelJson, dir, inputShape, expected, expectedLayers, input };
      prepared.set(f.name, p);
      commands.push(forwardArgs(modelJson, p, path.join(dir, 'torch.f32')));
      commands.push(forwardArgs(modelJson, p, path.join(dir, 'layers.f32'), ['--outputs', f.layers.join(',')]));
      if (f.roundTrip) {
        const out = path.join(dir, 'export');
        commands.push(['export', '--model', modelJson, '--out', out, '--tfjs', '--onnx', '--pt']);
        commands.push(forwardArgs(path.join(out, 'model.json'), p, path.join(dir, 'saved.f32')));
        commands.push(forwardArgs(modelJson, p, path.join(dir, 'pt.f32'), ['--weights', path.join(out, 'model.pt')]));
      }
    }
    const t0 = Date.now();
    const r = runPythonModule(py!, TOOL, ['batch'], commands.map((c) => JSON.stringify(c)).join('\n') + '\n');
    assert.equal(r.status, 0, `python tool batch failed:\n${r.stdout}\n${r.stderr}`);
    report.push(`python batch (${commands.length} commands, torch ${py!.torchVersion}): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  after(() => {
    for (const p of prepared.values()) p.input.dispose();
    if (report.length) console.log(report.map((l) => `      ${l}`).join('\n'));
  });

  for (const f of FIXTURES) {
    it(`${f.name}: outputs and intermediate layers equal TF.js's (max abs ≤ ${TOLERANCE})`, () => {
      const p = prepared.get(f.name)!;
      const got = readF32(path.join(p.dir, 'torch.f32'));
      const diff = maxAbsDiff(got, p.expected);
      const parts = [`output ${diff.toExponential(2)}`];
      assert.ok(diff <= TOLERANCE, `${f.name}: output max abs diff ${diff}`);
      let offset = 0;
      for (const { name, values } of p.expectedLayers) {
        const layer = readF32(path.join(p.dir, 'layers.f32'), offset, values.length);
        offset += values.length;
        const d = maxAbsDiff(layer, values);
        parts.push(`${name} ${d.toExponential(2)} (values up to ${maxAbs(values).toFixed(1)})`);
        assert.ok(d <= TOLERANCE, `${f.name}: layer ${name} max abs diff ${d} (values up to ${maxAbs(values)})`);
      }
      assert.equal(offset * 4, fs.statSync(path.join(p.dir, 'layers.f32')).size, 'every requested layer output was written');
      report.push(`${f.name}: ${parts.join(', ')}`);
    });
  }

  for (const f of FIXTURES.filter((x) => x.roundTrip)) {
    it(`${f.name}: round trips — saved TF.js copy (TF.js and Python), ONNX (onnxruntime-web), .pt state dict`, async () => {
      const p = prepared.get(f.name)!;
      const out = path.join(p.dir, 'export');
      const torchOut = readF32(path.join(p.dir, 'torch.f32'));

      const saved = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[]; weights: { name: string }[] }[]; modelTopology: unknown };
      const source = JSON.parse(fs.readFileSync(p.modelJson, 'utf8')) as typeof saved;
      assert.deepEqual(saved.modelTopology, source.modelTopology, 'modelTopology unchanged');
      assert.deepEqual(saved.weightsManifest.map((g) => g.paths), [['weights.bin']]);
      assert.deepEqual(saved.weightsManifest[0]!.weights.map((w) => w.name), source.weightsManifest.flatMap((g) => g.weights.map((w) => w.name)), 'same weight names, same order');

      const reloaded = await loadModel(path.join(out, 'model.json'));
      const tfjsAgain = predictAll(reloaded.model, p.input);
      reloaded.model.dispose();
      const dTfjs = maxAbsDiff(tfjsAgain, p.expected);
      assert.ok(dTfjs <= 1e-5, `TF.js on the saved copy: max abs diff ${dTfjs}`);

      const dSaved = maxAbsDiff(readF32(path.join(p.dir, 'saved.f32')), torchOut);
      assert.ok(dSaved <= 1e-6, `Python on the saved copy: max abs diff ${dSaved}`);

      const dPt = maxAbsDiff(readF32(path.join(p.dir, 'pt.f32')), torchOut);
      assert.equal(dPt, 0, `.pt reloaded into a fresh model: max abs diff ${dPt}`);

      ort.env.wasm.numThreads = 1;
      const session = await ort.InferenceSession.create(fs.readFileSync(path.join(out, 'model.onnx')));
      assert.deepEqual(session.inputNames, ['input']);
      const x = new ort.Tensor('float32', p.input.dataSync() as Float32Array, p.inputShape);
      const result = await session.run({ input: x });
      const names = session.outputNames;
      assert.deepEqual(names, names.length === 1 ? ['output'] : ['output', ...names.slice(1).map((_, i) => `output_${i + 1}`)]);
      const onnxOut = new Float32Array(p.expected.length);
      let o = 0;
      for (const n of names) {
        const data = result[n]!.data as Float32Array;
        onnxOut.set(data, o);
        o += data.length;
      }
      assert.equal(o, p.expected.length, 'ONNX outputs hold as many values as TF.js\'s');
      const dOnnx = maxAbsDiff(onnxOut, p.expected);
      await session.release();
      assert.ok(dOnnx <= TOLERANCE, `onnxruntime-web: max abs diff ${dOnnx}`);
      report.push(`${f.name} round trips: TF.js copy ${dTfjs.toExponential(2)}, Python copy ${dSaved.toExponential(2)}, .pt ${dPt}, ONNX ${dOnnx.toExponential(2)} (${names.length} output${names.length > 1 ? 's' : ''}, batch ${p.inputShape[0]}, exported with batch 2)`);
    });
  }
});
