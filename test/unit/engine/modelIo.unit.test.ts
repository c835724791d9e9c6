import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isUserError, UserError } from '../../../src/core/errors';
import { loadModel } from '../../../src/engine/tfjs/io/load';
import { PROJECT_FIXTURES, sharedModel, snapshotDir, tempDir } from '../../helpers/fixtures';
import { serveFolder } from '../../helpers/httpServer';
import { copyModelDir, quantizeModelDir } from '../../helpers/modelFiles';

const EMOTION = path.join(PROJECT_FIXTURES, 'models', 'layers-mobilenet025-emotion-functional');
const GRAPH = path.join(PROJECT_FIXTURES, 'models', 'graph-emotion');

/** Run `fn`, expect a UserError whose one-line text matches, and return it. */
async function expectUserError(fn: () => Promise<unknown>, pattern: RegExp, file?: string): Promise<UserError> {
  try {
    await fn();
  } catch (e) {
    assert.ok(isUserError(e), `expected a UserError, got ${(e as Error).stack}`);
    assert.match((e as UserError).oneLine(), pattern);
    if (file) assert.equal((e as UserError).file, file);
    return e as UserError;
  }
  assert.fail(`expected a UserError matching ${pattern}`);
}

function randomInput(model: tf.LayersModel, n = 2): tf.Tensor {
  return tf.randomUniform([n, ...(model.inputs[0]!.shape.slice(1) as number[])], -1, 1, 'float32', 7);
}

describe('model I/O: TF.js layers models from disk', () => {
  it('opens every layers variant of the real-model fixtures', async () => {
    const cases: [string, string, number[], number][] = [
      [sharedModel('tm-image-nail-biting'), 'Sequential', [null as unknown as number, 224, 224, 3], 2],
      [sharedModel('tm-image-ab-hybridthingslab'), 'Sequential', [null as unknown as number, 224, 224, 3], 2],
      [path.join(EMOTION, 'model.json'), 'Model', [null as unknown as number, 64, 64, 1], 7],
      [sharedModel('layers-doodlenet-sequential'), 'Sequential', [null as unknown as number, 28, 28, 1], 345],
    ];
    for (const [file, cls, input, classes] of cases) {
      const loaded = await loadModel(file);
      assert.equal(loaded.model.getClassName(), cls, file);
      assert.deepEqual(loaded.model.inputs[0]!.shape, input, file);
      assert.equal(loaded.model.outputs[0]!.shape[1], classes, file);
      assert.match(loaded.sha256, /^[0-9a-f]{64}$/);
      const x = randomInput(loaded.model);
      const y = loaded.model.predict(x) as tf.Tensor;
      const sums = await y.sum(1).data();
      for (const s of sums) assert.ok(Math.abs(s - 1) < 1e-4, `softmax rows sum to 1 (${file})`);
      tf.dispose([x, y]);
    }
  });

  it('reads Teachable Machine metadata (labels, image size, [-1,1] preprocessing), also without imageSize', async () => {
    const tm = await loadModel(sharedModel('tm-image-nail-biting'));
    assert.deepEqual(tm.metadata.labels, ['normal', 'nail-biting']);
    assert.equal(tm.metadata.imageSize, 224);
    assert.equal(tm.metadata.preprocess, '-1,1');
    assert.match(tm.metadata.producer ?? '', /Teachable Machine 2\.4\.4/);
    const old = await loadModel(sharedModel('tm-image-ab-hybridthingslab'));
    assert.deepEqual(old.metadata.labels, ['A', 'B']);
    assert.equal(old.metadata.imageSize, 224, 'older TM has no imageSize: the model input is 224');
  });

  it('reads class_names.txt labels beside a converted model', async () => {
    const doodle = await loadModel(sharedModel('layers-doodlenet-sequential'));
    assert.equal(doodle.metadata.labels?.length, 345);
    assert.equal(doodle.metadata.labels?.[0], 'flashlight');
  });

  it('opens a folder by its model.json', async () => {
    const loaded = await loadModel(EMOTION);
    assert.equal(loaded.source, path.join(EMOTION, 'model.json'));
  });

  for (const dtype of ['uint8', 'uint16'] as const) {
    it(`dequantizes ${dtype} weights (min/scale) split over many shards`, async () => {
      const dir = tempDir();
      const file = copyModelDir(EMOTION, path.join(dir, 'm'));
      quantizeModelDir(file, dtype, 16 * 1024);
      const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as { weightsManifest: { paths: string[] }[] };
      assert.ok(manifest.weightsManifest[0]!.paths.length > 10, 'several shards');
      const original = await loadModel(EMOTION);
      const quantized = await loadModel(file);
      const a = original.model.getWeights();
      const b = quantized.model.getWeights();
      assert.equal(a.length, b.length);
      let excess = -Infinity; // worst |error| minus half a quantization step, over all weights
      let anyError = false;
      for (let i = 0; i < a.length; i++) {
        const va = a[i]!.dataSync();
        const vb = b[i]!.dataSync();
        let min = Infinity;
        let max = -Infinity;
        for (const v of va) { min = Math.min(min, v); max = Math.max(max, v); }
        const halfStep = (max - min) / (dtype === 'uint8' ? 255 : 65535) / 2;
        for (let j = 0; j < va.length; j++) {
          const d = Math.abs(va[j]! - vb[j]!);
          anyError ||= d > 0;
          // float32 rounding of min + q*scale adds a few ulps
          excess = Math.max(excess, d - halfStep - 4e-7 * Math.max(1, Math.abs(va[j]!)));
        }
      }
      assert.ok(excess <= 0, `dequantized weights within half a quantization step (excess ${excess})`);
      assert.ok(anyError, 'weights really went through quantization');
    });
  }
});

