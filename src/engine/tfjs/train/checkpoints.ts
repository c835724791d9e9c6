/** Checkpoints of a run (every epoch, and the best one) and resuming from one. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../core/errors';
import type { Phase } from '../../../core/protocol/reports';
import type { WorkerEvent } from '../../../core/protocol/worker';
import { loadModel } from '../io/load';
import { recoverInterruptedSave, saveAdaptedModel, type AdaptedMetadata } from '../io/save';
import { leafLayers } from '../surgery/layers';

type NamedTensor = { name: string; tensor: tf.Tensor };

/** Each optimizer's state (Adam's moments, momentum's accumulations, the step count), per learning-rate group. */
export interface OptimizerState {
  groups: { multiplier: number; weights: NamedTensor[] }[];
}

/** A resumed run's optimizer state, kept until the phase it belongs to starts (keyed by the adapted model). */
const pendingOptimizer = new WeakMap<tf.LayersModel, { phase: string; state: OptimizerState }>();

const OPTIMIZER_JSON = 'optimizer.json';
const OPTIMIZER_BIN = 'optimizer.bin';

async function encodeOptimizer(state: OptimizerState): Promise<Record<string, string | Uint8Array>> {
  const groups: { multiplier: number; specs: tf.io.WeightsManifestEntry[]; byteOffset: number; byteLength: number }[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const g of state.groups) {
    const { data, specs } = await tf.io.encodeWeights(g.weights);
    const bytes = new Uint8Array(data);
    groups.push({ multiplier: g.multiplier, specs, byteOffset: offset, byteLength: bytes.byteLength });
    parts.push(bytes);
    offset += bytes.byteLength;
  }
  const bin = new Uint8Array(offset);
  let o = 0;
  for (const p of parts) { bin.set(p, o); o += p.byteLength; }
  return { [OPTIMIZER_JSON]: JSON.stringify({ format: 1, groups }), [OPTIMIZER_BIN]: bin };
}

function decodeOptimizer(dir: string): OptimizerState | undefined {
  const jsonFile = path.join(dir, OPTIMIZER_JSON);
  if (!fs.existsSync(jsonFile)) return undefined; // an older checkpoint, or a stop's: the moments start afresh
  const meta = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as { groups: { multiplier: number; specs: tf.io.WeightsManifestEntry[]; byteOffset: number; byteLength: number }[] };
  const bin = fs.readFileSync(path.join(dir, OPTIMIZER_BIN));
  return {
    groups: meta.groups.map((g) => {
      const buf = bin.buffer.slice(bin.byteOffset + g.byteOffset, bin.byteOffset + g.byteOffset + g.byteLength);
      const map = tf.io.decodeWeights(buf, g.specs);
      return { multiplier: g.multiplier, weights: g.specs.map((s) => ({ name: s.name, tensor: map[s.name]! })) };
    }),
  };
}

export class Checkpointer {
  constructor(
    private readonly model: tf.LayersModel,
    private readonly runDir: string,
    private readonly metadata: (extra: Record<string, unknown>) => AdaptedMetadata,
    private readonly protect: string[],
    private readonly emit: (e: WorkerEvent) => void,
  ) {}

  /** Saves the model as `runDir/<kind>`; `monitor`/`value` are what the loop compared. */
  async save(kind: 'checkpoint' | 'best', phase: Phase, epoch: number, monitor?: { name: string; value: number | null }, optimizer?: () => Promise<OptimizerState>): Promise<string> {
    let extraFiles: Record<string, string | Uint8Array> | undefined;
    if (optimizer) {
      const state = await optimizer();
      extraFiles = await encodeOptimizer(state);
      // the step counts and the copies of Adam's powers are new tensors; the moments are the optimizers' own variables
      tf.dispose(state.groups.flatMap((g) => g.weights.filter((w) => w.name === 'iter' || w.name.startsWith('transferStudio/')).map((w) => w.tensor)));
    }
    const dir = await saveAdaptedModel(this.model, path.join(this.runDir, kind), this.metadata({ phase, epoch }), { protect: this.protect, extraFiles });
    this.emit({ type: 'checkpoint', path: dir, epoch, phase, best: kind === 'best', ...(monitor ? { monitor: monitor.name, value: monitor.value } : {}) });
    return dir;
  }

  /** The optimizer state a resumed run read for `phase` (once: the phase's loop takes it). */
  takeResumedOptimizer(phase: string): OptimizerState | undefined {
    const p = pendingOptimizer.get(this.model);
    if (!p || p.phase !== phase) return undefined;
    pendingOptimizer.delete(this.model);
    return p.state;
  }
}

/** Weights from a checkpoint of the same recipe; returns the phase and epoch to continue after. */
export async function resumeFrom(dir: string, model: tf.LayersModel, log: (m: string) => void): Promise<{ phase: string; epoch: number }> {
  recoverInterruptedSave(dir); // a run killed while replacing this checkpoint left the previous one aside
  const metaFile = path.join(dir, 'metadata.json');
  if (!fs.existsSync(metaFile)) throw new UserError('not a Transfer Studio checkpoint: metadata.json is missing', { file: dir });
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as { transferStudio?: { extra?: { phase?: string; epoch?: number } } };
  const ck = await loadModel(path.join(dir, 'model.json'));
  // layer by layer: a model's own weight list puts trainable weights first, and a checkpoint of the
  // fine-tuning phase saved some base layers trainable that this freshly frozen model does not have
  const mine = leafLayers(model).flatMap((l) => l.weights);
  const theirs = leafLayers(ck.model).flatMap((l) => l.weights);
  if (theirs.length !== mine.length || theirs.some((w, i) => w.shape.join() !== mine[i]!.shape.join())) {
    ck.model.dispose();
    throw new UserError('the checkpoint does not match this recipe\'s adapted model (different layers or shapes)', { file: dir });
  }
  tf.tidy(() => mine.forEach((w, i) => w.write(theirs[i]!.read().clone()))); // copies: the checkpoint model owns its values
  ck.model.dispose();
  const phase = meta.transferStudio?.extra?.phase ?? 'head';
  const epoch = meta.transferStudio?.extra?.epoch ?? 0;
  const optimizer = decodeOptimizer(dir);
  if (optimizer) pendingOptimizer.set(model, { phase, state: optimizer });
  log(`resuming from ${dir} (${phase}, after epoch ${epoch}); ${optimizer ? 'the optimizer continues from its saved state' : 'the optimizer\'s moments start afresh (the checkpoint has no optimizer state)'}`);
  return { phase, epoch };
}
