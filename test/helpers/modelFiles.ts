/** Build model folders for tests: copies of fixtures, quantized variants, broken variants. */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Spec { name: string; shape: number[]; dtype: string; quantization?: { dtype: string; min?: number; scale?: number } }
interface ModelJson { weightsManifest: { paths: string[]; weights: Spec[] }[]; [k: string]: unknown }

export function copyModelDir(src: string, dest: string): string {
  fs.cpSync(src, dest, { recursive: true });
  return path.join(dest, 'model.json');
}

/** Read all float32 weights of a model folder as name → values. */
export function readWeights(modelJsonPath: string): Map<string, Float32Array> {
  const json = JSON.parse(fs.readFileSync(modelJsonPath, 'utf8')) as ModelJson;
  const dir = path.dirname(modelJsonPath);
  const out = new Map<string, Float32Array>();
  for (const g of json.weightsManifest) {
    const buf = Buffer.concat(g.paths.map((p) => fs.readFileSync(path.join(dir, p))));
    let o = 0;
    for (const w of g.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      out.set(w.name, new Float32Array(buf.buffer.slice(buf.byteOffset + o, buf.byteOffset + o + n * 4)));
      o += n * 4;
    }
  }
  return out;
}

/**
 * Rewrite a float32 model folder with quantized weights (uint8 or uint16 with min/scale, as
 * tensorflowjs_converter --quantize_uint8/uint16 writes them), split into several shards.
 */
export function quantizeModelDir(modelJsonPath: string, dtype: 'uint8' | 'uint16', shardBytes = 64 * 1024): void {
  const json = JSON.parse(fs.readFileSync(modelJsonPath, 'utf8')) as ModelJson;
  const dir = path.dirname(modelJsonPath);
  const weights = readWeights(modelJsonPath);
  const levels = dtype === 'uint8' ? 255 : 65535;
  const specs: Spec[] = [];
  const parts: Buffer[] = [];
  for (const g of json.weightsManifest) {
    for (const w of g.weights) {
      const v = weights.get(w.name)!;
      let min = Infinity;
      let max = -Infinity;
      for (const x of v) { min = Math.min(min, x); max = Math.max(max, x); }
      const scale = max > min ? (max - min) / levels : 1;
      const q = dtype === 'uint8' ? new Uint8Array(v.length) : new Uint16Array(v.length);
      for (let i = 0; i < v.length; i++) q[i] = Math.round((v[i]! - min) / scale);
      parts.push(Buffer.from(q.buffer));
      specs.push({ name: w.name, shape: w.shape, dtype: 'float32', quantization: { dtype, min, scale } });
    }
    for (const p of g.paths) fs.rmSync(path.join(dir, p));
  }
  const all = Buffer.concat(parts);
  const paths: string[] = [];
  const count = Math.max(1, Math.ceil(all.length / shardBytes));
  for (let i = 0; i < count; i++) {
    const name = `group1-shard${i + 1}of${count}.bin`;
    fs.writeFileSync(path.join(dir, name), all.subarray(i * shardBytes, (i + 1) * shardBytes));
    paths.push(name);
  }
  json.weightsManifest = [{ paths, weights: specs }];
  fs.writeFileSync(modelJsonPath, JSON.stringify(json));
}
