/** Small real training runs for tests: the functional MobileNet (64×64 grey) on Fashion-MNIST images. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkerEvent } from '../../src/core/protocol/worker';
import { WorkerClient } from '../../src/worker/client';
import { ensureBuilt } from './cli';
import { PROJECT_FIXTURES, ROOT, tempDir } from './fixtures';

export const EMOTION_DIR = path.join(PROJECT_FIXTURES, 'models', 'layers-mobilenet025-emotion-functional');
const FASHION = path.join(ROOT, 'examples', 'fashion-mini');

/** A project folder with a copy of the model, some Fashion-MNIST classes and a recipe. */
export function project(recipe: Record<string, unknown> = {}, classes = ['bag', 'sneaker', 'trouser']): { dir: string; recipe: string; model: string } {
  const dir = tempDir('ts-run-');
  fs.cpSync(EMOTION_DIR, path.join(dir, 'model'), { recursive: true });
  for (const split of ['train', 'test']) for (const c of classes) fs.cpSync(path.join(FASHION, split, c), path.join(dir, 'data', split, c), { recursive: true });
  const file = path.join(dir, 'emo.adapt.json');
  const { data, training, ...rest } = recipe as { data?: object; training?: object };
  fs.writeFileSync(file, JSON.stringify({
    model: './model/model.json',
    ...rest,
    data: { train: './data/train', test: './data/test', validationSplit: 0.25, ...data },
    training: { epochs: 3, batchSize: 8, learningRate: 0.01, seed: 7, ...training },
  }, null, 2));
  return { dir, recipe: file, model: path.join(dir, 'model') };
}

export interface RunResult {
  events: WorkerEvent[];
  client: WorkerClient;
}

/** Start the built worker (dist/worker.js) the way the CLI and the extension do. */
export function worker(env: NodeJS.ProcessEnv = {}, execArgv: string[] = []): WorkerClient {
  ensureBuilt();
  return new WorkerClient({ script: path.join(ROOT, 'dist', 'worker.js'), env: { TRANSFER_STUDIO_CACHE: tempDir('ts-cache-'), ...env }, execArgv });
}

/** Run a recipe to its end (done or error), collecting every event. */
export async function train(recipe: string, overrides: Record<string, unknown> = {}, opts: { onEvent?: (e: WorkerEvent, client: WorkerClient) => void; env?: NodeJS.ProcessEnv; execArgv?: string[] } = {}): Promise<RunResult> {
  const client = worker(opts.env, opts.execArgv);
  const events: WorkerEvent[] = [];
  const finished = new Promise<void>((resolve) => {
    client.onEvent((e) => {
      events.push(e);
      opts.onEvent?.(e, client);
      if (e.type === 'done' || (e.type === 'error' && e.id === undefined)) resolve();
    });
  });
  try {
    await client.ready;
  } catch {
    // a worker that dies while starting reports an error event; `finished` resolves on it
  }
  client.send({ type: 'train', recipe, overrides: { runDir: path.join(path.dirname(recipe), 'run'), ...overrides } });
  await finished;
  await client.shutdown(3000);
  return { events, client };
}

export function ofType<T extends WorkerEvent['type']>(events: WorkerEvent[], type: T): Extract<WorkerEvent, { type: T }>[] {
  return events.filter((e): e is Extract<WorkerEvent, { type: T }> => e.type === type);
}
