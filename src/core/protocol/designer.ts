/**
 * The extension ⇄ designer webview (a custom editor on NAME.adapt.json), both directions. The
 * recipe file is the source of truth: the webview sends intents, the extension turns them into
 * WorkspaceEdits, and every document change comes back as a new `state`. What the webview sends
 * is validated on receipt (`parseDesignerMessage`).
 */
import type { ModelSummary } from '../modelSummary';
import type { Recipe } from '../recipe/schema';
import { HEAD_TASKS } from '../recipe/defaults';
import { HeadLayerSchema, TaskHeadSchema } from '../recipe/schema';
import type { RecipeProblem } from '../recipe/validate';
import * as z from '../zod';
import type { DatasetReport, ProbeReport } from './reports';

export const DESIGNER_PROTOCOL_VERSION = 1;

export interface DesignerState {
  /** The recipe as parsed (undefined when the JSON itself is broken). */
  recipe?: Partial<Recipe>;
  problems: RecipeProblem[];
  model: { status: 'none' | 'loading' | 'ok' | 'error'; summary?: ModelSummary; error?: string };
  /** What the recipe does to the model, computed on the summary. */
  computed?: {
    cut: string;
    cutIsDefault: boolean;
    /** Why the default cut sits where it does (shown beside the cut). */
    cutReason?: string;
    /** Leaf layers at or below the cut, in execution order. */
    baseLayers: string[];
    frozen: string[];
    /** Layer classes present in the base, for "freeze by class". */
    classes: string[];
    /** Problems of the recipe against this model (unknown layers…). */
    error?: string;
  };
  dataset: { status: 'none' | 'loading' | 'ok' | 'error'; report?: DatasetReport; error?: string; thumbnails?: Record<string, string[]> };
  /** The last probe of candidate cuts (the Probe button), while it runs and after. */
  probe?: { status: 'running' | 'ok' | 'error'; report?: ProbeReport; error?: string; progress?: { done: number; total: number } };
  /**
   * The header row of `data.train` when it is a CSV (the host reads its first line): the columns
   * after the image path, which heads of a multi-task recipe can learn; `error` when the file
   * cannot be read or its first line is not a header.
   */
  csv?: { columns: string[]; error?: string };
  trusted: boolean;
  training: boolean;
}

/** The most heads a multi-task recipe edited in the designer has. */
export const MAX_HEADS = 16;

// extension → webview
export type DesignerHostMessage = { type: 'state'; state: DesignerState };

const key = z.union([z.string().check(z.minLength(1), z.maxLength(64)), z.int().check(z.gte(0), z.lte(1000))]);
const layer = z.string().check(z.minLength(1), z.maxLength(256));
const headLayers = z.array(HeadLayerSchema).check(z.minLength(1), z.maxLength(32));

// webview → extension
export const DesignerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), protocol: z.number() }),
  /** Set (or with `value` undefined, remove) one field: `path` is a JSON path under the recipe. */
  z.object({ type: z.literal('set'), path: z.array(key).check(z.minLength(1), z.maxLength(6)), value: z.optional(z.unknown()) }),
  z.object({ type: z.literal('toggleLayer'), layer, trainable: z.boolean() }),
  z.object({
    type: z.literal('freeze'),
    action: z.enum(['all', 'none', 'upTo', 'allButLast', 'classes']),
    layer: z.optional(layer),
    count: z.optional(z.int().check(z.gte(0), z.lte(100000))),
    classes: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(128))).check(z.maxLength(64))),
  }),
  z.object({ type: z.literal('setCut'), layer: z.nullable(layer) }),
  z.object({ type: z.literal('setHead'), head: z.array(HeadLayerSchema).check(z.maxLength(32)) }),
  /**
   * Several heads: write `heads` (each as the recipe schema has it) and drop what a multi-task
   * recipe refuses (top-level `task`, `data.labels`, a "scratch" baseline); `head`, when given,
   * sets the layers the heads share (null removes it: the default shared layers apply).
   */
  z.object({ type: z.literal('setHeads'), heads: z.array(TaskHeadSchema).check(z.minLength(1), z.maxLength(MAX_HEADS)), head: z.optional(z.nullable(headLayers)) }),
  /** Back to one head: `heads` removed; its task, layers (null: the default head) and class order at the top. */
  z.object({ type: z.literal('singleHead'), task: z.enum(HEAD_TASKS), head: z.nullable(headLayers), labels: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(256))).check(z.maxLength(10000))) }),
  z.object({ type: z.literal('pickData'), field: z.enum(['train', 'validation', 'test']) }),
  z.object({ type: z.literal('pickModel') }),
  /** Pick a folder for `domain.target` (creating `domain` when there is none) or `domain.targetLabelled`. */
  z.object({ type: z.literal('pickDomainFolder'), field: z.enum(['target', 'targetLabelled']) }),
  z.object({ type: z.literal('refreshDataset') }),
  z.object({ type: z.literal('probe') }),
  /** Write this cut (one of the last probe's rows) into the recipe, with a head that fits it. */
  z.object({ type: z.literal('applyCut'), cut: layer }),
  z.object({ type: z.literal('startTraining') }),
  z.object({ type: z.literal('openAsText') }),
  z.object({ type: z.literal('showInTree') }),
]);
export type DesignerMessage = z.infer<typeof DesignerMessageSchema>;

export function parseDesignerMessage(value: unknown): DesignerMessage | undefined {
  const r = DesignerMessageSchema.safeParse(value);
  return r.success ? r.data : undefined;
}
