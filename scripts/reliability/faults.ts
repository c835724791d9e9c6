/**
 * Faults a user's machine throws at a run: SIGKILL of the CLI or of its training worker in the
 * middle of an epoch and in the middle of a save, Ctrl-C, a full disk while saving and while
 * caching features, and a second run on an output folder that one is already writing.
 *
 * Every kill case checks the same promises: the source model is byte-identical, nothing partial is
 * ever at the output path (what is there is the previous output or a complete new one), the last
 * checkpoint loads, and `--resume` from it ends with the same weights as an uninterrupted run with
 * the same seed (max |Δ| ≤ TOLERANCE).
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  absentOrComplete, alive, check, cli, completeModel, copyEmotion, copyFashion, fillDisk, leftovers, maxAbsDiff, mountTmpfs, parseEvent, same, slowRecipe,
  tinyRecipe, treeHash, userLine, waitFor, weightsOf, workerOf, workspace, writeJson, type Case, type Check, type CliResult, type Ctx, type WorkerEvent,
} from './lib';

/** Float tolerance of "the same final weights" (the runs are bit-identical here; the slack is for other backends). */
export const TOLERANCE = 1e-5;

/** Every epoch writes its checkpoint (the product writes one every 30 s, and always the phase's last). */
const CHECKPOINT_EVERY_EPOCH = { TRANSFER_STUDIO_CHECKPOINT_SECONDS: '0' };

const env = (ctx: Ctx): NodeJS.ProcessEnv => ({ ...ctx.env, ...CHECKPOINT_EVERY_EPOCH });

/** Weights of an uninterrupted run of slowRecipe() (same seed, same data): computed once per suite run. */
let reference: Promise<{ weights: Float32Array; ms: number } | { error: string }> | undefined;
function referenceWeights(ctx: Ctx): Promise<{ weights: Float32Array; ms: number } | { error: string }> {
  reference ??= (async () => {
    const dir = path.join(ctx.suite.tmp, 'reference-run');
    fs.mkdirSync(dir, { recursive: true });
    workspace(dir, slowRecipe({ output: './ref' }));
    const r = await cli(['train', 'r.adapt.json', '--json'], { cwd: dir, env: { ...env(ctx), TRANSFER_STUDIO_CACHE: path.join(dir, '.cache') } });
    if (r.code !== 0 || !completeModel(path.join(dir, 'ref')).ok) return { error: `the uninterrupted reference run failed: exit ${r.code}: ${userLine(r)}` };
    return { weights: weightsOf(path.join(dir, 'ref')), ms: r.ms ?? 0 };
  })();
  return reference;
}

interface Killed {
  result: CliResult;
  /** Last complete per-epoch checkpoint the run announced (not `best`). */
  checkpoint?: string;
  checkpointEpoch?: number;
  /** What was going on at the kill. */
  at: string;
  /** The killed run's worker pid (for "no orphan" checks). */
  worker?: number;
  workerGoneMs?: number;
  /** The staging folder still existed right after the kill (it really was mid-save). */
  midSave?: boolean;
}

type Target = 'cli' | 'worker';
type Moment =
  | { kind: 'epoch'; epoch: number; batch: number }
  | { kind: 'save'; folder: 'out' | 'checkpoint'; afterEpoch?: number };

/**
 * `transfer-studio train r.adapt.json --json`, SIGKILL of `target` at `moment`: on the batch event
 * of that epoch, or (mid-save) the instant a staging folder `NAME.tmp-*` appears beside the
 * folder being saved (inotify through fs.watch), before the save has renamed it into place.
 */
