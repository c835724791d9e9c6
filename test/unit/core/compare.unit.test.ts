/**
 * Comparing runs (src/core/compare.ts, src/core/compareFiles.ts, `transfer-studio compare`) on REAL
 * run folders: the CLI's `train` run on a tiny project (the functional MobileNet fixture, three
 * Fashion-MNIST classes) with two different recipes, and the first recipe once more. Every expected
 * value is read back from the files the runs wrote (events.jsonl, run.json, evaluation.json) or from
 * `transfer-studio evaluate`, never typed in.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareRuns, diffRecipes, formatEpochsRun, formatKept, parseEventLog, type RunComparison } from '../../../src/core/compare';
import { readEventLog, readRunFiles, validateLoggedEvent } from '../../../src/core/compare/files';
import { isUserError, UserError } from '../../../src/core/errors';
import { EvaluationReportSchema } from '../../../src/core/protocol/reports';
import { parseWorkerEvent, type WorkerEvent } from '../../../src/core/protocol/worker';
import { runCli } from '../../helpers/cli';
import { PROJECT_FIXTURES, tempDir } from '../../helpers/fixtures';
import { ofType, project } from '../../helpers/runs';

let cache = '';
function env(): NodeJS.ProcessEnv {
  if (!cache) cache = tempDir('ts-cache-');
  return { TRANSFER_STUDIO_CACHE: cache };
}

interface TrainedRun { runDir: string; output: string; events: WorkerEvent[] }

/** `transfer-studio train RECIPE --json`, as a user runs it: the run folder from its `started` event. */
function train(recipe: string): TrainedRun {
  const r = runCli(['train', recipe, '--json'], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  const events = r.stdout.split('\n').filter(Boolean).map((l) => parseWorkerEvent(JSON.parse(l)));
  const started = ofType(events, 'started')[0]!;
  return { runDir: started.runDir, output: ofType(events, 'done')[0]!.output, events };
}

// JSON.parse's any: the tests read fields the files are known to have
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));
/** The events as the run folder keeps them (not the CLI's stdout): the comparison's source. */
const logged = (runDir: string): WorkerEvent[] => fs.readFileSync(path.join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => parseWorkerEvent(JSON.parse(l)));

function throwsUserError(fn: () => unknown, file: string, message: RegExp): UserError {
  try {
    fn();
  } catch (e) {
    assert.ok(isUserError(e), `a UserError, got ${String(e)}`);
    assert.equal(e.file, file);
    assert.match(e.message, message);
    return e;
  }
  assert.fail('expected a UserError');
}

/** A copy of a run folder, to damage without touching the original. */
function copyRun(runDir: string): string {
  const dir = path.join(tempDir('ts-run-copy-'), path.basename(runDir));
  fs.cpSync(runDir, dir, { recursive: true });
  return dir;
}

