/**
 * The CLI's `train`, `evaluate` and `predict` commands, run as a user runs them (bin/transfer-studio.js
 * → dist/cli.js → dist/worker.js) on a tiny real project: the functional MobileNet fixture (64×64
 * grey) and three Fashion-MNIST classes.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EvaluationReportSchema, PredictionSchema } from '../../../src/core/protocol/reports';
import { parseWorkerEvent, type WorkerEvent, type WorkerEventOf } from '../../../src/core/protocol/worker';
import { ensureBuilt, runCli } from '../../helpers/cli';
import { ROOT, snapshotDir, tempDir } from '../../helpers/fixtures';
import { ofType, project } from '../../helpers/runs';

const BIN = path.join(ROOT, 'bin', 'transfer-studio.js');
const LABELS = ['bag', 'sneaker', 'trouser'];

/** One feature cache for the whole file (never the user's ~/.cache). */
let cache = '';
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  if (!cache) cache = tempDir('ts-cache-');
  return { TRANSFER_STUDIO_CACHE: cache, ...extra };
}

/** Every stdout line parsed with the protocol's own validator: throws on anything that is not an event. */
function parseEvents(stdout: string): WorkerEvent[] {
  const lines = stdout.split('\n').filter((l) => l !== '');
  return lines.map((l, i) => {
    try {
      return parseWorkerEvent(JSON.parse(l));
    } catch (e) {
      throw new Error(`stdout line ${i + 1} is not a valid protocol event (${(e as Error).message.split('\n')[0]}): ${l.slice(0, 200)}`);
    }
  });
}