async function trainAndKill(dir: string, ctx: Ctx, target: Target, moment: Moment): Promise<Killed> {
  let checkpoint: string | undefined;
  let checkpointEpoch: number | undefined;
  let worker: number | undefined;
  let at = '';
  let killed = false;
  let watcher: fs.FSWatcher | undefined;
  let stagedDir: string | undefined;
  let epoch = 0;
  let child: ChildProcess | undefined;
  const kill = (why: string): void => {
    if (killed || !child?.pid) return;
    const pid = target === 'cli' ? child.pid : (worker ?? workerOf(child.pid));
    if (!pid) return;
    killed = true;
    process.kill(pid, 'SIGKILL');
    at = why;
  };
  const watch = (folder: string, name: string): void => {
    if (watcher) return;
    fs.mkdirSync(folder, { recursive: true });
    watcher = fs.watch(folder, (_t, f) => {
      const file = f?.toString();
      if (!killed && file?.startsWith(`${name}.tmp-`)) {
        stagedDir = path.join(folder, file);
        kill(`while saving ${name}/ (its staging folder ${file} had just appeared)`);
      }
    });
  };
  if (moment.kind === 'save' && moment.folder === 'out') watch(dir, 'out');
  const result = await cli(['train', 'r.adapt.json', '--json'], {
    cwd: dir,
    env: env(ctx),
    timeoutMs: 240_000,
    onStart: (c) => { child = c; },
    onLine: (line) => {
      const e = parseEvent(line) as (WorkerEvent & { path?: string; best?: boolean; epoch?: number; batch?: number; batches?: number; runDir?: string; phase?: string }) | undefined;
      if (!e) return;
      if (e.type === 'started' && child?.pid) worker = workerOf(child.pid);
      if (e.type === 'checkpoint' && !e.best) { checkpoint = e.path; checkpointEpoch = e.epoch; }
      if (e.type === 'epochStart') epoch = e.epoch!;
      if (moment.kind === 'epoch' && e.type === 'batchEnd' && e.phase === 'head' && e.epoch === moment.epoch && e.batch === moment.batch) {
        kill(`in epoch ${moment.epoch}, after batch ${e.batch} of ${e.batches}`);
      }
      if (moment.kind === 'save' && moment.folder === 'checkpoint' && e.type === 'epochStart' && e.epoch === (moment.afterEpoch ?? 2) && e.runDir === undefined && checkpoint) {
        watch(path.dirname(checkpoint), 'checkpoint');
      }
      if (moment.kind === 'save' && moment.folder === 'checkpoint' && e.type === 'started' && e.runDir) ctx.state.runDir = e.runDir;
    },
  });
  watcher?.close();
  const k: Killed = { result, checkpoint, checkpointEpoch, at: killed ? at : `never killed (the run ended: exit ${result.code}; epoch ${epoch})`, worker };
  if (stagedDir) k.midSave = fs.existsSync(stagedDir);
  if (worker) {
    const t0 = Date.now();
    await waitFor(() => !alive(worker!), 10_000);
    k.workerGoneMs = Date.now() - t0;
  }
  return k;
}

/** The checks every kill case makes, then `--resume` from the last checkpoint and the weights compared. */
async function afterKill(dir: string, ctx: Ctx, k: Killed, o: { previous?: string } = {}): Promise<{ checks: Check[]; resume?: CliResult }> {
  const out = path.join(dir, 'out');
  const checks: Check[] = [];
  checks.push(check(k.at.startsWith('never') === false, `killed ${k.at}`, `the kill did not happen: ${k.at}`));
  checks.push(same('source model', ctx.state.before as string, treeHash(path.join(dir, 'model'))));
  if (k.worker !== undefined) checks.push(check(!alive(k.worker), `no worker left running (pid ${k.worker} gone ${k.workerGoneMs} ms after the kill)`, `the worker (pid ${k.worker}) is still running`));
  if (o.previous !== undefined) {
    const now = treeHash(out);
    const complete = completeModel(out);
    // killed between the save's two renames (out → out.old-PID, staging → out): nothing at ./out for that
    // instant's state, the previous output intact beside it; the next save puts it back (checked by --resume below)
    const aside = fs.existsSync(out) ? undefined : fs.readdirSync(dir).find((n) => n.startsWith('out.old-') && treeHash(path.join(dir, n)) === o.previous);
    checks.push(check(now === o.previous || complete.ok || aside !== undefined,
      now === o.previous ? 'the previous output is byte-identical' : complete.ok ? 'the output holds a complete new model' : `killed between the save's two renames: the previous output is byte-identical at ${aside} (put back by the next save)`,
      `the output is neither the previous one nor complete (${complete.why})`));
  } else {
    checks.push(absentOrComplete(out));
  }
  const stale = leftovers(out);
  if (stale.length) checks.push({ ok: true, text: `left beside the output: ${stale.join(', ')} (a staging folder of the killed save; never read, removed by the next save)` });
  if (!k.checkpoint) return { checks: [...checks, { ok: false, text: 'no checkpoint was announced before the kill' }] };
  // a run killed while replacing the checkpoint may have left it aside: the product's resume puts it back
  const ck = k.checkpoint;
  const inspect = await cli(['inspect', path.join(ck, 'model.json')], { cwd: dir, env: ctx.env });
  checks.push(check(inspect.code === 0, `the last checkpoint (epoch ${k.checkpointEpoch}) loads (transfer-studio inspect: exit 0)`, `the last checkpoint does not load: exit ${inspect.code}: ${userLine(inspect)}`));
  const resume = await cli(['train', 'r.adapt.json', '--json', '--resume', ck], { cwd: dir, env: env(ctx), timeoutMs: 240_000 });
  checks.push(check(resume.code === 0 && completeModel(out).ok, '--resume finished: a complete model at the output', `--resume failed: exit ${resume.code}: ${userLine(resume)}`));
  checks.push(check(leftovers(out).length === 0, 'nothing left beside the output after the resumed save', `still beside the output: ${leftovers(out).join(', ')}`));
  const ref = await referenceWeights(ctx);
  if ('error' in ref) checks.push({ ok: false, text: ref.error });
  else if (resume.code === 0) {
    const d = maxAbsDiff(weightsOf(out), ref.weights);
    checks.push(check(d <= TOLERANCE, `resumed weights = an uninterrupted run's (${ref.weights.length} floats, max |Δ| ${d.toExponential(1)} ≤ ${TOLERANCE})`, `resumed weights differ from an uninterrupted run's: max |Δ| ${d} > ${TOLERANCE}`));
  }
  return { checks, resume };
}

