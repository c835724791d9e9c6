/** Parse and validate recipe text; every problem names its JSON path and what was expected. */
import * as jsonc from 'jsonc-parser';
import type * as z from '../zod';
import { isUserError, UserError } from '../errors';
import { resolveMonitor } from '../training/monitor';
import { DEFAULTS } from './defaults';
import { parseModelRef } from './modelRef';
import { RecipeSchema, type Recipe } from './schema';

export interface RecipeProblem {
  /** JSON pointer, e.g. `/head/1/units`; '' for the whole document. */
  path: string;
  message: string;
  /** Character offset range in the text, when known (for editor diagnostics). */
  offset?: number;
  length?: number;
}

export type RecipeParseResult = { ok: true; recipe: Recipe; problems: [] } | { ok: false; problems: RecipeProblem[] };

export function pointer(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '' : '/' + path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/** What the branches of a plain union accepted at this path ("expected boolean or object"), when each says so. */
function unionExpectation(issue: z.core.$ZodIssue & { code: 'invalid_union' }): string | undefined {
  const alternatives = new Set<string>();
  for (const branch of issue.errors ?? []) {
    const top = branch.find((i) => i.path.length === 0);
    if (top?.code === 'invalid_type') alternatives.add(top.expected);
    else if (top?.code === 'invalid_value') top.values.forEach((v) => alternatives.add(JSON.stringify(v)));
    else return undefined;
  }
  if (!alternatives.size) return undefined;
  return `expected ${[...alternatives].join(' or ')}${'input' in issue && issue.input !== undefined ? `, got ${JSON.stringify(issue.input)}` : ''}`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}${'input' in issue && issue.input !== undefined ? `, got ${JSON.stringify(issue.input)}` : ''}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_union':
      if ('discriminator' in issue && issue.discriminator) return `expected "${issue.discriminator}" to be one of the known values`;
      return unionExpectation(issue) ?? issue.message;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}

/**
 * Problems the schema alone cannot see, found from the recipe itself (no model, no data read):
 * an early-stopping monitor the run will not report (a metric of another task, a validation
 * metric without validation data).
 */
export function semanticProblems(recipe: Recipe): RecipeProblem[] {
  const ref = parseModelRef(recipe.model);
  if (recipe.weights !== undefined && ref.kind !== 'torchvision') return [{ path: '/weights', message: '"weights" is for a torchvision model ("model": "torchvision:ARCH")' }];
  if (ref.kind !== 'layers' && recipe.engine?.name === 'tfjs') return [{ path: '/engine/name', message: `a ${ref.kind} model trains on the PyTorch engine, not TF.js` }];
  const domain = domainProblems(recipe, ref.kind);
  if (domain.length) return domain;
  const detection = detectionProblems(recipe, ref.kind);
  if (detection.length) return detection;
  const multiTask = multiTaskProblems(recipe, ref.kind);
  if (multiTask.length) return multiTask;
  const es = recipe.training?.earlyStopping;
  if (!recipe.data || !es) return [];
  const hasValidation = recipe.data.validation !== undefined || (recipe.data.validationSplit ?? DEFAULTS.validationSplit) > 0;
  try {
    resolveMonitor({ earlyStopping: { monitor: es.monitor, patience: es.patience ?? DEFAULTS.patience, minDelta: es.minDelta ?? DEFAULTS.minDelta } }, recipe.task ?? DEFAULTS.task, hasValidation, undefined, recipe.heads);
    return [];
  } catch (e) {
    if (!isUserError(e)) throw e;
    return [{ path: '/training/earlyStopping/monitor', message: `${e.message}${e.hint ? ` (${e.hint})` : ''}` }];
  }
}

// no node:path here: the designer's webview validates recipes too
const folderKey = (p: string): string => (/^[\\/]/.test(p) ? '/' : '') + p.split(/[\\/]+/).filter((seg) => seg !== '' && seg !== '.').join('/');
const sameFolder = (a: string, b: string): boolean => folderKey(a) === folderKey(b);

