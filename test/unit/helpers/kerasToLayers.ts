/**
 * TF.js layers copies of Keras .h5/.keras models, made through the engine's own Keras importer,
 * so tests can hand them to code that reads only model.json + weights.bin (the PyTorch rebuild).
 * Run directly to convert one file: `npx tsx test/unit/helpers/kerasToLayers.ts in.h5 outDir`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../../../src/engine/tfjs/io/load';
import { serializeModel } from '../../../src/engine/tfjs/io/save';

/** Convert `kerasFile` into `outDir`/model.json + weights.bin; returns the model.json path. */
export async function kerasToLayers(kerasFile: string, outDir: string): Promise<string> {
  const loaded = await loadModel(kerasFile);
  try {
    const { modelJson, weights } = await serializeModel(loaded.model);
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, 'model.json'), modelJson);
    fs.writeFileSync(path.join(outDir, 'weights.bin'), weights);
  } finally {
    loaded.model.dispose();
  }
  return path.join(outDir, 'model.json');
}

if (require.main === module) {
  const [input, out] = process.argv.slice(2);
  if (!input || !out) {
    console.error('usage: tsx test/unit/helpers/kerasToLayers.ts <model.h5|model.keras> <outDir>');
    process.exit(1);
  }
  kerasToLayers(path.resolve(input), path.resolve(out)).then((p) => console.log(p), (e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
