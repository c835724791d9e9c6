/** Model files a user may bring: broken model.json / shards / manifests, foreign formats, URLs that fail. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { absentOrComplete, check, cli, copyEmotion, copyFashion, SHARED_MODELS, Skip, treeHash, same, writeJson, type Case, type Ctx } from './lib';

const SRC = 'source model';

/** `transfer-studio inspect FILE` on a broken copy of the emotion model; the broken folder itself must stay as it was. */
function brokenModel(name: string, what: string, breakIt: (modelDir: string) => void, message: RegExp, file = 'model/model.json'): Case {
  return {
    name,
    group: 'models',
    what: `${what}; \`transfer-studio inspect ${file}\``,
    setup: (dir, ctx) => {
      copyEmotion(dir);
      breakIt(path.join(dir, 'model'));
      ctx.state.before = treeHash(path.join(dir, 'model'));
    },
    run: (dir, ctx) => cli(['inspect', file], { cwd: dir, env: ctx.env }),
    expect: { code: 1, message, files: (dir, _r, ctx) => [same(SRC, ctx.state.before as string, treeHash(path.join(dir, 'model')))] },
  };
}

function manifest(modelDir: string, edit: (json: { modelTopology: unknown; weightsManifest: { paths: string[]; weights: { name: string; dtype: string; shape: number[] }[] }[] }) => void): void {
  const file = path.join(modelDir, 'model.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(json);
  fs.writeFileSync(file, JSON.stringify(json));
}

function requireHttps(ctx: Ctx): NonNullable<Ctx['suite']['https']> {
  if (!ctx.suite.https) throw new Skip('no https test server (openssl missing?)');
  return ctx.suite.https;
}

/** `transfer-studio inspect URL` against the suite's https server (its certificate trusted through NODE_EXTRA_CA_CERTS, as a company CA would be). */
function urlCase(name: string, what: string, route: string, code: number, message: RegExp, o: { trust?: boolean; background?: boolean } = {}): Case {
  return {
    name,
    group: 'models',
    background: o.background,
    what,
    run: (dir, ctx) => {
      const s = requireHttps(ctx);
      return cli(['inspect', `${s.url}${route}`], { cwd: dir, env: { ...ctx.env, ...(o.trust === false ? {} : { NODE_EXTRA_CA_CERTS: s.caFile }) }, timeoutMs: 120_000 });
    },
    expect: { code, message, files: (dir) => [check(fs.readdirSync(dir).filter((f) => f !== '.cache').length === 0, 'nothing written to the working folder', 'files appeared in the working folder')] },
  };
}

export const modelCases: Case[] = [
  brokenModel('model-json-not-json', 'model.json cut after 2,000 characters (a truncated download)', (d) => {
    const f = path.join(d, 'model.json');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').slice(0, 2000));
  }, /model\.json: not valid JSON/),
  brokenModel('model-json-empty-object', 'model.json is `{}`', (d) => fs.writeFileSync(path.join(d, 'model.json'), '{}'), /model\.json: not a TF\.js layers model: "modelTopology" is missing/),
  brokenModel('shard-truncated', 'weight shard group1-shard1of1 cut to half its bytes', (d) => {
    const f = path.join(d, 'group1-shard1of1');
    fs.truncateSync(f, Math.floor(fs.statSync(f).size / 2));
  }, /group1-shard1of1.*(truncated|bytes|short|size)/i),
  brokenModel('shard-missing', 'weight shard group9-shard1of1 deleted', (d) => fs.rmSync(path.join(d, 'group9-shard1of1')), /weights shard missing: .*group9-shard1of1/),
  brokenModel('manifest-wrong-dtype', 'the first weight\'s manifest dtype changed from float32 to float64', (d) => manifest(d, (j) => { j.weightsManifest[0]!.weights[0]!.dtype = 'float64'; }), /model\.json.*dtype.*float64|float64.*dtype/i),
  brokenModel('manifest-wrong-shape', 'the first weight\'s manifest shape doubled (the shards no longer match)', (d) => manifest(d, (j) => { const w = j.weightsManifest[0]!.weights[0]!; w.shape = [w.shape[0]! * 2, ...w.shape.slice(1)]; }), /model\.json.*(shard|bytes|shape|weights)/i),
  brokenModel('unsupported-layer-class', 'a layer\'s class_name changed to MyCustomLayer (a custom Keras layer)', (d) => {
    const f = path.join(d, 'model.json');
    const text = fs.readFileSync(f, 'utf8');
    const json = JSON.parse(text) as { modelTopology: { model_config?: { config: { layers: { class_name: string }[] } }; config?: { layers: { class_name: string }[] } } };
    const layers = (json.modelTopology.model_config ?? json.modelTopology).config!.layers;
    layers.find((l) => l.class_name === 'ReLU' || l.class_name === 'Activation' || l.class_name === 'BatchNormalization')!.class_name = 'MyCustomLayer';
    fs.writeFileSync(f, JSON.stringify(json));
  }, /MyCustomLayer/),
  {
    name: 'graph-model-in-recipe',
    group: 'models',
    what: 'a recipe whose model is a TF.js GRAPH model (../shared graph-emotion, read in place); `transfer-studio train`',
    setup: (dir, ctx) => {
      copyFashion(dir);
      writeJson(path.join(dir, 'r.adapt.json'), { model: path.join(SHARED_MODELS, 'graph-emotion', 'model.json'), head: [{ type: 'Dense' }], data: { train: './data' }, training: { epochs: 1 }, output: './out' });
      ctx.state.before = treeHash(path.join(SHARED_MODELS, 'graph-emotion'));
    },
    run: (dir, ctx) => cli(['train', 'r.adapt.json'], { cwd: dir, env: ctx.env }),
    expect: {
      code: 1,
      message: /graph-emotion\/model\.json: this is a TF\.js graph model: it is inference-only/,
      files: (dir, _r, ctx) => [same(SRC, ctx.state.before as string, treeHash(path.join(SHARED_MODELS, 'graph-emotion'))), absentOrComplete(path.join(dir, 'out'))],
    },
  },
  {
    name: 'h5-random-bytes',
    group: 'models',
    what: '64 KiB of random bytes saved as model.h5; `transfer-studio inspect model.h5`',
    setup: (dir, ctx) => {
      fs.writeFileSync(path.join(dir, 'model.h5'), Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 2654435761) >>> 24)));
      ctx.state.before = treeHash(path.join(dir, 'model.h5'));
    },
    run: (dir, ctx) => cli(['inspect', 'model.h5'], { cwd: dir, env: ctx.env }),
    expect: { code: 1, message: /model\.h5: not a Keras \.h5 file/, files: (dir, _r, ctx) => [same(SRC, ctx.state.before as string, treeHash(path.join(dir, 'model.h5')))] },
  },
  {
    name: 'keras-zip-garbage',
    group: 'models',
    what: 'a model.keras that starts with the zip signature but is garbage after it; `transfer-studio inspect model.keras`',
    setup: (dir) => {
      const b = Buffer.alloc(4096, 0x41);
      b.write('PK\x03\x04', 0, 'latin1');
      fs.writeFileSync(path.join(dir, 'model.keras'), b);
    },
    run: (dir, ctx) => cli(['inspect', 'model.keras'], { cwd: dir, env: ctx.env }),
    expect: { code: 1, message: /model\.keras: .*(zip|\.keras|Keras)/i },
  },
  urlCase('url-ok', 'control: `transfer-studio inspect https://127.0.0.1:PORT/emotion/model.json` (the suite\'s https server, its test CA trusted)', '/emotion/model.json', 0, /params|Total/i),
  urlCase('url-404', '`transfer-studio inspect https://…/nothing/model.json`: the server answers 404', '/nothing/model.json', 1, /HTTP 404.*model\.json/),
  urlCase('url-missing-shard', '`transfer-studio inspect https://…/noshard/model.json`: model.json is there, one shard 404s', '/noshard/model.json', 1, /weights shard missing: .*group9-shard1of1.*404/),
  urlCase('url-redirect-to-http', '`transfer-studio inspect https://…/redirect/model.json`: the https server answers 302 to a plain http:// URL (a downgrade)', '/redirect/model.json', 1, /refusing a redirect to http:\/\/127\.0\.0\.1:\d+\/emotion\/model\.json while downloading model\.json: only https/),
  urlCase('url-untrusted-certificate', '`transfer-studio inspect https://…/emotion/model.json` without trusting the self-signed test certificate', '/emotion/model.json', 1, /certificate/i, { trust: false }),
  urlCase('url-graph-model', '`transfer-studio inspect https://…/graph/model.json`: a graph model over https', '/graph/model.json', 1, /graph model/),
  urlCase('url-timeout', '`transfer-studio inspect https://…/hang/model.json`: the server accepts and never answers (waits for the CLI\'s 60 s download timeout)', '/hang/model.json', 1, /timed out after 60 s downloading model\.json/, { background: true }),
];
