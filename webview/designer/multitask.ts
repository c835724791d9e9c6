/**
 * Multi-task heads in the designer, without the DOM: turning one head into several and back,
 * a new head, a renamed or re-tasked one, and what each head outputs. The section (heads.ts)
 * posts what these return; the browser tests check them against the recipe schema.
 */
import { headInfo } from '../../src/core/headParams';
import { defaultSharedLayers, headColumns } from '../../src/core/multitask/layout';
import type { DesignerMessage, DesignerState } from '../../src/core/protocol/designer';
import { DEFAULTS, type HeadTask } from '../../src/core/recipe/defaults';
import { TaskHeadSchema, type HeadLayerSpec, type TaskHeadSpec } from '../../src/core/recipe/schema';

export type SetHeadsMessage = Extract<DesignerMessage, { type: 'setHeads' }>;
export type SingleHeadMessage = Extract<DesignerMessage, { type: 'singleHead' }>;

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/;

export function headsOf(s: DesignerState | undefined): TaskHeadSpec[] | undefined {
  const heads = s?.recipe?.heads;
  return Array.isArray(heads) && heads.length ? heads : undefined;
}

/** The CSV's label columns when the host could read its header. */
export function csvColumns(s: DesignerState | undefined): string[] | undefined {
  return s?.csv && !s.csv.error && s.csv.columns.length ? s.csv.columns : undefined;
}

/** A head name for a column (letters, digits, _ or -, from a letter, at most 40), not one of `taken`. */
export function nameFor(column: string, taken: ReadonlySet<string>): string {
  const base = column.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[^A-Za-z]+/, '').replace(/_+$/, '').slice(0, 40) || 'head';
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const name = `${base.slice(0, 40 - String(i).length)}${i}`;
    if (!taken.has(name)) return name;
  }
}

/** A head reading `column`, named after it (no "column" when the name is the column). */
function headFor(column: string, task: HeadTask, taken: ReadonlySet<string>): TaskHeadSpec {
  const name = nameFor(column, taken);
  return name === column ? { name, task } : { name, task, column };
}

/** The next head: the first CSV column no head reads yet, else head2, head3… */
export function newHead(heads: readonly TaskHeadSpec[], columns: readonly string[] | undefined): TaskHeadSpec {
  const taken = new Set(heads.map((x) => x.name));
  const read = new Set(heads.flatMap((x) => headColumns(x)));
  const free = columns?.find((c) => !read.has(c));
  if (free) return headFor(free, 'single-label', taken);
  let i = heads.length + 1;
  while (taken.has(`head${i}`)) i++;
  return { name: `head${i}`, task: 'single-label' };
}

const isBareDense = (l: HeadLayerSpec): boolean => l.type === 'Dense' && Object.keys(l).length === 1;

/**
 * One head → two. The recipe's task and class order move into the first head, which reads what
 * one head read (the CSV's first label column; every column for regression). The head's layers
 * below its output layer become the shared layers; the output layer (when it is more than a bare
 * Dense) and what follows it stay the first head's own. A recipe without "head" keeps none:
 * the default shared layers apply. The second head reads the next free column.
 */
export function toSeveralHeads(s: DesignerState): SetHeadsMessage {
  const r = s.recipe ?? {};
  const task: HeadTask = r.task === 'multi-label' || r.task === 'regression' ? r.task : 'single-label';
  const columns = csvColumns(s);
  let first: TaskHeadSpec;
  if (task === 'regression' && columns) {
    first = { name: nameFor(columns.length === 1 ? columns[0]! : 'values', new Set()), task, column: columns.length === 1 ? columns[0]! : [...columns] };
    if (first.column === first.name) delete first.column;
  } else first = columns ? headFor(columns[0]!, task, new Set()) : { name: 'label', task };
  if (task !== 'regression' && r.data?.labels?.length) first.labels = [...r.data.labels];
  let head: HeadLayerSpec[] | null | undefined;
  if (Array.isArray(r.head) && r.head.length) {
    const last = r.head.map((l) => l.type).lastIndexOf('Dense');
    const shared = last < 0 ? r.head : r.head.slice(0, last);
    const own = last < 0 ? [] : r.head.slice(last);
    if (own.length && !(own.length === 1 && isBareDense(own[0]!))) first.layers = own.map((l) => ({ ...l }));
    // nothing below the output layer to share: the default shared layers apply
    head = shared.length ? shared.map((l) => ({ ...l })) : null;
  }
  return { type: 'setHeads', heads: [first, newHead([first], columns)], ...(head !== undefined ? { head } : {}) };
}

/** Several heads with one more. */
export function withNewHead(s: DesignerState): SetHeadsMessage | undefined {
  const heads = headsOf(s);
  return heads ? { type: 'setHeads', heads: [...heads, newHead(heads, csvColumns(s))] } : undefined;
}

/** Several heads without head `i` (never the last one: Back to One Head does that). */
export function withoutHead(s: DesignerState, i: number): SetHeadsMessage | undefined {
  const heads = headsOf(s);
  return heads && heads.length > 1 && heads[i] ? { type: 'setHeads', heads: heads.filter((_, j) => j !== i) } : undefined;
}

