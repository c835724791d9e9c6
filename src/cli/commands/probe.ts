import * as fs from 'node:fs';
import * as jsonc from 'jsonc-parser';
import { UserError } from '../../core/errors';
import { pct, table } from '../../core/format/table';
import type { ProbeReport } from '../../core/protocol/reports';
import { cutChanges } from '../../core/recipe/cutEdits';
import { parseRecipeText } from '../../core/recipe/validate';
import { probeCuts } from '../../engine/tfjs/probe';
import { readRecipe } from '../../engine/tfjs/recipe';
import { writeFileAtomic } from '../../engine/tfjs/io/save';
import { parse } from '../args';
import type { Cli } from '../context';

export const usage = 'transfer-studio probe RECIPE [--max-images N] [--apply] [--json]';

export function probeText(r: ProbeReport): string {
  const fmt = (v: number): string => (r.higherIsBetter ? pct(v) : v.toFixed(4));
  const rows = r.rows.map((row) => [row.cut + (row.cut === r.best ? '  ← best' : row.cut === r.currentCut ? '  ← recipe' : ''), row.className, String(row.features), fmt(row.value), fmt(row.train), `${row.ms.toFixed(0)} ms`]);
  return [
    `linear probes of ${r.rows.length} cuts on ${r.images.train} training / ${r.images.validation} validation images (features in ${(r.forwardMs / 1000).toFixed(1)} s, ${(r.totalMs / 1000).toFixed(1)} s in all):`,
    table(['cut', 'class', 'features', `val ${r.metric}`, `train ${r.metric}`, 'probe'], rows, ['l', 'l', 'r', 'r', 'r', 'r']),
    ...r.notes.map((n) => `note: ${n}`),
  ].join('\n');
}

export async function probe(argv: string[], cli: Cli): Promise<number> {
  const { values, positionals } = parse(argv, { 'max-images': { type: 'string' }, apply: { type: 'boolean' }, json: { type: 'boolean' } }, usage);
  if (positionals.length !== 1) throw new UserError(`expected one RECIPE\nusage: ${usage}`);
  const maxImages = values['max-images'] === undefined ? undefined : Number(values['max-images']);
  if (maxImages !== undefined && (!Number.isInteger(maxImages) || maxImages < 8)) throw new UserError(`--max-images expects a whole number ≥ 8, got "${values['max-images']}"`);
  const recipe = readRecipe(positionals[0]!);
  await cli.backend(recipe.training.backend);
  const report = await probeCuts(recipe, { maxImages });
  if (values.json) cli.out(JSON.stringify(report, null, 2));
  else cli.out(probeText(report));
  if (values.apply) {
    const file = recipe.file!;
    const text = fs.readFileSync(file, 'utf8');
    const parsed = parseRecipeText(text);
    const best = report.rows.find((r) => r.cut === report.best)!;
    let next = text;
    for (const c of cutChanges(parsed.ok ? parsed.recipe : undefined, best.cut, best.spatial)) next = jsonc.applyEdits(next, jsonc.modify(next, c.path, c.value, { formattingOptions: { insertSpaces: true, tabSize: 2 } }));
    if (next !== text) writeFileAtomic(file, next);
    if (!values.json) cli.out(next !== text ? `applied: "cut": "${best.cut}" in ${file}` : `the recipe already cuts at "${best.cut}"`);
  }
  return 0;
}
