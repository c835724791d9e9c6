/**
 * Domain adaptation through real runs of the built worker: the functional MobileNet fixture on
 * three Fashion-MNIST classes (the source), and copies of the same images that the test shifts
 * (the target domain): lower contrast and brighter (x → 0.4·x + 120), or Gaussian noise (σ 60).
 * The unlabelled target folder holds shifted training images, the labelled one shifted test images.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { DomainReport } from '../../../src/core/protocol/reports';
import { rng } from '../../../src/core/random';
import { readWeights } from '../../helpers/modelFiles';
import { ofType, project, train } from '../../helpers/runs';

type Shift = (v: number, random: () => number) => number;
const contrast: Shift = (v) => 0.4 * v + 120;
const noise: Shift = (v, r) => v + 60 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

/** Shifted copies of DATA/<class>/<image>: flat (unlabelled) or in class folders (labelled). */
async function shiftedCopy(src: string, dest: string, shift: Shift, flat: boolean, seed: number): Promise<number> {
  const r = rng(seed);
  let n = 0;
  for (const c of fs.readdirSync(src).sort()) {
    for (const f of fs.readdirSync(path.join(src, c)).sort()) {
      const { data, info } = await sharp(path.join(src, c, f)).raw().toBuffer({ resolveWithObject: true });
      const out = Buffer.from(data.map((v) => Math.max(0, Math.min(255, Math.round(shift(v, r))))));
      const to = flat ? path.join(dest, `${c}-${f}`) : path.join(dest, c, f);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      await sharp(out, { raw: { width: info.width, height: info.height, channels: info.channels } }).png().toFile(to);
      n++;
    }
  }
  return n;
}

async function adaptRun(p: ReturnType<typeof project>, name: string, domain: Record<string, unknown>, training: Record<string, unknown> = {}): Promise<{ report: DomainReport; output: string; logs: string[] }> {
  const base = JSON.parse(fs.readFileSync(p.recipe, 'utf8')) as { training: Record<string, unknown> };
  const file = path.join(p.dir, `${name}.adapt.json`);
  // the head's default epoch cap (early stopping ends it), as a user's recipe would
  fs.writeFileSync(file, JSON.stringify({ ...base, training: { ...base.training, epochs: undefined, ...training }, output: `./out-${name}`, domain }, null, 2));
  const { events } = await train(file, { runDir: path.join(p.dir, `run-${name}`) });
  const err = ofType(events, 'error')[0];
  assert.equal(err, undefined, err?.error.message);
  const done = ofType(events, 'done')[0]!;
  const saved = JSON.parse(fs.readFileSync(path.join(done.output, 'evaluation.json'), 'utf8')) as { domain: DomainReport };
  // the dashboard and the CLI get the same report as a `domain` event, once
  const events_ = ofType(events, 'domain');
  assert.equal(events_.length, 1);
  assert.deepEqual(events_[0]!.report, saved.domain);
  if (process.env.TS_RECORD_DOMAIN_RUN) fs.writeFileSync(process.env.TS_RECORD_DOMAIN_RUN.replace('NAME', name), fs.readFileSync(path.join(p.dir, `run-${name}`, 'events.jsonl')));
  return { report: saved.domain, output: done.output, logs: ofType(events, 'log').map((e) => e.message) };
}