describe('model I/O: bad input gives a clear error and writes nothing', () => {
  let dir: string;
  beforeEach(() => { dir = tempDir(); });

  async function broken(mutate: (modelJson: string) => void, pattern: RegExp, fileOf?: (modelJson: string) => string): Promise<void> {
    const file = copyModelDir(EMOTION, path.join(dir, 'm'));
    mutate(file);
    const before = snapshotDir(dir);
    await expectUserError(() => loadModel(file), pattern, fileOf ? fileOf(file) : file);
    assert.deepEqual(snapshotDir(dir), before, 'nothing written or changed');
  }

  it('missing model.json', async () => {
    await expectUserError(() => loadModel(path.join(dir, 'nope', 'model.json')), /model file not found/, path.join(dir, 'nope', 'model.json'));
  });
  it('corrupt model.json (truncated JSON)', async () => {
    await broken((f) => fs.writeFileSync(f, fs.readFileSync(f, 'utf8').slice(0, 500)), /not valid JSON/);
  });
  it('model.json that is not a model', async () => {
    await broken((f) => fs.writeFileSync(f, '{"hello": 1}'), /modelTopology.*missing/);
  });
  it('a missing shard', async () => {
    await broken((f) => fs.rmSync(path.join(path.dirname(f), 'group7-shard1of1')), /weights shard missing: .*group7-shard1of1/);
  });
  it('a truncated shard', async () => {
    await broken((f) => {
      const s = path.join(path.dirname(f), 'group3-shard1of1');
      fs.writeFileSync(s, fs.readFileSync(s).subarray(0, 10));
    }, /group3-shard1of1 holds 10 bytes.*need \d+.*truncated/);
  });
  it('shard sizes that do not match the manifest (extra bytes)', async () => {
    await broken((f) => fs.appendFileSync(path.join(path.dirname(f), 'group5-shard1of1'), Buffer.alloc(12)), /does not match the manifest/);
  });
  it('an unknown layer class names the class', async () => {
    await broken((f) => fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('"class_name": "DepthwiseConv2D"', '"class_name": "MyFancyConv"')), /unknown layer class "MyFancyConv"/);
  });
  it('a graph model is refused as inference-only', async () => {
    await expectUserError(() => loadModel(path.join(GRAPH, 'model.json')), /graph model: it is inference-only and cannot be fine-tuned/, path.join(GRAPH, 'model.json'));
  });
  it('a SavedModel folder is refused as inference-only', async () => {
    const sm = path.join(dir, 'saved');
    fs.mkdirSync(path.join(sm, 'variables'), { recursive: true });
    fs.writeFileSync(path.join(sm, 'saved_model.pb'), Buffer.from([8, 1, 18, 0]));
    await expectUserError(() => loadModel(sm), /SavedModel: it is inference-only/);
  });
  it('an .h5 that is not HDF5', async () => {
    const f = path.join(dir, 'x.h5');
    fs.writeFileSync(f, 'definitely not hdf5');
    await expectUserError(() => loadModel(f), /not a Keras \.h5 file/, f);
  });
});

