import { probeCuts } from '../src/engine/tfjs/probe';
import { readRecipe } from '../src/engine/tfjs/recipe';
import { forceBackend } from '../src/engine/tfjs/backend';
(async () => {
  await forceBackend('wasm');
  const r = await probeCuts(readRecipe(process.argv[2]!), { maxImages: Number(process.argv[3] ?? 240) });
  console.log(JSON.stringify({ ...r, rows: undefined }, null, 1));
  for (const row of r.rows) console.log(row.cut.padEnd(50), row.features, row.value.toFixed(3), row.train.toFixed(3), row.lambda, row.ms.toFixed(0));
})();
