/**
 * Training lifecycle in the real extension host: ten start/stop cycles leave no worker process
 * behind and do not grow the extension host's memory; a second run on an output folder that one
 * is writing is refused with a clear message (by the extension's one-run limit, and with a higher
 * limit by the worker's output lock); a worker killed mid-run is reported on the run.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, closeAllEditors, waitFor, workspaceDir } from './helpers';

/**
 * A recipe whose batches decode and augment images every step (no feature cache): a run that lasts
 * until stopped. Everything lives in its own folder of the workspace, with its own copy of the model,
 * so that the other suites' "which recipe uses this model" lookups never find these recipes.
 */
function writeRecipe(name: string, output = `./${name}-out`): vscode.Uri {
  const dir = path.join(workspaceDir(), 'lifecycle');
  for (const c of ['bag', 'sneaker', 'trouser']) fs.cpSync(path.join(process.env.TS_ROOT!, 'examples', 'fashion-mini', 'train', c), path.join(dir, 'fashion', 'train', c), { recursive: true });
  if (!fs.existsSync(path.join(dir, 'emotion'))) fs.cpSync(path.join(process.env.TS_ROOT!, 'test', 'fixtures', 'models', 'layers-mobilenet025-emotion-functional'), path.join(dir, 'emotion'), { recursive: true });
  const file = path.join(dir, `${name}.adapt.json`);
  fs.writeFileSync(file, JSON.stringify({ model: './emotion/model.json', data: { train: './fashion/train', augment: { flip: true } }, training: { epochs: 200, batchSize: 4, earlyStopping: false }, output }, null, 2));
  return vscode.Uri.file(file);
}

/** Child processes of the extension host that run a Transfer Studio worker. */
function workerChildren(): number[] {
  const r = spawnSync('ps', ['--ppid', String(process.pid), '-o', 'pid=,args='], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => /worker\.js/.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]));
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); } catch { return false; }
  try { return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8')); } catch { return false; }
}

const mib = (b: number): number => Math.round(b / 2 ** 20);