function killCase(name: string, target: Target, moment: Moment, what: string, o: { withPrevious?: boolean; message: RegExp; code: number[] }): Case {
  return {
    name,
    group: 'faults',
    extension: target === 'worker' ? 'the dashboard gets the same crash event, marks the run failed and offers Resume from the last checkpoint (the error notification too) — see test/vscode/lifecycle.vscode.test.ts' : undefined,
    what,
    setup: async (dir, ctx) => {
      workspace(dir, slowRecipe());
      ctx.state.before = treeHash(path.join(dir, 'model'));
      if (o.withPrevious) {
        // a previous output at ./out (an earlier complete run), which the killed save must not damage
        const r = await cli(['train', 'r.adapt.json', '--epochs', '1'], { cwd: dir, env: env(ctx), timeoutMs: 240_000 });
        if (r.code !== 0) throw new Error(`the first run failed: ${userLine(r)}`);
        ctx.state.previous = treeHash(path.join(dir, 'out'));
      }
    },
    run: async (dir, ctx) => {
      const k = await trainAndKill(dir, ctx, target, moment);
      ctx.state.killed = k;
      const after = await afterKill(dir, ctx, k, { previous: ctx.state.previous as string | undefined });
      ctx.state.checks = after.checks;
      const saw = target === 'cli' ? `(the terminal: killed by ${k.result.signal ?? `exit ${k.result.code}`})` : userLine({ ...k.result, message: undefined });
      const notes = [`killed ${k.at}`, ...(k.midSave !== undefined ? [k.midSave ? 'the staging folder was still there after the kill: the save really was interrupted' : 'the save had finished its renames when the kill landed'] : [])];
      return { ...k.result, notes, message: `${saw} → then --resume: ${after.resume ? userLine(after.resume) : 'not run'}` };
    },
    expect: { code: o.code, message: o.message, files: (_d, _r, ctx) => ctx.state.checks as Check[] },
  };
}

const WORKER_KILLED = /the training worker crashed \(signal SIGKILL\); the last checkpoint is .*\/checkpoint — resume with --resume .*\/checkpoint → then --resume: \{"type":"done","output":"[^"]*\/out","stopped":false\}/;
const RESUMED = /→ then --resume: \{"type":"done","output":"[^"]*\/out","stopped":false\}/;

/** Mount a tmpfs at `dir/disk` of `size`, the case's disk that fills up. */
function smallDisk(dir: string, ctx: Ctx, size: string): string {
  const disk = path.join(dir, 'disk');
  mountTmpfs(ctx, disk, size);
  return disk;
}

function du(p: string): number {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (st.isFile()) return st.size;
  return fs.readdirSync(p).reduce((s, f) => s + du(path.join(p, f)), 0);
}