describe('compare runs', function () {
  this.timeout(300_000);
  let p: ReturnType<typeof project>;
  let recipeB: string;
  let a: TrainedRun;
  let b: TrainedRun;
  let c: RunComparison;

  before(() => {
    p = project({ training: { epochs: 3 } });
    // B: another recipe in the same folder, on the same data: a lower learning rate, one more epoch, a head of its own
    const text = readJson(p.recipe);
    recipeB = path.join(p.dir, 'emo-slow.adapt.json');
    fs.writeFileSync(recipeB, JSON.stringify({ ...text, head: [{ type: 'Dropout', rate: 0.2 }, { type: 'Dense' }], training: { ...text.training, epochs: 4, learningRate: 0.001 } }, null, 2));
    a = train(p.recipe);
    b = train(recipeB);
    c = compareRuns([readRunFiles(a.runDir), readRunFiles(b.runDir)]);
  });

  describe('core: RunFiles → RunComparison', () => {
    it('the recipes\' differences are JSON pointers with each run\'s value; a field one recipe lacks is one row, unset in the other', () => {
      assert.deepEqual(c.runs.map((r) => r.recipeSource), ['output', 'output'], 'both recipes come from the saved models\' metadata');
      assert.deepEqual(c.runs.map((r) => r.recipeFile), [p.recipe, recipeB]);
      assert.deepEqual(c.recipeDiff, [
        { path: '/training/epochs', values: [{ value: 3 }, { value: 4 }] },
        { path: '/training/learningRate', values: [{ value: 0.01 }, { value: 0.001 }] },
        { path: '/head', values: [null, { value: [{ type: 'Dropout', rate: 0.2 }, { type: 'Dense' }] }] },
      ]);
      // the metadata holds the recipe exactly as it was written
      assert.deepEqual(c.runs[1]!.recipe, readJson(path.join(b.output, 'metadata.json')).transferStudio.recipe);
      assert.deepEqual(c.runs.map((r) => r.key), ['A', 'B']);
      assert.deepEqual(c.runs.map((r) => r.label), ['emo', 'emo-slow']);
      assert.deepEqual(c.warnings, []);
    });

    it('diffRecipes walks into objects and arrays every recipe has, escapes keys, and finds nothing in equal recipes', () => {
      assert.deepEqual(diffRecipes([{ a: { 'x/y': 1, z: [1, 2] } }, { a: { 'x/y': 2, z: [1, 3, 4] } }]), [
        { path: '/a/x~1y', values: [{ value: 1 }, { value: 2 }] },
        { path: '/a/z/1', values: [{ value: 2 }, { value: 3 }] },
        { path: '/a/z/2', values: [null, { value: 4 }] },
      ]);
      assert.deepEqual(diffRecipes([c.runs[0]!.recipe, structuredClone(c.runs[0]!.recipe)]), []);
    });

    it('the curves are the epochs of each run\'s events.jsonl, loss and accuracy, training and validation', () => {
      assert.equal(c.metricName, 'accuracy');
      for (const [i, run] of [a, b].entries()) {
        const epochs = ofType(logged(run.runDir), 'epochEnd');
        assert.equal(epochs.length, i === 0 ? 3 : 4);
        assert.deepEqual(c.runs[i]!.curves.points.map((pt) => [pt.phase, pt.x, pt.loss, pt.valLoss, pt.metric, pt.valMetric]),
          epochs.map((e, k) => ['head', k + 1, e.logs.loss, e.logs.val_loss, e.logs.accuracy, e.logs.val_accuracy]));
        assert.equal(c.runs[i]!.curves.fineTuneAfter, null, 'no fine-tune phase');
      }
      assert.notDeepEqual(c.runs[0]!.curves.points.map((pt) => pt.loss), c.runs[1]!.curves.points.map((pt) => pt.loss), 'different settings, different curves');
    });

    it('the final metrics are the kept epoch\'s, the run\'s own evaluation and run.json\'s duration and engine', () => {
      for (const [i, run] of [a, b].entries()) {
        const f = c.runs[i]!.final;
        const events = logged(run.runDir);
        const phase = ofType(events, 'phaseEnd').find((e) => e.phase === 'head')!;
        const kept = ofType(events, 'epochEnd').find((e) => e.epoch === phase.keptEpoch)!;
        const info = readJson(path.join(run.runDir, 'run.json'));
        const saved = EvaluationReportSchema.parse(readJson(path.join(run.output, 'evaluation.json')).report);
        assert.equal(f.keptEpoch, phase.keptEpoch);
        assert.equal(f.keptPhase, 'head');
        assert.equal(f.epochsRun, phase.epochsRun);
        assert.equal(f.valLoss, kept.logs.val_loss);
        assert.equal(f.valMetric, kept.logs.val_accuracy);
        assert.deepEqual(f.evaluation, { metric: 'accuracy', value: saved.accuracy, higherIsBetter: true, split: 'test', examples: 18, loss: saved.loss });
        assert.equal(f.evaluation!.value, info.evaluation.value, 'the same number run.json summarises');
        assert.equal(f.durationMs, info.durationMs);
        assert.equal(f.engine, 'tfjs');
        assert.equal(f.backend, 'wasm');
        assert.equal(c.runs[i]!.status, 'done');
        assert.equal(c.runs[i]!.model, run.output);
        assert.equal(c.runs[i]!.modelNote, null);
      }
    });

    it('ranks the runs on their own evaluations when both saw the same test split: the higher test accuracy wins', () => {
      const acc = [a, b].map((r) => readJson(path.join(r.output, 'evaluation.json')).report.accuracy as number);
      assert.notEqual(acc[0], acc[1], `the two settings should not tie (${acc.join(' vs ')})`);
      const winner = acc[0]! > acc[1]! ? 0 : 1;
      assert.equal(c.evaluation.basis, 'own');
      assert.equal(c.evaluation.comparable, true, c.evaluation.reason ?? '');
      assert.equal(c.evaluation.on, `the test split of ${path.join(p.dir, 'data', 'test')} (18 examples)`);
      assert.deepEqual(c.evaluation.metric, { name: 'test accuracy', higherIsBetter: true });
      assert.deepEqual(c.evaluation.values, acc);
      assert.equal(c.best?.index, winner);
      assert.equal(c.best?.key, 'AB'[winner]);
      assert.equal(c.best?.value, acc[winner]);
      assert.deepEqual(c.best?.tiedWith, []);
    });

    it('with every model evaluated on one folder (--data) that evaluation decides; a run without a model is not ranked', () => {
      const data = path.join(p.dir, 'data', 'train');
      const reports = [a, b].map((r) => {
        const e = runCli(['evaluate', r.output, '--data', data, '--json'], { env: env() });
        assert.equal(e.code, 0, e.stderr);
        return EvaluationReportSchema.parse(JSON.parse(e.stdout));
      });
      const files = [readRunFiles(a.runDir), readRunFiles(b.runDir)];
      const on = compareRuns(files, { data: { dir: data, results: reports.map((report) => ({ report })) } });
      assert.equal(on.evaluation.basis, 'data');
      assert.equal(on.evaluation.comparable, true);
      assert.deepEqual(on.evaluation.values, reports.map((r) => r.accuracy));
      const winner = reports[0]!.accuracy! === reports[1]!.accuracy! ? ((reports[0]!.loss ?? Infinity) <= (reports[1]!.loss ?? Infinity) ? 0 : 1) : reports[0]!.accuracy! > reports[1]!.accuracy! ? 0 : 1;
      assert.equal(on.best?.index, winner);
      assert.equal(on.best?.basis, 'data');
      assert.equal(on.evaluation.on, `${data} (36 examples)`);
      // one run could not be evaluated: the other is best by default, the first says why
      const half = compareRuns(files, { data: { dir: data, results: [{ error: 'no model.json in /x' }, { report: reports[1]! }] } });
      assert.equal(half.best?.index, 1);
      assert.deepEqual(half.evaluation.notes, ['no model.json in /x', null]);
    });

    it('runs evaluated on different data are not ranked, and say why and what to do', () => {
      const files = [readRunFiles(a.runDir), readRunFiles(b.runDir)];
      // B's recipe as if it had pointed at another test folder
      const meta = structuredClone(files[1]!.outputMetadata) as { transferStudio: { recipe: { data: { test: string } } } };
      meta.transferStudio.recipe.data.test = './other-test';
      const other = compareRuns([files[0]!, { ...files[1]!, outputMetadata: meta }]);
      assert.equal(other.evaluation.comparable, false);
      assert.equal(other.best, null);
      assert.match(other.evaluation.reason!, /not evaluated on the same data \(emo: the test split of .*data\/test; emo-slow: the test split of .*other-test\)/);
      assert.match(other.evaluation.hint!, /--data DIR/);
      assert.ok(other.recipeDiff.some((d) => d.path === '/data/test'), 'and the difference shows in the recipes');
    });

  });

  describe('damaged run folders', () => {
    it('a missing events.jsonl is a UserError naming the file', () => {
      const dir = copyRun(a.runDir);
      fs.rmSync(path.join(dir, 'events.jsonl'));
      throwsUserError(() => readRunFiles(dir), path.join(dir, 'events.jsonl'), /event log events\.jsonl is missing/);
    });

    it('a line that is not JSON, or not an event, or an empty log is a UserError naming the file and the line', () => {
      const dir = copyRun(a.runDir);
      const file = path.join(dir, 'events.jsonl');
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      fs.writeFileSync(file, [...lines.slice(0, 3), '{"t": 1, "type": "epochEnd", "epo', ...lines.slice(3)].join('\n'));
      const e = throwsUserError(() => readRunFiles(dir), file, /^line 4 of the event log is not JSON: \{"t": 1, "type": "epochEnd", "epo$/);
      assert.match(e.hint!, /leave this run out/);
      fs.writeFileSync(file, [...lines.slice(0, 3), JSON.stringify({ t: 1, type: 'epochEnd', epoch: 'two' }), ...lines.slice(3)].join('\n'));
      throwsUserError(() => readRunFiles(dir), file, /^line 4 of the event log is not a Transfer Studio event: "epochEnd" /);
      fs.writeFileSync(file, '\n');
      throwsUserError(() => readEventLog(file), file, /has no events/);
    });

    it('a torn last line (the process died mid-write) is skipped: the rest compares as before', () => {
      const dir = copyRun(a.runDir);
      const file = path.join(dir, 'events.jsonl');
      const text = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(file, `${text}{"t": 1, "type": "batchE`);
      assert.deepEqual(readEventLog(file), readEventLog(path.join(a.runDir, 'events.jsonl')));
      // the same line with a newline after it was written whole: damage, not a torn write
      fs.writeFileSync(file, `${text}{"t": 1, "type": "batchE\n`);
      throwsUserError(() => readEventLog(file), file, new RegExp(`^line ${text.split('\n').length} of the event log is not JSON`));
    });

    it('parseEventLog keeps each line\'s time and validates with the given check', () => {
      const events = parseEventLog('{"t": 5, "type": "log", "level": "info", "message": "hi"}\n', '/x/events.jsonl', validateLoggedEvent);
      assert.deepEqual(events, [{ t: 5, type: 'log', level: 'info', message: 'hi' }]);
    });

    it('a folder without run.json is not a run folder', () => {
      const dir = tempDir('ts-not-a-run-');
      throwsUserError(() => readRunFiles(dir), dir, /not a run folder: run\.json is missing/);
      fs.writeFileSync(path.join(dir, 'run.json'), '[1, 2]');
      throwsUserError(() => readRunFiles(dir), path.join(dir, 'run.json'), /run\.json is not a JSON object/);
    });
  });

  describe('CLI: transfer-studio compare', () => {
    const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

    it('prints the runs, the recipe differences, the final metrics side by side and the best run', () => {
      const r = runCli(['compare', a.runDir, b.runDir], { env: env() });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '', 'no warnings');
      const out = r.stdout;
      assert.match(out, /^comparing 2 runs:$/m);
      assert.match(out, new RegExp(`^  A  emo\\s+done\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  ${escape(a.runDir)}$`, 'm'));
      assert.match(out, new RegExp(`^  B  emo-slow\\s+done\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  ${escape(b.runDir)}$`, 'm'));
      assert.match(out, /^recipe differences \(– = not set, the default applies\):$/m);
      assert.match(out, /^ {2}field\s+A\s+B$/m);
      assert.match(out, /^ {2}\/training\/epochs\s+3\s+4$/m);
      assert.match(out, /^ {2}\/training\/learningRate\s+0\.01\s+0\.001$/m);
      assert.match(out, /^ {2}\/head\s+–\s+\[\{"type":"Dropout","rate":0\.2\},\{"type":"Dense"\}\]$/m);

      const evals = [a, b].map((x) => readJson(path.join(x.output, 'evaluation.json')).report as { accuracy: number });
      const best = evals[0]!.accuracy > evals[1]!.accuracy ? 0 : 1;
      const cells = evals.map((e, i) => `${pct(e.accuracy)}${i === best ? ' ★' : ''}`);
      assert.match(out, new RegExp(`^ {2}test accuracy\\s+${escape(cells[0]!)}\\s+${escape(cells[1]!)}$`, 'm'));
      const kept = [a, b].map((x) => ofType(logged(x.runDir), 'phaseEnd')[0]!);
      assert.match(out, new RegExp(`^ {2}kept epoch\\s+${kept[0]!.keptEpoch} \\(head\\)\\s+${kept[1]!.keptEpoch} \\(head\\)$`, 'm'));
      assert.match(out, /^ {2}epochs run\s+3\s+4$/m);
      const valLoss = kept.map((k, i) => ofType(logged([a, b][i]!.runDir), 'epochEnd').find((e) => e.epoch === k.keptEpoch)!.logs.val_loss!.toFixed(4));
      assert.match(out, new RegExp(`^ {2}val loss\\s+${valLoss[0]}\\s+${valLoss[1]}$`, 'm'));
      assert.match(out, /^ {2}engine\s+TF\.js wasm\s+TF\.js wasm$/m);
      const key = 'AB'[best]!;
      const other = 'AB'[1 - best]!;
      assert.match(out, new RegExp(`^best: ${key} \\(${best ? 'emo-slow' : 'emo'}\\) — test accuracy ${escape(pct(evals[best]!.accuracy))} vs ${other} ${escape(pct(evals[1 - best]!.accuracy))}, on the test split of ${escape(path.join(p.dir, 'data', 'test'))} \\(18 examples\\)$`, 'm'));
    });

    it('--data evaluates every run\'s model on the same folder and ranks on it; --json is the whole comparison', () => {
      const data = path.join(p.dir, 'data', 'train');
      const r = runCli(['compare', a.runDir, b.runDir, '--data', data, '--json'], { env: env() });
      assert.equal(r.code, 0, r.stderr);
      const json = JSON.parse(r.stdout) as RunComparison;
      assert.equal(json.version, 1);
      assert.equal(json.evaluation.basis, 'data');
      const direct = [a, b].map((x) => {
        const e = runCli(['evaluate', x.output, '--data', data, '--json'], { env: env() });
        return JSON.parse(e.stdout).accuracy as number;
      });
      assert.deepEqual(json.evaluation.values, direct, 'the same numbers `transfer-studio evaluate` gives');
      assert.equal(json.best!.value, Math.max(...direct));
      const text = runCli(['compare', a.runDir, b.runDir, '--data', data], { env: env() });
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, new RegExp(`^ {2}on --data \\(accuracy\\)\\s+${escape(pct(direct[0]!))}${json.best!.index === 0 ? ' ★' : ''}\\s+${escape(pct(direct[1]!))}${json.best!.index === 1 ? ' ★' : ''}$`, 'm'));
      assert.match(text.stdout, new RegExp(`^best: ${json.best!.key} .* — accuracy .*, on ${escape(data)} \\(36 examples\\)$`, 'm'));
    });

    it('a damaged run and usage mistakes exit 1 with one line naming the file', () => {
      const dir = copyRun(b.runDir);
      fs.rmSync(path.join(dir, 'events.jsonl'));
      const damaged = runCli(['compare', a.runDir, dir], { env: env() });
      assert.equal(damaged.code, 1);
      assert.equal(damaged.stdout, '');
      assert.equal(damaged.stderr.trim().split('\n').length, 1, damaged.stderr);
      assert.match(damaged.stderr, new RegExp(`^transfer-studio compare: ${escape(path.join(dir, 'events.jsonl'))}: the run's event log events\\.jsonl is missing`));
      for (const [args, message] of [
        [[a.runDir], /expected two or more RUN_DIRs/],
        [[a.runDir, a.runDir], /the same run is named twice/],
        [[a.runDir, p.dir], /not a run folder: run\.json is missing/],
        [[a.runDir, b.runDir, '--data', path.join(p.dir, 'nope')], /nope: data not found/],
      ] as [string[], RegExp][]) {
        const r = runCli(['compare', ...args], { env: env() });
        assert.equal(r.code, 1, args.join(' '));
        assert.match(r.stderr, /^transfer-studio compare: /);
        assert.match(r.stderr, message);
      }
    });
  });

  describe('recorded runs (test/fixtures/runs): a two-phase fine-tune and a stopped one', () => {
    it('fine-tune epochs continue the head\'s on the x axis; the kept epoch and the epochs run name both phases', () => {
      const recorded = (['sample-run', 'stopped-run'] as const).map((name) => {
        const dir = path.join(PROJECT_FIXTURES, 'runs');
        const info = (readJson(path.join(dir, 'runs.json')) as Record<string, { runDir: string }>)[name]!;
        const events = parseEventLog(fs.readFileSync(path.join(dir, `${name}.jsonl`), 'utf8'), `${name}.jsonl`, validateLoggedEvent);
        return { info, events };
      });
      const cmp = compareRuns(recorded.map((r) => ({ runDir: r.info.runDir, runJson: r.info, events: r.events })));
      for (const [i, r] of recorded.entries()) {
        const epochs = ofType(r.events, 'epochEnd');
        const head = epochs.filter((e) => e.phase === 'head').length;
        const fineTune = epochs.filter((e) => e.phase === 'fineTune').length;
        assert.ok(head > 0 && fineTune > 0, 'both phases were recorded');
        const run = cmp.runs[i]!;
        assert.equal(run.curves.fineTuneAfter, head);
        assert.deepEqual(run.curves.points.map((p) => [p.phase, p.x]), [...Array.from({ length: head }, (_, k) => ['head', k + 1]), ...Array.from({ length: fineTune }, (_, k) => ['fineTune', head + k + 1])], 'the baseline is not a curve of its own');
        // these recordings predate phaseEnd: the last epoch is the kept one
        assert.equal(formatKept(run.final), `${head + fineTune} (fine-tune ${fineTune})`);
        assert.equal(formatEpochsRun(run.final), `${head} + ${fineTune}`);
      }
      assert.deepEqual(cmp.runs.map((r) => r.status), ['done', 'stopped']);
      assert.equal(cmp.runs[1]!.modelNote, 'stopped: its checkpoint');
      assert.equal(cmp.evaluation.comparable, false);
      assert.equal(cmp.evaluation.reason, 'fashion-stopped has no evaluation of its own');
      assert.deepEqual(cmp.warnings, ['the recipes of fashion-two-phase, fashion-stopped are unknown: their differences are not shown']);
    });
  });

  describe('runs without a test folder', () => {
    it('are ranked on their evaluations of the same validation split (same training folder, split and seed); another seed is other data', () => {
      const q = project({ data: { test: undefined }, training: { epochs: 3 } });
      const text = readJson(q.recipe);
      const other = path.join(q.dir, 'emo-slow.adapt.json');
      fs.writeFileSync(other, JSON.stringify({ ...text, training: { ...text.training, learningRate: 0.001 } }, null, 2));
      const runs = [train(q.recipe), train(other)];
      const files = runs.map((r) => readRunFiles(r.runDir));
      const cmp = compareRuns(files);
      const reports = runs.map((r) => EvaluationReportSchema.parse(readJson(path.join(r.output, 'evaluation.json')).report));
      assert.deepEqual(reports.map((r) => [r.split, r.examples]), [['validation', 9], ['validation', 9]]);
      assert.equal(cmp.evaluation.comparable, true, cmp.evaluation.reason ?? '');
      assert.equal(cmp.evaluation.on, `the validation split of ${path.join(q.dir, 'data', 'train')} (25%, seed 7, 9 examples)`);
      assert.deepEqual(cmp.evaluation.metric, { name: 'validation accuracy', higherIsBetter: true });
      assert.deepEqual(cmp.evaluation.values, reports.map((r) => r.accuracy));
      const acc = reports.map((r) => r.accuracy!);
      const winner = acc[0] !== acc[1] ? (acc[0]! > acc[1]! ? 0 : 1) : ((reports[0]!.loss ?? Infinity) <= (reports[1]!.loss ?? Infinity) ? 0 : 1);
      assert.equal(cmp.best?.index, winner);
      assert.deepEqual(cmp.recipeDiff.map((d) => d.path), ['/training/learningRate']);
      // the same files, but a different seed draws a different validation split
      const meta = structuredClone(files[1]!.outputMetadata) as { transferStudio: { recipe: { training: { seed: number } } } };
      meta.transferStudio.recipe.training.seed = 8;
      const reseeded = compareRuns([files[0]!, { ...files[1]!, outputMetadata: meta }]);
      assert.equal(reseeded.best, null);
      assert.match(reseeded.evaluation.reason!, /not evaluated on the same data \(emo: the validation split of .*data\/train \(25%, seed 7\); emo-slow: the validation split of .*data\/train \(25%, seed 8\)\)/);
    });
  });

  // last: it overwrites A's output folder
  describe('a recipe trained twice', () => {
    it('the same recipe trained again: the first run\'s output folder now holds the later model, so its recipe comes from its own checkpoint', () => {
      const again = train(p.recipe);
      assert.equal(again.output, a.output, 'the same output folder');
      const cmp = compareRuns([readRunFiles(a.runDir), readRunFiles(again.runDir)]);
      assert.equal(cmp.runs[0]!.model, null);
      assert.match(cmp.runs[0]!.modelNote!, new RegExp(`^${a.output.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} now holds the model of a later run`));
      assert.equal(cmp.runs[0]!.recipeSource, 'checkpoint');
      assert.equal(cmp.runs[1]!.model, a.output);
      assert.deepEqual(cmp.recipeDiff, [], 'the same recipe');
      assert.match(cmp.runs[0]!.label, /^emo @ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/, 'two runs of one name are told apart by their start');
      assert.notEqual(cmp.runs[0]!.label, cmp.runs[1]!.label);
      // the first run's own evaluation is in its event log, so the ranking still stands
      assert.equal(cmp.evaluation.comparable, true);
      assert.equal(cmp.runs[0]!.final.evaluation?.value, ofType(logged(a.runDir), 'evaluation')[0]!.report.accuracy);
    });
  });
});
