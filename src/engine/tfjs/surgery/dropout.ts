/**
 * Dropout that draws a new mask on every training step, repeatably. TF.js's Dropout with a `seed`
 * (the head's Dropout has the run's seed) rebuilds its random generator from that seed on every
 * call, so it drops the SAME units at every step: a fixed sub-network, not dropout. Each Dropout
 * layer here gets its own stream of random numbers, restarted from (run seed, layer, phase, epoch)
 * at the start of every epoch: runs repeat, a run resumed at an epoch repeats the uninterrupted one,
 * and cached and uncached training see the same masks. The mask is drawn row by row, so a batch
 * run as micro-batches gets exactly the masks of the whole batch.
 */
import * as tf from '@tensorflow/tfjs';
import { wrapCall } from './layers';

const STREAM = Symbol.for('transfer-studio.dropoutStream');
const WRAPPED = Symbol.for('transfer-studio.dropoutMasks');

type DropoutLayer = tf.layers.Layer & { rate: number; noiseShape?: (number | null)[] | null; [STREAM]?: { state: number } };

const isDropout = (l: tf.layers.Layer): l is DropoutLayer => l.getClassName() === 'Dropout';

/** mulberry32: fast, and good enough to pick which units to drop. */
function next(stream: { state: number }): number {
  let t = (stream.state = (stream.state + 0x6d2b79f5) | 0);
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h | 0;
}

/** Gives every Dropout layer among `layers` its own mask stream (idempotent). Returns how many. */
export function freshDropoutMasks(layers: tf.layers.Layer[]): number {
  let n = 0;
  for (const layer of layers) {
    if (!isDropout(layer)) continue;
    const stream = { state: hash(layer.name) };
    const wrapped = wrapCall(layer, WRAPPED, (original) => (inputs, kwargs) => {
      const rate = layer.rate;
      if (kwargs?.['training'] !== true || !(rate > 0 && rate < 1)) return original(inputs, kwargs);
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const shape = (layer.noiseShape ?? x.shape).map((d, i) => d ?? x.shape[i]!);
      const mask = new Float32Array(shape.reduce((a, b) => a * b, 1));
      const keep = 1 / (1 - rate);
      for (let i = 0; i < mask.length; i++) mask[i] = next(stream) >= rate ? keep : 0;
      return tf.tidy(() => tf.mul(x, tf.tensor(mask, shape)));
    });
    if (!wrapped) continue;
    layer[STREAM] = stream;
    n++;
  }
  return n;
}

/** Restarts the mask streams of `layers` for this run, phase and epoch. */
export function restartDropoutMasks(layers: tf.layers.Layer[], seed: number, phase: string, epoch: number): void {
  for (const layer of layers) {
    const stream = isDropout(layer) ? layer[STREAM] : undefined;
    if (stream) stream.state = hash(`${seed}/${layer.name}/${phase}/${epoch}`);
  }
}

/** Runs `fn` (a measurement, not a step) and puts the mask streams back where they were. */
export async function keepingDropoutMasks<T>(layers: tf.layers.Layer[], fn: () => Promise<T>): Promise<T> {
  const streams = layers.filter(isDropout).map((l) => l[STREAM]).filter((s): s is { state: number } => !!s);
  const saved = streams.map((s) => s.state);
  try {
    return await fn();
  } finally {
    streams.forEach((s, i) => { s.state = saved[i]!; });
  }
}
