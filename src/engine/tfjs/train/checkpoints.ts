/** Checkpoints of a run (every epoch, and the best one) and resuming from one. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../core/errors';
import type { Phase } from '../../../core/protocol/reports';
import type { WorkerEvent } from '../../../core/protocol/worker';
import { loadModel } from '../io/load';
import { saveAdaptedModel, type AdaptedMetadata } from '../io/save';

export class Checkpointer {
  constructor(
    private readonly model: tf.LayersModel,
    private readonly runDir: string,
    private readonly metadata: (extra: Record<string, unknown>) => AdaptedMetadata,
    private readonly protect: string[],
    private readonly emit: (e: WorkerEvent) => void,
  ) {}

  /** Saves the model as `runDir/<kind>`; `monitor`/`value` are what the loop compared. */
  async save(kind: 'checkpoint' | 'best', phase: Phase, epoch: number, monitor?: { name: string; value: number | null }): Promise<string> {
    const dir = await saveAdaptedModel(this.model, path.join(this.runDir, kind), this.metadata({ phase, epoch }), { protect: this.protect });
    this.emit({ type: 'checkpoint', path: dir, epoch, phase, best: kind === 'best', ...(monitor ? { monitor: monitor.name, value: monitor.value } : {}) });
    return dir;
  }
}

/** Weights from a checkpoint of the same recipe; returns the phase and epoch to continue after. */
export async function resumeFrom(dir: string, model: tf.LayersModel, log: (m: string) => void): Promise<{ phase: string; epoch: number }> {
  const metaFile = path.join(dir, 'metadata.json');
  if (!fs.existsSync(metaFile)) throw new UserError('not a Transfer Studio checkpoint: metadata.json is missing', { file: dir });
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as { transferStudio?: { extra?: { phase?: string; epoch?: number } } };
  const ck = await loadModel(path.join(dir, 'model.json'));
  const mine = model.weights;
  const theirs = ck.model.getWeights();
  if (theirs.length !== mine.length || theirs.some((w, i) => w.shape.join() !== mine[i]!.shape.join())) {
    ck.model.dispose();
    throw new UserError('the checkpoint does not match this recipe\'s adapted model (different layers or shapes)', { file: dir });
  }
  model.setWeights(theirs); // copies the values; the checkpoint model owns `theirs`
  ck.model.dispose();
  const phase = meta.transferStudio?.extra?.phase ?? 'head';
  const epoch = meta.transferStudio?.extra?.epoch ?? 0;
  log(`resuming from ${dir} (${phase}, after epoch ${epoch}); the optimizer's moments start afresh`);
  return { phase, epoch };
}