export const faultCases: Case[] = [
  killCase('kill-cli-mid-epoch', 'cli', { kind: 'epoch', epoch: 3, batch: 2 },
    'SIGKILL of `transfer-studio train --json` in epoch 3 of 4 (every layer training, a checkpoint after each epoch); then `train --resume CHECKPOINT`',
    { code: [-1], message: RESUMED }),
  killCase('kill-worker-mid-epoch', 'worker', { kind: 'epoch', epoch: 3, batch: 2 },
    'SIGKILL of the training worker (the CLI\'s child process) in epoch 3 of 4; then `train --resume CHECKPOINT`',
    { code: [1], message: WORKER_KILLED }),
  killCase('kill-worker-mid-save', 'worker', { kind: 'save', folder: 'out' },
    'a previous complete output at ./out; a second run, its worker SIGKILLed the instant its save\'s staging folder out.tmp-* appears; then `--resume`',
    { code: [1], message: WORKER_KILLED, withPrevious: true }),
  killCase('kill-cli-mid-save', 'cli', { kind: 'save', folder: 'out' },
    'a previous complete output at ./out; a second run, the CLI SIGKILLed the instant the save\'s staging folder appears (the worker, disconnected, exits); then `--resume`',
    { code: [-1], message: RESUMED, withPrevious: true }),
  killCase('kill-worker-mid-checkpoint-save', 'worker', { kind: 'save', folder: 'checkpoint', afterEpoch: 2 },
    'the worker SIGKILLed the instant the checkpoint after epoch 2 starts being written (checkpoint.tmp-* appears in the run folder); then `--resume` from the last checkpoint announced',
    { code: [1], message: WORKER_KILLED }),
  {
    name: 'ctrl-c-then-resume',
    group: 'faults',
    extension: 'the dashboard\'s Stop sends the same `stop`',
    what: 'SIGINT (Ctrl-C) to `transfer-studio train` in epoch 2 of 4: a graceful stop; then `train --resume` from the checkpoint it names',
    setup: (dir, ctx) => { workspace(dir, slowRecipe()); ctx.state.before = treeHash(path.join(dir, 'model')); },
    run: async (dir, ctx) => {
      let sent = false;
      const r = await cli(['train', 'r.adapt.json', '--json'], {
        cwd: dir, env: env(ctx), timeoutMs: 240_000,
        onLine: (line, child) => {
          const e = parseEvent(line) as { type: string; epoch?: number; batch?: number } | undefined;
          if (!sent && e?.type === 'batchEnd' && e.epoch === 2 && e.batch === 2) { sent = true; child.kill('SIGINT'); }
        },
      });
      const done = r.stdout.split('\n').map(parseEvent).find((e) => e?.type === 'done') as { output?: string; stopped?: boolean } | undefined;
      ctx.state.checkpoint = done?.output;
      const resume = done?.output ? await cli(['train', 'r.adapt.json', '--json', '--resume', done.output], { cwd: dir, env: env(ctx), timeoutMs: 240_000 }) : undefined;
      ctx.state.resume = resume;
      const said = r.stderr.split('\n').find((l) => l.startsWith('stopping')) ?? '';
      return { ...r, message: `${said} {"type":"done","output":"${done?.output}","stopped":${done?.stopped}} → then --resume: ${resume ? userLine(resume) : 'not run'}` };
    },
    expect: {
      code: 130,
      message: /stopping after the current batch.*"stopped":true.*→ then --resume: \{"type":"done","output":"[^"]*\/out","stopped":false\}/,
      files: (dir, _r, ctx): Check[] => {
        const resume = ctx.state.resume as CliResult | undefined;
        return [
          same('source model', ctx.state.before as string, treeHash(path.join(dir, 'model'))),
          check(!!ctx.state.checkpoint && completeModel(ctx.state.checkpoint as string).ok, 'the stop checkpoint is a complete model', 'no complete stop checkpoint'),
          check(resume?.code === 0 && completeModel(path.join(dir, 'out')).ok, 'the resumed run saved a complete model', 'the resumed run did not finish'),
        ];
      },
    },
  },
  {
    name: 'disk-full-during-save',
    group: 'faults',
    what: 'the output folder on a 6 MiB tmpfs: a first run saves there; the disk is then filled to 64 KiB free and the same recipe trained again; then space is freed and it is trained a third time',
    setup: (dir, ctx) => {
      const disk = smallDisk(dir, ctx, '6m');
      workspace(dir, tinyRecipe({ output: path.join(disk, 'out') }));
      ctx.state.disk = disk;
    },
    run: async (dir, ctx) => {
      const disk = ctx.state.disk as string;
      const out = path.join(disk, 'out');
      const first = await cli(['train', 'r.adapt.json'], { cwd: dir, env: ctx.env, timeoutMs: 240_000 });
      if (first.code !== 0) throw new Error(`the first run failed: ${userLine(first)}`);
      ctx.state.previous = treeHash(out);
      ctx.state.modelBytes = du(out);
      const filler = fillDisk(disk, 64 * 1024);
      const full = await cli(['train', 'r.adapt.json'], { cwd: dir, env: ctx.env, timeoutMs: 240_000 });
      ctx.state.afterFull = treeHash(out);
      ctx.state.leftAfterFull = fs.readdirSync(disk).filter((f) => f !== 'out' && f !== path.basename(filler));
      fs.rmSync(filler);
      const again = await cli(['train', 'r.adapt.json'], { cwd: dir, env: ctx.env, timeoutMs: 240_000 });
      ctx.state.again = again;
      return { ...full, notes: [`the model takes ${Math.round((ctx.state.modelBytes as number) / 1024)} KiB`] };
    },
    expect: {
      code: 1,
      message: /the disk is full: the adapted model could not be written \(ENOSPC/,
      files: (dir, _r, ctx): Check[] => {
        const again = ctx.state.again as CliResult;
        const disk = ctx.state.disk as string;
        return [
          same('the previous output', ctx.state.previous as string, ctx.state.afterFull as string),
          check((ctx.state.leftAfterFull as string[]).length === 0, 'no staging folder left on the full disk', `left on the disk: ${(ctx.state.leftAfterFull as string[]).join(', ')}`),
          check(again.code === 0 && completeModel(path.join(disk, 'out')).ok, 'with space again, the next run saves a complete model', `the next run failed: exit ${again.code}: ${userLine(again)}`),
          absentOrComplete(path.join(dir, 'out'), 'workspace output'),
        ];
      },
    },
  },
  {
    name: 'disk-full-during-feature-cache',
    group: 'faults',
    what: 'the feature cache (TRANSFER_STUDIO_CACHE) on a 1 MiB tmpfs filled to 24 KiB free: `transfer-studio train --json` (36 images of features to cache); then the disk freed, trained again on the same cache, and once more with a fresh cache',
    setup: (dir, ctx) => {
      const disk = smallDisk(dir, ctx, '1m');
      workspace(dir, tinyRecipe({ training: { epochs: 3, seed: 1, earlyStopping: false } }));
      ctx.state.disk = disk;
    },
    run: async (dir, ctx) => {
      const disk = ctx.state.disk as string;
      const cache = path.join(disk, 'cache');
      const filler = fillDisk(disk, 24 * 1024);
      const full = await cli(['train', 'r.adapt.json', '--json'], { cwd: dir, env: { ...ctx.env, TRANSFER_STUDIO_CACHE: cache }, timeoutMs: 240_000 });
      ctx.state.fullOut = completeModel(path.join(dir, 'out')).ok ? weightsOf(path.join(dir, 'out')) : undefined;
      ctx.state.torn = listTorn(cache);
      fs.rmSync(filler);
      const next = await cli(['train', 'r.adapt.json', '--json'], { cwd: dir, env: { ...ctx.env, TRANSFER_STUDIO_CACHE: cache }, timeoutMs: 240_000 });
      ctx.state.next = next;
      ctx.state.nextOut = next.code === 0 ? weightsOf(path.join(dir, 'out')) : undefined;
      const fresh = await cli(['train', 'r.adapt.json', '--json'], { cwd: dir, env: { ...ctx.env, TRANSFER_STUDIO_CACHE: path.join(dir, 'fresh-cache') }, timeoutMs: 240_000 });
      ctx.state.freshOut = fresh.code === 0 ? weightsOf(path.join(dir, 'out')) : undefined;
      const warn = full.stdout.split('\n').map(parseEvent).find((e) => e?.type === 'log' && (e as { level?: string }).level === 'warn' && /feature cache/.test(String((e as { message?: string }).message))) as { message?: string } | undefined;
      const reuse = next.stdout.split('\n').map(parseEvent).find((e) => e?.type === 'log' && /^features: /.test(String((e as { message?: string }).message))) as { message?: string } | undefined;
      return { ...full, message: warn?.message ?? userLine(full), notes: [`the next run on the same cache said: "${reuse?.message ?? '?'}"`] };
    },
    expect: {
      code: 0,
      message: /the feature cache in .* could not be written: the disk is full \(ENOSPC\); this run keeps its features in memory, and what was cached before stays valid/,
      files: (_dir, _r, ctx): Check[] => {
        const fullOut = ctx.state.fullOut as Float32Array | undefined;
        const nextOut = ctx.state.nextOut as Float32Array | undefined;
        const freshOut = ctx.state.freshOut as Float32Array | undefined;
        const torn = ctx.state.torn as string[];
        return [
          check(!!fullOut, 'the run on the full disk still saved a complete model', 'no complete model from the run on the full disk'),
          check(torn.length === 0, 'no torn or staging files in the cache', `torn files in the cache: ${torn.join(', ')}`),
          check(!!nextOut && !!freshOut && maxAbsDiff(nextOut, freshOut) <= TOLERANCE, 'the next run on that cache = a run on a fresh cache (same weights): not poisoned', 'the next run on that cache differs from a fresh-cache run'),
          check(!!fullOut && !!freshOut && maxAbsDiff(fullOut, freshOut) <= TOLERANCE, 'the full-disk run = a fresh-cache run (same weights)', 'the full-disk run differs from a fresh-cache run'),
        ];
      },
    },
  },
  {
    name: 'second-run-same-output',
    group: 'faults',
    extension: 'the extension refuses a second start while one runs (transferStudio.maxConcurrentRuns = 1); with a higher setting the worker refuses it the same way — see test/vscode/lifecycle.vscode.test.ts',
    what: 'two recipes with the same "output": while `train a.adapt.json` runs, `train b.adapt.json`',
    setup: (dir) => {
      copyEmotion(dir);
      copyFashion(dir);
      writeJson(path.join(dir, 'a.adapt.json'), slowRecipe());
      writeJson(path.join(dir, 'b.adapt.json'), tinyRecipe());
    },
    run: async (dir, ctx) => {
      let second: Promise<CliResult> | undefined;
      const first = await cli(['train', 'a.adapt.json', '--json'], {
        cwd: dir, env: env(ctx), timeoutMs: 240_000,
        onLine: (line) => {
          const e = parseEvent(line);
          if (!second && e?.type === 'epochStart') second = cli(['train', 'b.adapt.json'], { cwd: dir, env: ctx.env, timeoutMs: 240_000 });
        },
      });
      ctx.state.first = first;
      const r = await (second ?? Promise.resolve({ code: -1, stdout: '', stderr: '', message: 'the second run never started' } as CliResult));
      return { ...r, notes: [`the first run: exit ${first.code}`] };
    },
    expect: {
      code: 1,
      message: /out: another training run \(process \d+, started .*\) is already writing to this output folder/,
      files: (dir, _r, ctx): Check[] => [
        check((ctx.state.first as CliResult).code === 0 && completeModel(path.join(dir, 'out')).ok, 'the first run finished and saved a complete model', 'the first run did not finish'),
      ],
    },
  },
  {
    name: 'stale-lock-after-kill',
    group: 'faults',
    what: 'SIGKILL of the worker in epoch 2 (its output lock stays behind), then `transfer-studio train` of the same recipe at once',
    setup: (dir) => { workspace(dir, slowRecipe()); },
    run: async (dir, ctx) => {
      await trainAndKill(dir, ctx, 'worker', { kind: 'epoch', epoch: 2, batch: 1 });
      return cli(['train', 'r.adapt.json', '--epochs', '1'], { cwd: dir, env: env(ctx), timeoutMs: 240_000 });
    },
    expect: { code: 0, message: /adapted model saved to .*out/, files: (dir) => [check(completeModel(path.join(dir, 'out')).ok, 'a complete model (the dead run\'s lock was taken over)')] },
  },
];

/** Staging / torn files in a feature cache: `*.tmp-*`, or .f32 files of a size no other file there has. */
function listTorn(cache: string): string[] {
  const out: string[] = [];
  const sizes = new Map<number, number>();
  const files: { f: string; size: number }[] = [];
  const walk = (d: string): void => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.tmp-/.test(e.name)) out.push(e.name);
      else if (e.name.endsWith('.f32')) { const size = fs.statSync(p).size; files.push({ f: e.name, size }); sizes.set(size, (sizes.get(size) ?? 0) + 1); }
    }
  };
  walk(path.join(cache, 'features'));
  const common = [...sizes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  for (const x of files) if (x.size !== common) out.push(`${x.f} (${x.size} bytes)`);
  return out;
}