describe('domain adaptation on a shift the test makes', function () {
  this.timeout(600_000);
  let p: ReturnType<typeof project>;
  before(async () => {
    p = project();
    await shiftedCopy(path.join(p.dir, 'data', 'train'), path.join(p.dir, 'contrast', 'unlabelled'), contrast, true, 1);
    await shiftedCopy(path.join(p.dir, 'data', 'test'), path.join(p.dir, 'contrast', 'labelled'), contrast, false, 2);
    await shiftedCopy(path.join(p.dir, 'data', 'train'), path.join(p.dir, 'noise', 'unlabelled'), noise, true, 3);
    await shiftedCopy(path.join(p.dir, 'data', 'test'), path.join(p.dir, 'noise', 'labelled'), noise, false, 4);
  });

  it('AdaBN raises target accuracy on low-contrast copies (BatchNorm statistics of the target images, no labels); the saved model is the adapted one', async () => {
    const { report, output, logs } = await adaptRun(p, 'adabn', { target: './contrast/unlabelled', targetLabelled: './contrast/labelled', method: 'adabn' });
    const t = report.targetScores!;
    assert.equal(report.targetImages, 36);
    assert.equal(t.before.examples, 18);
    assert.ok(t.after.accuracy! >= t.before.accuracy! + 0.2, `target accuracy ${t.before.accuracy} → ${t.after.accuracy}`);
    // the shift costs accuracy: the source model on the target scores below the source
    assert.ok(t.before.accuracy! < report.source.before.accuracy!, `source ${report.source.before.accuracy}, target ${t.before.accuracy}`);
    assert.match(report.notes[0]!, /27 BatchNormalization layers of the base re-estimated on 36 target images/);
    assert.ok(logs.some((l) => /domain \(adabn\): accuracy: source test .* → .*; target .* → /.test(l)), logs.join('\n'));
    // 2-D projection: one point per source / target image (up to 200), before and after
    assert.equal(report.projection.before.target.length, 36);
    assert.equal(report.projection.after.target.length, 36);
    assert.ok(report.projection.explained[0] > 0 && report.projection.explained[0] + report.projection.explained[1] <= 1 + 1e-9);
    // the saved model carries the target statistics: its first BatchNorm's moving mean is not the source model's; its other weights are
    const [src, out] = [readWeights(path.join(p.model, 'model.json')), readWeights(path.join(output, 'model.json'))];
    const key = (m: Map<string, Float32Array>, suffix: string): Float32Array => [...m].find(([k]) => k.endsWith(suffix))![1];
    assert.notDeepEqual(Array.from(key(out, 'conv1_bn/moving_mean')), Array.from(key(src, 'conv1_bn/moving_mean')));
    assert.deepEqual(Array.from(key(out, 'conv1/kernel')), Array.from(key(src, 'conv1/kernel')));
    const meta = JSON.parse(fs.readFileSync(path.join(output, 'metadata.json'), 'utf8')) as { transferStudio: { extra?: { domain?: { target?: { after?: { value: number } } } } } };
    assert.equal(meta.transferStudio.extra?.domain?.target?.after?.value, t.after.accuracy);
  });

  it('CORAL aligns the target features with the source\'s (a frozen Dense layer in the saved model) and does not lower target accuracy on noisy copies', async () => {
    const { report, output } = await adaptRun(p, 'coral', { target: './noise/unlabelled', targetLabelled: './noise/labelled', method: 'coral' });
    const t = report.targetScores!;
    assert.ok(t.after.accuracy! >= t.before.accuracy!, `target accuracy ${t.before.accuracy} → ${t.after.accuracy}`);
    assert.ok(report.gap.after.coral < report.gap.before.coral / 5, JSON.stringify(report.gap));
    assert.ok(report.gap.after.meanDistance < report.gap.before.meanDistance / 5, JSON.stringify(report.gap));
    const modelJson = JSON.parse(fs.readFileSync(path.join(output, 'model.json'), 'utf8')) as { modelTopology: unknown };
    assert.match(JSON.stringify(modelJson.modelTopology), /"name":"domain_coral"/);
  });

  it('DANN fine-tunes the top of the base against a domain classifier (gradient reversal): the features of the two domains end closer than after the same fine-tune without it; the report and a saved model without the classifier', async () => {
    const fineTune = { fineTune: { epochs: 12, unfreeze: 4, learningRateFactor: 0.1 } };
    const domain = { target: './contrast/unlabelled', targetLabelled: './contrast/labelled', method: 'dann' };
    const { report, output, logs } = await adaptRun(p, 'dann', { ...domain, lambda: 1 }, fineTune);
    // the control: the same run with the reversed gradient weighed to almost nothing (a plain fine-tune)
    const { report: plain } = await adaptRun(p, 'dann-control', { ...domain, lambda: 0.001 }, fineTune);
    const t = report.targetScores!;
    console.log(`      DANN (λ 1) on low-contrast copies: target accuracy ${t.before.accuracy!.toFixed(3)} → ${t.after.accuracy!.toFixed(3)}, CORAL gap ${report.gap.before.coral.toPrecision(3)} → ${report.gap.after.coral.toPrecision(3)}; without the reversal (λ 0.001): ${plain.targetScores!.after.accuracy!.toFixed(3)}, gap → ${plain.gap.after.coral.toPrecision(3)}`);
    assert.ok(report.gap.after.coral < plain.gap.after.coral, `CORAL gap after DANN ${report.gap.after.coral}, after a plain fine-tune ${plain.gap.after.coral}`);
    assert.ok(report.gap.after.coral < report.gap.before.coral, JSON.stringify(report.gap));
    assert.equal(report.method, 'dann');
    assert.match(report.notes[0]!, /^DANN: 12 fine-tuning epochs against a domain classifier .*told the domains apart on [\d.]+% of the images in the first epoch and [\d.]+% in the last/);
    const epochLines = logs.filter((l) => /^dann: fine-tune epoch \d+: domain classifier loss [\d.]+, told the domains apart on [\d.]+% /.test(l));
    assert.equal(epochLines.length, 12, logs.join('\n'));
    // the weight of the reversed gradient ramps up over the phase, towards λ
    const weights = epochLines.map((l) => Number(/reversal weight ([\d.]+)/.exec(l)![1]));
    assert.ok(weights.every((w, i) => i === 0 || w >= weights[i - 1]!) && weights[0]! < 0.5 && weights[11]! > 0.99 && weights[11]! <= 1, weights.join(', '));
    // the classifier trains with the run but is not saved: the model is the source's architecture plus the head
    const topology = JSON.stringify((JSON.parse(fs.readFileSync(path.join(output, 'model.json'), 'utf8')) as { modelTopology: unknown }).modelTopology);
    assert.doesNotMatch(topology, /dann_domain/);
    // the base was trained (its top layers): the source's features moved too
    assert.notDeepEqual(report.projection.after.source, report.projection.before.source);
  });

  it('a missing target folder is a UserError naming the recipe and /domain/target, and nothing is saved', async () => {
    const base = JSON.parse(fs.readFileSync(p.recipe, 'utf8')) as Record<string, unknown>;
    const file = path.join(p.dir, 'missing.adapt.json');
    fs.writeFileSync(file, JSON.stringify({ ...base, output: './out-missing', domain: { target: './nowhere', method: 'adabn' } }));
    const { events } = await train(file, { runDir: path.join(p.dir, 'run-missing') });
    const err = ofType(events, 'error')[0];
    assert.ok(err, 'an error event');
    assert.equal(err.error.user, true);
    assert.match(err.error.message, /target-domain folder does not exist/);
    assert.equal(err.error.jsonPath, '/domain/target');
    assert.equal(fs.existsSync(path.join(p.dir, 'out-missing')), false);
  });
});