describe('model I/O: from URLs', () => {
  let server: Awaited<ReturnType<typeof serveFolder>>;
  let root: string;
  before(async () => {
    root = tempDir();
    fs.cpSync(path.join(PROJECT_FIXTURES, 'models'), root, { recursive: true });
    fs.writeFileSync(path.join(root, 'not-json.json'), '<html>404 page</html>');
    fs.mkdirSync(path.join(root, 'missing-shard'));
    fs.cpSync(EMOTION, path.join(root, 'missing-shard'), { recursive: true });
    fs.rmSync(path.join(root, 'missing-shard', 'group9-shard1of1'));
    server = await serveFolder(root, { hang: ['/slow/model.json'] });
  });
  after(async () => server.close());
  const opts = { allowLoopbackHttp: true };

  it('loads model.json and the shards next to it, with the same predictions as from disk', async () => {
    const url = `${server.url}/layers-mobilenet025-emotion-functional/model.json`;
    const remote = await loadModel(url, opts);
    const local = await loadModel(EMOTION);
    assert.equal(remote.source, url);
    assert.equal(remote.sha256, local.sha256);
    const x = randomInput(local.model, 3);
    const diff = tf.max(tf.abs(tf.sub(remote.model.predict(x) as tf.Tensor, local.model.predict(x) as tf.Tensor))).dataSync()[0]!;
    assert.equal(diff, 0);
  });
  it('only https for users: plain http is refused unless explicitly allowed for loopback', async () => {
    await expectUserError(() => loadModel(`${server.url}/layers-mobilenet025-emotion-functional/model.json`), /only https:\/\//);
    await expectUserError(() => loadModel('http://example.com/model.json', opts), /only https:\/\//);
  });
  it('404', async () => {
    await expectUserError(() => loadModel(`${server.url}/nothing/model.json`, opts), /HTTP 404.*model\.json/);
  });
  it('not JSON', async () => {
    await expectUserError(() => loadModel(`${server.url}/not-json.json`, opts), /not valid JSON/);
  });
  it('a missing shard', async () => {
    await expectUserError(() => loadModel(`${server.url}/missing-shard/model.json`, opts), /weights shard missing: .*group9-shard1of1 \(HTTP 404\)/);
  });
  it('a timeout', async () => {
    await expectUserError(() => loadModel(`${server.url}/slow/model.json`, { ...opts, timeoutMs: 300 }), /timed out after 0 s downloading model\.json/);
  });
  it('a size limit', async () => {
    await expectUserError(() => loadModel(`${server.url}/layers-mobilenet025-emotion-functional/model.json`, { ...opts, maxBytes: 200_000 }), /too large.*download limit/);
  });
  it('a graph model over https is refused too', async () => {
    await expectUserError(() => loadModel(`${server.url}/graph-emotion/model.json`, opts), /graph model/);
  });
});