/** The heads with head `i` replaced. */
export function withHead(s: DesignerState, i: number, next: TaskHeadSpec): SetHeadsMessage | undefined {
  const heads = headsOf(s);
  return heads?.[i] ? { type: 'setHeads', heads: heads.map((x, j) => (j === i ? next : x)) } : undefined;
}

/**
 * A head renamed. A head reads the column named like it unless "column" says otherwise: when it
 * read its old name's column, the column stays (pinned), unless the new name is a column itself.
 */
export function renamed(head: TaskHeadSpec, name: string, columns: readonly string[] | undefined): TaskHeadSpec {
  const next: TaskHeadSpec = { ...head, name };
  if (head.column === undefined && (!columns || columns.includes(head.name)) && !columns?.includes(name)) next.column = head.name;
  const cols = next.column === undefined ? undefined : headColumns(next);
  if (cols && cols.length === 1 && cols[0] === name) delete next.column;
  return next;
}

/** A head with another task: classification reads one column, regression has no class order. */
export function retasked(head: TaskHeadSpec, task: HeadTask): TaskHeadSpec {
  const next: TaskHeadSpec = { ...head, task };
  if (task === 'regression') delete next.labels;
  else if (Array.isArray(next.column)) {
    const [c] = next.column;
    if (c === undefined || c === next.name) delete next.column;
    else next.column = c;
  }
  return next;
}

/** A head reading these columns ("column" left out when it is the head's name). */
export function withColumns(head: TaskHeadSpec, columns: string[]): TaskHeadSpec {
  const next: TaskHeadSpec = { ...head };
  if (columns.length === 0 || (columns.length === 1 && columns[0] === head.name)) delete next.column;
  else next.column = columns.length === 1 ? columns[0]! : columns;
  return next;
}

/** Why a head cannot be written as it is: the schema's first complaint, or a name another head has. */
export function headProblem(head: TaskHeadSpec, heads: readonly TaskHeadSpec[], i: number): string | undefined {
  if (!NAME.test(head.name)) return 'expected a name of letters, digits, _ or - (starting with a letter, at most 40)';
  if (heads.some((x, j) => j !== i && x.name === head.name)) return `another head is named "${head.name}"`;
  const r = TaskHeadSchema.safeParse(head);
  return r.success ? undefined : r.error.issues[0]?.message ?? 'not a valid head';
}

/** The layers every head shares: the recipe's "head", else the default for this feature shape. */
export function sharedLayers(s: DesignerState, features: number[]): HeadLayerSpec[] {
  return Array.isArray(s.recipe?.head) && s.recipe.head.length ? s.recipe.head : defaultSharedLayers(features);
}

/** What comes out of the shared layers (what every head receives). */
export function sharedOutput(s: DesignerState, features: number[]): number[] {
  if (!features.length) return [];
  try {
    return headInfo(sharedLayers(s, features), features, undefined).at(-1)?.outputShape ?? features;
  } catch {
    return [];
  }
}

/** How many outputs head `i` has: its targets (regression), its class order, or its classes in the dataset report. */
export function headOutputs(s: DesignerState, i: number): number | undefined {
  const head = headsOf(s)?.[i];
  if (!head) return undefined;
  if (head.task === 'regression') return headColumns(head).length;
  if (head.labels?.length) return head.labels.length;
  const report = s.dataset.status === 'ok' ? s.dataset.report?.heads?.find((x) => x.name === head.name && x.task === head.task) : undefined;
  return report && report.classes.length ? report.classes.length : undefined;
}

/**
 * Several heads → one, when one remains: its task, class order and layers (the shared ones
 * followed by its own, ending in an output Dense) at the top. Without shared layers in the recipe
 * the default ones are written out, so the model stays the same (when the model is not loaded
 * yet: none, the default one-head layers apply).
 */
export function toOneHead(s: DesignerState, features: number[]): SingleHeadMessage | undefined {
  const heads = headsOf(s);
  if (!heads || heads.length !== 1) return undefined;
  const only = heads[0]!;
  const own = only.layers ?? [];
  const inRecipe = Array.isArray(s.recipe?.head) && s.recipe.head.length ? s.recipe.head : undefined;
  const shared = inRecipe ?? (features.length ? defaultSharedLayers(features) : undefined);
  const tail = own.some((l) => l.type === 'Dense') ? own : [...own, { type: 'Dense' } as HeadLayerSpec];
  const head = shared ? [...shared, ...tail] : own.length ? tail : null;
  return { type: 'singleHead', task: only.task, head: head ? head.map((l) => ({ ...l })) : null, ...(only.task !== 'regression' && only.labels?.length ? { labels: [...only.labels] } : {}) };
}

/** A short description of a layer for the diagram: "Dense 128 relu", "Dropout 0.5". */
export function layerLabel(l: HeadLayerSpec, output = false): string {
  switch (l.type) {
    case 'Dense': return `Dense ${l.units ?? (output ? 'out' : '?')}${l.activation ? ` ${l.activation}` : ''}`;
    case 'Dropout': return `Dropout ${l.rate ?? DEFAULTS.dropout}`;
    case 'Activation': return `Activation ${l.activation}`;
    case 'GlobalAveragePooling2D': return 'Global average pooling';
    case 'GlobalMaxPooling2D': return 'Global max pooling';
    case 'BatchNormalization': return 'BatchNorm';
    default: return l.type;
  }
}