/** sha256 of every file under `dir`: byte-identical, not just same size and mtime. */
function hashDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of Object.keys(snapshotDir(dir))) out[rel] = createHash('sha256').update(fs.readFileSync(path.join(dir, rel))).digest('hex');
  return out;
}

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${stderr}`);
  return lines[0]!;
}

/** The CLI running in the background with `--json`, its events parsed as they arrive. */
interface LiveRun {
  pid: number;
  events: WorkerEvent[];
  stderr(): string;
  /** Resolves with the first event (seen so far or later) that matches. */
  waitFor(match: (e: WorkerEvent) => boolean): Promise<WorkerEvent>;
  /** Resolves once stderr contains `text`. */
  waitForStderr(text: string): Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function liveCli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): LiveRun {
  ensureBuilt();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env(extraEnv) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: WorkerEvent[] = [];
  const waiters: { match: (e: WorkerEvent) => boolean; resolve: (e: WorkerEvent) => void }[] = [];
  const stderrWaiters: { text: string; resolve: () => void }[] = [];
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    let nl: number;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      if (!line) continue;
      const e = parseWorkerEvent(JSON.parse(line));
      events.push(e);
      for (const w of waiters.filter((x) => x.match(e))) { waiters.splice(waiters.indexOf(w), 1); w.resolve(e); }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    for (const w of stderrWaiters.filter((x) => err.includes(x.text))) { stderrWaiters.splice(stderrWaiters.indexOf(w), 1); w.resolve(); }
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  // a run that ends without the awaited event fails the test instead of hanging it
  void exit.then(({ code }) => {
    for (const w of waiters.splice(0)) w.resolve({ type: 'log', level: 'error', message: `the CLI exited (${code}) first; stderr: ${err}` });
    for (const w of stderrWaiters.splice(0)) w.resolve();
  });
  return {
    pid: child.pid!,
    events,
    stderr: () => err,
    waitFor: (match) => {
      const seen = events.find(match);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
    },
    waitForStderr: (text) => (err.includes(text) ? Promise.resolve() : new Promise((resolve) => stderrWaiters.push({ text, resolve }))),
    exit,
  };
}

function checkpointEpoch(dir: string): number {
  return JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8')).transferStudio.extra.epoch as number;
}

describe('CLI: train', () => {
  // one real run shared by the tests that only read its results (and by evaluate/predict below)
  let p: ReturnType<typeof project>;
  let sourceHashes: Record<string, string>;
  let run: { code: number; stdout: string; stderr: string };
  let events: WorkerEvent[];

  before(() => {
    p = project({ training: { epochs: 3 } });
    sourceHashes = hashDir(p.model);
    run = runCli(['train', p.recipe, '--epochs', '2', '--json'], { env: env() });
  });

  it('--json prints one valid protocol event per line on stdout, ending in done; the model is saved beside (not in) the model folder', () => {
    assert.equal(run.code, 0, run.stderr);
    events = parseEvents(run.stdout);
    assert.ok(run.stdout.endsWith('\n'), 'every event ends its line');
    assert.equal(ofType(events, 'ready').length, 0, 'the worker handshake is not part of the output');
    assert.equal(ofType(events, 'error').length, 0);
    const types = events.map((e) => e.type);
    assert.equal(types.at(-1), 'done');
    assert.equal(types.filter((t) => t === 'done').length, 1);
    for (const t of ['started', 'dataset', 'epochStart', 'batchEnd', 'epochEnd', 'checkpoint', 'evaluation'] as const) assert.ok(types.includes(t), `has a ${t} event`);
    assert.ok(types.indexOf('started') < types.indexOf('epochStart') && types.lastIndexOf('epochEnd') < types.indexOf('evaluation'));

    const started = ofType(events, 'started')[0]!;
    const done = ofType(events, 'done')[0]!;
    assert.equal(done.stopped, false);
    assert.equal(done.output, started.output);
    assert.equal(done.output, path.join(p.dir, 'emo-adapted'));
    assert.equal(path.dirname(done.output), path.dirname(p.model), 'a sibling of the source model folder');
    assert.ok(!done.output.startsWith(p.model + path.sep) && done.output !== p.model, 'not inside the source model folder');
    for (const f of ['model.json', 'weights.bin', 'metadata.json', 'evaluation.json']) assert.ok(fs.existsSync(path.join(done.output, f)), `${f} saved`);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(done.output, 'metadata.json'), 'utf8')).labels, LABELS);
    assert.deepEqual(hashDir(p.model), sourceHashes, 'the source model folder is byte-identical');
    // the run folder keeps the same stream
    const logged = fs.readFileSync(path.join(started.runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).type);
    assert.deepEqual(logged, types);
  });

  it('--epochs overrides the recipe\'s epochs', () => {
    assert.equal(run.code, 0, run.stderr);
    const ev = parseEvents(run.stdout);
    assert.equal(ofType(ev, 'started')[0]!.epochs, 2, 'the recipe says 3');
    assert.deepEqual(ofType(ev, 'epochEnd').map((e) => [e.epoch, e.epochs]), [[1, 2], [2, 2]]);
  });

  it('--backend cpu / wasm is the backend `started` reports', () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      const r = runCli(['train', p.recipe, '--epochs', '1', '--backend', backend, '--json', '--run-dir', path.join(p.dir, `run-${backend}`)], { env: env() });
      assert.equal(r.code, 0, r.stderr);
      const started = ofType(parseEvents(r.stdout), 'started')[0]!;
      assert.equal(started.backend.name, backend);
      assert.equal(started.backend.requested, backend);
      assert.equal(started.runDir, path.join(p.dir, `run-${backend}`), '--run-dir is where the run goes');
    }
    const bad = runCli(['train', p.recipe, '--backend', 'tpu'], { env: env() });
    assert.equal(bad.code, 1);
    assert.match(oneLine(bad.stderr), /--backend expects one of auto, tensorflow, tensorflow-gpu, wasm, cpu, got "tpu"/);
  });

  it('without --json, on a pipe (not a terminal), prints a readable summary: dataset, epoch table, evaluation, where the model went', () => {
    const r = runCli(['train', p.recipe, '--epochs', '2'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes('\x1b[') && !r.stdout.includes('\r'), 'no progress-line escapes when stdout is not a terminal');
    assert.ok(!r.stdout.trimStart().startsWith('{'), 'text, not JSON');
    assert.match(r.stdout, /^backend: wasm — /m);
    assert.match(r.stdout, /dataset .*: 3 classes, 27 train \/ 9 validation \/ 18 test, 64×64×1/);
    assert.match(r.stdout, /^class\s+train\s+val\s+test$/m);
    assert.match(r.stdout, /^bag\s+9\s+3\s+6$/m);
    // the summary table: a header, a rule, one row per epoch
    const lines = r.stdout.split('\n');
    const header = lines.findIndex((l) => /^phase\s+epoch\s+loss\s+accuracy\s+val_loss\s+val_accuracy\s+time$/.test(l));
    assert.ok(header >= 0, `epoch table header in:\n${r.stdout}`);
    assert.match(lines[header + 1]!, /^[─ ]+$/);
    assert.match(lines[header + 2]!, /^head\s+1\s+\d+\.\d{4}\s+\d+\.\d%\s+\d+\.\d{4}\s+\d+\.\d%\s+\d+\.\ds$/);
    assert.match(lines[header + 3]!, /^head\s+2\s/);
    assert.match(lines[header + 4]!, /^head: reached the epoch cap \(2\) before converging; keeping epoch 2 \(val_loss \d/, 'two epochs, two rows, then how the phase ended');
    assert.match(r.stdout, /evaluation on test \(18 examples\):\n\s+accuracy \d+\.\d% /);
    for (const l of LABELS) assert.match(r.stdout, new RegExp(`^\\s+${l}\\s+\\d+\\.\\d%\\s+\\d+\\.\\d%\\s+\\d+\\.\\d%\\s+6$`, 'm'));
    assert.match(r.stdout, new RegExp(`adapted model saved to ${p.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/emo-adapted \\(`));
  });

  it('a bad recipe exits 1 with one line naming the file, and writes no model', () => {
    const dir = tempDir();
    const cases: [string, string, RegExp][] = [
      ['schema.adapt.json', JSON.stringify({ model: path.join(p.model, 'model.json'), training: { epochs: 0 } }), /schema\.adapt\.json#\/training\/epochs: invalid recipe: .*expected at least 1 epoch/],
      ['broken.adapt.json', '{ "model": ', /broken\.adapt\.json: invalid recipe: .*not valid JSON/],
      ['nodata.adapt.json', JSON.stringify({ model: path.join(p.model, 'model.json'), data: { train: './nope' } }), /\/nope: training data not found/],
      ['nomodel.adapt.json', JSON.stringify({ model: './missing/model.json', data: { train: path.join(p.dir, 'data', 'train') } }), /missing\/model\.json: model file not found/],
    ];
    for (const [name, text, message] of cases) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      for (const json of [false, true]) {
        const r = runCli(['train', file, ...(json ? ['--json'] : [])], { env: env() });
        assert.equal(r.code, 1, `${name}: ${r.stderr}`);
        const line = oneLine(r.stderr);
        assert.match(line, /^transfer-studio train: /);
        assert.match(line, message);
        if (json) {
          const last = parseEvents(r.stdout).at(-1)!;
          assert.equal(last.type, 'error', 'with --json the error is the last event');
          assert.equal((last as WorkerEventOf<'error'>).error.user, true);
        }
      }
    }
    const missing = runCli(['train', path.join(dir, 'absent.adapt.json')], { env: env() });
    assert.equal(missing.code, 1);
    assert.match(oneLine(missing.stderr), /absent\.adapt\.json: recipe file not found/);
    assert.ok(!fs.readdirSync(dir).some((f) => /adapted/.test(f)), 'no output folder for a failed run');
    assert.deepEqual(hashDir(p.model), sourceHashes);
  });

  it('usage errors exit 1 with one line; the help lists the exit codes, 130 for a stopped run included', () => {
    const help = runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Exit codes: 0 ok, 1 user error, 2 internal error, 130 train stopped by Ctrl-C/);
    for (const args of [['train'], ['train', 'a.adapt.json', 'b.adapt.json'], ['train', p.recipe, '--epochs', '0'], ['train', p.recipe, '--epochs', '1.5'], ['train', p.recipe, '--baseline', 'imagenet'], ['train', p.recipe, '--frobnicate']]) {
      const r = runCli(args, { env: env() });
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, /^transfer-studio train: /, args.join(' '));
    }
  });

  it('Ctrl-C stops gracefully: exit 130, a checkpoint on disk, the source model byte-identical; --resume continues from it', async () => {
    const q = project({ training: { epochs: 300 } });
    const before = hashDir(q.model);
    const live = liveCli(['train', q.recipe, '--json']);
    const first = await live.waitFor((e) => e.type === 'epochEnd');
    assert.equal(first.type, 'epochEnd', first.type === 'log' ? first.message : '');
    process.kill(live.pid, 'SIGINT');
    const { code } = await live.exit;
    assert.equal(code, 130, `exit code for a run stopped by Ctrl-C; stderr: ${live.stderr()}`);
    assert.match(live.stderr(), /stopping after the current batch \(a checkpoint is kept\)/);
    const done = ofType(live.events, 'done')[0]!;
    assert.ok(done, 'a done event, not an abort');
    assert.equal(done.stopped, true);
    assert.equal(live.events.at(-1)!.type, 'done');
    const epochsRun = ofType(live.events, 'epochEnd').length;
    assert.ok(epochsRun < 300, 'stopped long before the end');
    assert.equal(ofType(live.events, 'evaluation').length, 0, 'no evaluation for a stopped run');
    assert.ok(fs.existsSync(path.join(done.output, 'model.json')) && fs.existsSync(path.join(done.output, 'weights.bin')), 'the checkpoint is on disk');
    assert.equal(checkpointEpoch(done.output), epochsRun, 'the checkpoint knows its last completed epoch');
    assert.ok(!fs.existsSync(path.join(q.dir, 'emo-adapted')), 'no final model for a stopped run');
    assert.deepEqual(hashDir(q.model), before, 'the source model folder is byte-identical');

    // --resume: the weights come back and training continues after the checkpoint's epoch
    const r = runCli(['train', q.recipe, '--resume', done.output, '--epochs', String(epochsRun + 2), '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const resumed = parseEvents(r.stdout);
    assert.deepEqual(ofType(resumed, 'epochStart').map((e) => e.epoch), [epochsRun + 1, epochsRun + 2]);
    assert.ok(ofType(resumed, 'log').some((l) => l.message.startsWith(`resuming from ${done.output}`)));
    const firstLoss = ofType(live.events, 'epochEnd')[0]!.logs.loss!;
    const resumedLoss = ofType(resumed, 'epochEnd')[0]!.logs.loss!;
    assert.ok(resumedLoss < firstLoss, `the resumed run starts from trained weights (loss ${resumedLoss} < first epoch's ${firstLoss})`);
    assert.equal(ofType(resumed, 'done')[0]!.stopped, false);
    assert.ok(fs.existsSync(path.join(q.dir, 'emo-adapted', 'model.json')));
    assert.deepEqual(hashDir(q.model), before);

    const notCheckpoint = runCli(['train', q.recipe, '--resume', path.join(q.dir, 'data')], { env: env() });
    assert.equal(notCheckpoint.code, 1);
    assert.match(oneLine(notCheckpoint.stderr), /\/data: not a Transfer Studio checkpoint: metadata\.json is missing/);
  });

  it('Ctrl-C twice aborts at once: exit 130 (never 0) and the last checkpoint named', async () => {
    const q = project({ training: { epochs: 300 } });
    const live = liveCli(['train', q.recipe, '--json']);
    const ck = await live.waitFor((e) => e.type === 'checkpoint' && !e.best);
    assert.equal(ck.type, 'checkpoint', ck.type === 'log' ? ck.message : '');
    process.kill(live.pid, 'SIGINT');
    await live.waitForStderr('press Ctrl-C again');
    process.kill(live.pid, 'SIGINT');
    const { code } = await live.exit;
    assert.equal(code, 130, `stderr: ${live.stderr()}`);
    assert.match(live.stderr(), /aborted/);
    const lastCheckpoint = ofType(live.events, 'checkpoint').filter((e) => !e.best).at(-1)!;
    assert.ok(live.stderr().includes(lastCheckpoint.path), `names the last checkpoint (${lastCheckpoint.path}): ${live.stderr()}`);
    assert.ok(fs.existsSync(path.join(lastCheckpoint.path, 'model.json')));
  });

  it('Ctrl-C while the worker is still starting stops the run before it trains', async () => {
    // a worker that waits at a gate, so Ctrl-C lands deterministically before it is ready
    const gate = path.join(tempDir(), 'gate');
    const wrapper = path.join(path.dirname(gate), 'gated-worker.js');
    fs.writeFileSync(wrapper, `const fs = require('fs');
fs.writeFileSync(${JSON.stringify(gate + '.started')}, '');
const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(gate + '.go')})) { clearInterval(t); require(${JSON.stringify(path.join(ROOT, 'dist', 'worker.js'))}); } }, 20);
`);
    const q = project({ training: { epochs: 3 } });
    const live = liveCli(['train', q.recipe, '--json'], { TRANSFER_STUDIO_WORKER: wrapper });
    while (!fs.existsSync(gate + '.started')) await new Promise((r) => setTimeout(r, 20));
    process.kill(live.pid, 'SIGINT'); // the CLI has forked the worker, so its SIGINT handler is in place
    await live.waitForStderr('stopping');
    fs.writeFileSync(gate + '.go', '');
    const { code } = await live.exit;
    assert.equal(code, 130, `stderr: ${live.stderr()}`);
    assert.equal(ofType(live.events, 'epochEnd').length, 0, 'no training after Ctrl-C');
    assert.ok(!fs.existsSync(path.join(q.dir, 'emo-adapted')), 'no model saved');
  });

  it('two runs of one recipe started in the same second get separate run folders', () => {
    // occupy the default run folder names for the next minute: a run must not reuse (and mix its log into) one
    const q = project({ training: { epochs: 1 } });
    const runs = path.join(q.dir, '.transfer-studio', 'runs');
    const now = Date.now();
    const taken: string[] = [];
    for (let s = 0; s < 60; s++) {
      const stamp = new Date(now + s * 1000).toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
      const dir = path.join(runs, `emo-${stamp}`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'events.jsonl'), '');
      taken.push(dir);
    }
    const r = runCli(['train', q.recipe, '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const runDir = ofType(parseEvents(r.stdout), 'started')[0]!.runDir;
    assert.equal(path.dirname(runDir), runs);
    assert.ok(!taken.includes(runDir), `a fresh run folder, not ${runDir}`);
    for (const d of taken) assert.equal(fs.readFileSync(path.join(d, 'events.jsonl'), 'utf8'), '', 'other runs\' logs untouched');
  });
});