/** The `domain` object's rules: the TF.js engine only, DANN only with fine-tuning, adaptation and evaluation images apart. */
function domainProblems(recipe: Recipe, modelKind: string): RecipeProblem[] {
  const d = recipe.domain;
  if (!d) return [];
  if (modelKind !== 'layers' || recipe.engine?.name === 'pytorch') return [{ path: '/domain', message: 'domain adaptation runs on the TF.js engine: use a TF.js or Keras model and "engine": { "name": "tfjs" } (or leave the engine out)' }];
  if (d.method === 'dann' && !recipe.training?.fineTune) return [{ path: '/domain/method', message: '"dann" trains the base against a domain classifier during fine-tuning: add "training.fineTune" (or use "adabn" / "coral", which need no training)' }];
  if (d.lambda !== undefined && d.method !== 'dann') return [{ path: '/domain/lambda', message: '"lambda" weighs the domain classifier of "dann" only' }];
  if (d.targetLabelled !== undefined && sameFolder(d.targetLabelled, d.target)) return [{ path: '/domain/targetLabelled', message: '"targetLabelled" is the same folder as "target": the images that adapt the model would also grade it; keep the labelled ones apart' }];
  return [];
}

/** Detection's rules: the TF.js engine, its own head (not "head"), no augmentation (boxes would have to move with the pixels). */
function detectionProblems(recipe: Recipe, modelKind: string): RecipeProblem[] {
  const detecting = recipe.task === 'detection';
  if (!detecting) {
    if (recipe.detection) return [{ path: '/detection', message: '"detection" settings need "task": "detection"' }];
    if (recipe.data?.images !== undefined) return [{ path: '/data/images', message: '"data.images" is the image folder of box annotations: it needs "task": "detection"' }];
    return [];
  }
  if (modelKind !== 'layers' || recipe.engine?.name === 'pytorch') return [{ path: '/task', message: 'detection trains on the TF.js engine for now: use a TF.js or Keras model and leave "engine" out (or "engine": { "name": "tfjs" })' }];
  if (recipe.head) return [{ path: '/head', message: 'a detection recipe builds its own head (a grid of anchors or a single-object localiser): remove "head" and choose with "detection.head"' }];
  if (recipe.domain) return [{ path: '/domain', message: 'domain adaptation is for classification recipes, not detection' }];
  if (recipe.training?.fineTune || recipe.training?.baseline === 'scratch') return [{ path: recipe.training?.fineTune ? '/training/fineTune' : '/training/baseline', message: 'detection trains the head on a frozen base for now: remove "fineTune" and "baseline"' }];
  const f = recipe.freeze;
  if (f && !(f.all === true && Object.keys(f).length === 1)) return [{ path: '/freeze', message: 'detection trains its head on a frozen base for now (the whole base is frozen): remove "freeze"' }];
  const a = recipe.data?.augment;
  if (a && Object.values(a).some((v) => v)) return [{ path: '/data/augment', message: 'augmentation is not available for detection yet (flips, zooms and rotations would have to move the boxes too): remove "data.augment"' }];
  return [];
}