describe('training lifecycle', () => {
  after(async () => {
    await vscode.workspace.getConfiguration('transferStudio').update('maxConcurrentRuns', undefined, vscode.ConfigurationTarget.Workspace);
    await closeAllEditors();
    delete process.env.TRANSFER_STUDIO_CHECKPOINT_SECONDS;
    // the recipes go with the suite: a later suite opening a model must not find them
    fs.rmSync(path.join(workspaceDir(), 'lifecycle'), { recursive: true, force: true });
  });

  it('10 start/stop cycles leave no worker process and do not grow the extension host', async function () {
    this.timeout(900_000);
    const a = await api();
    const uri = writeRecipe('cycles');
    const heap: number[] = [];
    const workers: number[] = [];
    const othersSeen = new Set<number>();
    // the extension's own engine worker (model inspection) may already be running: only new ones count
    const before = new Set(workerChildren());
    for (let i = 0; i < 10; i++) {
      const id = (await vscode.commands.executeCommand('transferStudio.startTraining', uri)) as string;
      assert.ok(id, `cycle ${i + 1}: the run started`);
      const run = a.runs.get(id)!;
      const pid = run.client?.pid;
      assert.ok(pid && alive(pid), `cycle ${i + 1}: a worker process`);
      workers.push(pid);
      await waitFor(`cycle ${i + 1}: a batch`, () => run.events.some((e) => e.type === 'batchEnd'), 120_000);
      await vscode.commands.executeCommand('transferStudio.stopTraining', id);
      await waitFor(`cycle ${i + 1}: the run to stop`, () => !run.active, 60_000);
      assert.equal(run.info.status, 'stopped', run.info.error);
      await waitFor(`cycle ${i + 1}: worker ${pid} to exit`, () => !alive(pid), 10_000);
      await closeAllEditors(); // the dashboard each start opens
      heap.push(process.memoryUsage().heapUsed);
      for (const p of workerChildren()) if (!workers.includes(p) && !before.has(p)) othersSeen.add(p);
    }
    assert.deepEqual(workers.filter(alive), [], 'no training worker left running');
    // besides the training workers, only the extension's one engine worker (started on first use, kept) may run
    const others = new Set(workerChildren().filter((p) => !before.has(p)));
    for (const seen of othersSeen) others.add(seen);
    assert.ok(others.size <= 1 && before.size <= 1, `worker processes other than the training runs': ${[...before, ...others].join(', ')}`);
    assert.equal(new Set(workers).size, 10, 'each start had its own worker');
    assert.equal(a.runs.active.length, 0);
    // the first cycles warm up (modules, webview code); from the 3rd to the 10th the heap must not keep growing
    const growth = heap[9]! - heap[2]!;
    console.log(`      extension host heap after each cycle (MiB): ${heap.map(mib).join(', ')}`);
    assert.ok(growth < 32 * 2 ** 20, `the extension host's heap grew by ${mib(growth)} MiB over 7 start/stop cycles: ${heap.map(mib).join(', ')}`);
  });

  it('a second training on the same output folder while one runs is refused with a clear message', async function () {
    this.timeout(300_000);
    const a = await api();
    const first = writeRecipe('first', './shared-out');
    const second = writeRecipe('second', './shared-out');
    const id = (await vscode.commands.executeCommand('transferStudio.startTraining', first)) as string;
    const run = a.runs.get(id)!;
    await waitFor('the first run to train', () => run.events.some((e) => e.type === 'batchEnd'), 120_000);

    // the default limit: one run at a time
    let before = a.errors().length;
    assert.equal(await vscode.commands.executeCommand('transferStudio.startTraining', second), undefined);
    assert.match(a.errors().slice(before).join('\n'), /1 run is already going \(transferStudio\.maxConcurrentRuns = 1\)/);

    // a higher limit: the second run starts, and its worker refuses the output the first one is writing
    await vscode.workspace.getConfiguration('transferStudio').update('maxConcurrentRuns', 2, vscode.ConfigurationTarget.Workspace);
    before = a.errors().length;
    const id2 = (await vscode.commands.executeCommand('transferStudio.startTraining', second)) as string;
    const run2 = a.runs.get(id2)!;
    await waitFor('the second run to end', () => !run2.active, 60_000);
    assert.equal(run2.info.status, 'failed');
    assert.match(run2.info.error ?? '', /another training run \(process \d+, started .*\) is already writing to this output folder/);
    assert.ok(run.active, 'the first run goes on');
    await vscode.workspace.getConfiguration('transferStudio').update('maxConcurrentRuns', undefined, vscode.ConfigurationTarget.Workspace);

    await vscode.commands.executeCommand('transferStudio.stopTraining', id);
    await waitFor('the first run to stop', () => !run.active, 60_000);
    assert.equal(run.info.status, 'stopped');
  });

  it('a worker killed mid-run is reported on the run, and Resume goes on from its last checkpoint', async function () {
    this.timeout(300_000);
    const a = await api();
    const uri = writeRecipe('killed');
    // a checkpoint after every epoch (the default writes one every 30 s): the worker inherits this
    process.env.TRANSFER_STUDIO_CHECKPOINT_SECONDS = '0';
    const id = (await vscode.commands.executeCommand('transferStudio.startTraining', uri)) as string;
    const run = a.runs.get(id)!;
    const pid = run.client!.pid!;
    // killed in the middle of an epoch after the first checkpoint
    await waitFor('a checkpoint', () => run.events.some((e) => e.type === 'checkpoint' && !e.best), 180_000);
    const batches = run.events.filter((e) => e.type === 'batchEnd').length;
    await waitFor('a batch after it', () => run.events.filter((e) => e.type === 'batchEnd').length > batches, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}; the run's last events: ${run.events.slice(-8).map((x) => x.type === 'log' ? `log: ${x.message}` : x.type).join(' | ')}; status ${run.info.status}`);
    });
    const before = a.errors().length;
    process.kill(pid, 'SIGKILL');
    await waitFor('the run to end', () => !run.active, 30_000);
    assert.equal(run.info.status, 'failed');
    assert.match(run.info.error ?? '', /the training worker (crashed \(signal SIGKILL\)|exited unexpectedly)/);
    await waitFor('the error notification', () => a.errors().slice(before).some((m) => /Training "killed" failed: the training worker/.test(m)), 10_000);
    assert.ok(!alive(pid));

    // the notification and the dashboard offer Resume; both run this command on the run
    const checkpoint = run.resumeCheckpoint();
    assert.ok(checkpoint && fs.existsSync(path.join(checkpoint, 'model.json')), `a checkpoint on disk to resume from: ${checkpoint}`);
    const ckptEvent = [...run.events].reverse().find((e) => e.type === 'checkpoint' && !e.best);
    const id2 = (await vscode.commands.executeCommand('transferStudio.resumeTraining', id)) as string;
    assert.notEqual(id2, id, 'a new run');
    const resumed = a.runs.get(id2)!;
    await waitFor('the resumed run to train', () => resumed.events.some((e) => e.type === 'batchEnd'), 120_000);
    const log = resumed.events.map((e) => (e.type === 'log' ? e.message : '')).join('\n');
    assert.match(log, new RegExp(`resuming from .*checkpoint \\(head, after epoch ${ckptEvent?.type === 'checkpoint' ? ckptEvent.epoch : '?'}\\)`));
    const first = resumed.events.find((e) => e.type === 'epochStart');
    assert.ok(first?.type === 'epochStart' && ckptEvent?.type === 'checkpoint' && first.epoch === ckptEvent.epoch + 1, `the resumed run starts at the epoch after the checkpoint's (${ckptEvent?.type === 'checkpoint' ? ckptEvent.epoch : '?'}), got ${first?.type === 'epochStart' ? first.epoch : '?'}`);
    await vscode.commands.executeCommand('transferStudio.stopTraining', id2);
    await waitFor('the resumed run to stop', () => !resumed.active, 60_000);
  });
});