describe('CLI: evaluate and predict a model trained by the CLI', () => {
  let output = '';
  let dir = '';
  let trainedEvaluation: { report: unknown } | undefined;

  before(() => {
    const p = project({ training: { epochs: 3 } });
    dir = p.dir;
    const r = runCli(['train', p.recipe, '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const events = parseEvents(r.stdout);
    output = ofType(events, 'done')[0]!.output;
    trainedEvaluation = ofType(events, 'evaluation')[0];
  });

  it('evaluate --json: accuracy, a confusion matrix sized by the labels, per-class scores that agree with it', () => {
    const r = runCli(['evaluate', output, '--data', path.join(dir, 'data', 'test'), '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const report = EvaluationReportSchema.parse(JSON.parse(r.stdout));
    assert.equal(report.task, 'single-label');
    assert.deepEqual(report.labels, LABELS, 'labels from the saved metadata');
    assert.equal(report.examples, 18);
    const m = report.confusion!;
    assert.equal(m.length, LABELS.length);
    for (const row of m) assert.equal(row.length, LABELS.length);
    assert.equal(m.flat().reduce((a, b) => a + b, 0), 18);
    const correct = m.reduce((s, row, i) => s + row[i]!, 0);
    assert.equal(report.accuracy, correct / 18);
    assert.deepEqual(report.perClass!.map((c) => c.label), LABELS);
    report.perClass!.forEach((c, i) => {
      const support = m[i]!.reduce((a, b) => a + b, 0);
      const predicted = m.reduce((s, row) => s + row[i]!, 0);
      assert.equal(c.support, support);
      assert.equal(support, 6, 'six test images per class');
      assert.ok(Math.abs(c.recall - m[i]![i]! / support) < 1e-12, `${c.label} recall`);
      assert.ok(Math.abs(c.precision - (predicted ? m[i]![i]! / predicted : 0)) < 1e-12, `${c.label} precision`);
    });
    assert.ok(report.accuracy! > 1 / 3, `better than chance after 3 epochs (${report.accuracy})`);
    // the same model on the same images as the run's own final evaluation
    const trained = EvaluationReportSchema.parse(trainedEvaluation!.report);
    assert.deepEqual(report.confusion, trained.confusion);

    const text = runCli(['evaluate', output, '--data', path.join(dir, 'data', 'test')], { env: env() });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /evaluation on .*data\/test \(18 examples\):\n\s+accuracy \d+\.\d%/);
  });

  it('evaluate --backend is validated and used', () => {
    for (const backend of ['cpu', 'wasm']) {
      const r = runCli(['evaluate', output, '--data', path.join(dir, 'data', 'test'), '--backend', backend, '--json', '--verbose'], { env: env() });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(EvaluationReportSchema.parse(JSON.parse(r.stdout)).labels, LABELS);
      assert.match(r.stderr, new RegExp(`^backend: ${backend} `, 'm'), '--verbose shows the backend the worker used');
    }
    const bad = runCli(['evaluate', output, '--data', path.join(dir, 'data', 'test'), '--backend', 'tpu'], { env: env() });
    assert.equal(bad.code, 1);
    assert.match(oneLine(bad.stderr), /--backend expects one of .*got "tpu"/);
  });

  it('predict --backend is validated and used, and gives the same top label on cpu and wasm', () => {
    const file = path.join(dir, 'data', 'test', LABELS[0]!, fs.readdirSync(path.join(dir, 'data', 'test', LABELS[0]!)).sort()[0]!);
    const tops: string[] = [];
    for (const backend of ['cpu', 'wasm']) {
      const r = runCli(['predict', output, file, '--backend', backend, '--json', '--verbose'], { env: env() });
      assert.equal(r.code, 0, r.stderr);
      tops.push(PredictionSchema.parse((JSON.parse(r.stdout) as unknown[])[0]).top[0]!.label);
      assert.match(r.stderr, new RegExp(`^backend: ${backend} `, 'm'), '--verbose shows the backend the worker used');
    }
    assert.equal(tops[0], tops[1]);
    const bad = runCli(['predict', output, file, '--backend', 'tpu'], { env: env() });
    assert.equal(bad.code, 1);
    assert.match(oneLine(bad.stderr), /--backend expects one of .*got "tpu"/);
  });

  it('predict --top 2 [--json]: top-k labels from the metadata, sorted, scores summing to at most 1', () => {
    const files = LABELS.flatMap((l) => fs.readdirSync(path.join(dir, 'data', 'test', l)).sort().map((f) => path.join(dir, 'data', 'test', l, f)));
    const r = runCli(['predict', output, ...files, '--top', '2', '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const preds = (JSON.parse(r.stdout) as unknown[]).map((x) => PredictionSchema.parse(x));
    assert.deepEqual(preds.map((x) => x.file), files, 'one prediction per file, in order');
    for (const pr of preds) {
      assert.equal(pr.top.length, 2);
      for (const t of pr.top) assert.ok(LABELS.includes(t.label) && t.score >= 0 && t.score <= 1, JSON.stringify(t));
      assert.notEqual(pr.top[0]!.label, pr.top[1]!.label);
      assert.ok(pr.top[0]!.score >= pr.top[1]!.score, 'sorted by score');
      assert.ok(pr.top[0]!.score + pr.top[1]!.score <= 1 + 1e-6, 'softmax: two of three scores sum to ≤ 1');
    }
    // top-1 agrees with evaluate's accuracy on the same files
    const ev = EvaluationReportSchema.parse(JSON.parse(runCli(['evaluate', output, '--data', path.join(dir, 'data', 'test'), '--json'], { env: env() }).stdout));
    const hits = preds.filter((x) => x.top[0]!.label === path.basename(path.dirname(x.file))).length;
    assert.equal(hits / files.length, ev.accuracy);
    // all three scores of a softmax sum to 1
    const all = (JSON.parse(runCli(['predict', output, files[0]!, '--top', '3', '--json'], { env: env() }).stdout) as { top: { score: number }[] }[])[0]!;
    assert.ok(Math.abs(all.top.reduce((a, t) => a + t.score, 0) - 1) < 1e-5);

    const text = runCli(['predict', output, files[0]!, files[6]!, '--top', '2'], { env: env() });
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trim().split('\n');
    assert.equal(lines.length, 6, text.stdout);
    assert.equal(lines[0], files[0]);
    assert.match(lines[1]!, /^ {2}1\. (bag|sneaker|trouser)\s+\d+\.\d%$/);
    assert.match(lines[2]!, /^ {2}2\. (bag|sneaker|trouser)\s+\d+\.\d%$/);
    assert.equal(lines[3], files[6]);
  });

  it('bad input to evaluate and predict: exit 1, one line naming the file, nothing written', () => {
    const before = snapshotDir(dir);
    const notImage = path.join(tempDir(), 'notes.png');
    fs.writeFileSync(notImage, 'not an image');
    const image = path.join(dir, 'data', 'test', 'bag', fs.readdirSync(path.join(dir, 'data', 'test', 'bag'))[0]!);
    const missingModel = path.join(dir, 'no-such-model');
    const cases: [string[], string, RegExp][] = [
      [['evaluate', missingModel, '--data', path.join(dir, 'data', 'test')], missingModel, /model file not found/],
      [['evaluate', output, '--data', path.join(dir, 'no-such-data')], path.join(dir, 'no-such-data'), /not found/],
      [['evaluate', output, '--data', notImage], notImage, /./],
      [['evaluate', notImage, '--data', path.join(dir, 'data', 'test')], notImage, /not valid JSON/],
      [['predict', missingModel, image], missingModel, /model file not found/],
      [['predict', output, image, notImage], notImage, /not an image/],
      [['predict', output, path.join(dir, 'absent.png')], path.join(dir, 'absent.png'), /file not found/],
    ];
    for (const [args, file, message] of cases) {
      const r = runCli(args, { env: env() });
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      const line = oneLine(r.stderr);
      assert.ok(line.startsWith(`transfer-studio ${args[0]}: ${file}`), `names ${file}: ${line}`);
      assert.match(line, message);
      assert.equal(r.stdout, '', 'nothing on stdout');
    }
    for (const args of [['predict', output], ['predict', output, image, '--top', '0'], ['evaluate', output]]) {
      const r = runCli(args, { env: env() });
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, new RegExp(`^transfer-studio ${args[0]}: `));
    }
    assert.deepEqual(snapshotDir(dir), before, 'nothing written');
  });
});