/** Multi-task's rules ("heads"): each head has its task (no top-level "task"), the data is one CSV with a header, names are unique, the TF.js engine. */
function multiTaskProblems(recipe: Recipe, modelKind: string): RecipeProblem[] {
  const heads = recipe.heads;
  if (!heads) {
    if (recipe.training?.baseline === 'single-task') return [{ path: '/training/baseline', message: '"single-task" baselines compare the heads of a multi-task recipe with each trained alone: it needs "heads"' }];
    return [];
  }
  if (recipe.task !== undefined) return [{ path: '/task', message: 'with "heads", each head names its own task: remove "task"' }];
  const names = new Set<string>();
  for (const [i, h] of heads.entries()) {
    if (names.has(h.name)) return [{ path: `/heads/${i}/name`, message: `two heads are named "${h.name}": each head's outputs and metrics go by its name` }];
    names.add(h.name);
    if (h.task !== 'regression' && Array.isArray(h.column) && h.column.length !== 1) return [{ path: `/heads/${i}/column`, message: `a ${h.task} head reads one column of labels; only a regression head reads several` }];
    if (h.labels !== undefined && h.task === 'regression') return [{ path: `/heads/${i}/labels`, message: 'a regression head\'s outputs are its columns: "labels" is for classification heads' }];
  }
  if (modelKind !== 'layers' || recipe.engine?.name === 'pytorch') return [{ path: '/heads', message: 'multi-task heads train on the TF.js engine for now: use a TF.js or Keras model and leave "engine" out (or "engine": { "name": "tfjs" })' }];
  if (recipe.domain) return [{ path: '/domain', message: 'domain adaptation of a multi-task model is not available yet: remove "domain" or "heads"' }];
  if (recipe.detection || recipe.data?.images !== undefined) return [{ path: recipe.detection ? '/detection' : '/data/images', message: 'a multi-task recipe\'s heads classify or regress; detection is its own task' }];
  if (recipe.training?.baseline === 'scratch') return [{ path: '/training/baseline', message: 'with "heads" the baseline is "single-task" (each head trained alone): the from-scratch baseline is for one-task recipes' }];
  if (recipe.training?.classWeights !== undefined) return [{ path: '/training/classWeights', message: 'class weights are per task: with several heads, weigh the heads with "lossWeight" instead' }];
  if (recipe.data?.labels !== undefined) return [{ path: '/data/labels', message: 'with "heads", each head lists its labels ("heads[].labels")' }];
  const csv = (p: string | undefined): boolean => p === undefined || /\.(csv|tsv)$/i.test(p);
  if (recipe.data && !csv(recipe.data.train)) return [{ path: '/data/train', message: 'several heads read their labels from the columns of one CSV: "data.train" must be a .csv (or .tsv) with a header row (path,COLUMN,…)' }];
  for (const k of ['validation', 'test'] as const) if (recipe.data && !csv(recipe.data[k])) return [{ path: `/data/${k}`, message: `"data.${k}" of a multi-task recipe is a CSV with the same columns as "data.train"` }];
  return [];
}

/** Validate already-parsed JSON. */
export function validateRecipe(value: unknown): RecipeParseResult {
  const result = RecipeSchema.safeParse(value);
  if (!result.success) return { ok: false, problems: result.error.issues.map((i) => ({ path: pointer(i.path), message: describeIssue(i) })) };
  const problems = semanticProblems(result.data);
  return problems.length ? { ok: false, problems } : { ok: true, recipe: result.data, problems: [] };
}

/** Parse recipe text (JSON with comments allowed), with offsets for each problem. */
export function parseRecipeText(text: string): RecipeParseResult {
  const errors: jsonc.ParseError[] = [];
  const tree = jsonc.parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0 || !tree) {
    const e = errors[0];
    const { line, column } = lineColumn(text, e?.offset ?? 0);
    return {
      ok: false,
      problems: [{ path: '', message: `not valid JSON: ${e ? jsonc.printParseErrorCode(e.error) : 'empty document'} at line ${line}, column ${column}`, offset: e?.offset ?? 0, length: e?.length ?? 0 }],
    };
  }
  const value: unknown = jsonc.getNodeValue(tree);
  const res = validateRecipe(value);
  if (res.ok) return res;
  return {
    ok: false,
    problems: res.problems.map((p) => {
      const segments = p.path === '' ? [] : p.path.slice(1).split('/').map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
      let node = jsonc.findNodeAtLocation(tree, segments);
      // unknown keys and missing fields: point at the closest existing parent
      for (let n = segments.length; !node && n > 0; n--) node = jsonc.findNodeAtLocation(tree, segments.slice(0, n - 1));
      const target = node?.parent?.type === 'property' ? node.parent : node;
      return { ...p, offset: target?.offset ?? 0, length: target?.length ?? 0 };
    }),
  };
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) { line++; last = i; }
  return { line, column: offset - last };
}

export function formatProblems(problems: RecipeProblem[]): string {
  return problems.map((p) => `${p.path || '(recipe)'}: ${p.message}`).join('; ');
}

/** Parse recipe text or throw a UserError naming the file and every problem. */
export function parseRecipeOrThrow(text: string, file: string): Recipe {
  const res = parseRecipeText(text);
  if (!res.ok) {
    const first = res.problems[0];
    throw new UserError(`invalid recipe: ${formatProblems(res.problems)}`, { file, jsonPath: first?.path || undefined });
  }
  return res.recipe;
}
