/**
 * Comparing training runs (`transfer-studio compare`, the Compare Runs panel): from each run's
 * event log, run.json and saved metadata → one `RunComparison`: the differences of the recipes as
 * written (JSON paths), the curves per run (epoch → losses and metrics, head then fine-tune), the
 * final numbers side by side, and which run's model is best — on data they were all evaluated on.
 *
 * Pure but for files.ts: no `node:` imports and no zod (the webview imports its types and
 * formatters). Reading the files is the CLI's and the extension's job (files.ts, which uses
 * `node:fs`); they hand over what they read as `RunFiles`.
 */
export * from './types';
export { parseEventLog, resolvePath, dirname } from './read';
export { diffRecipes } from './diff';
export { compareRuns } from './compare';
export * from './format';
