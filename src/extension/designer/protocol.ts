/**
 * Messages between the extension and the designer webview (a custom editor on NAME.adapt.json),
 * both directions, in one file. The recipe file is the source of truth: the webview sends
 * intents, the extension turns them into WorkspaceEdits, and every document change comes back as
 * a new `state`. What the webview sends is validated on receipt (`parseDesignerMessage`).
 */
import { z } from 'zod';
import type { ModelSummary } from '../../core/modelSummary';
import type { DatasetReport } from '../../core/protocol';
import type { RecipeProblem } from '../../core/recipe/validate';
import { HeadLayerSchema, type Recipe } from '../../core/recipe/schema';

export interface DesignerState {
  /** The recipe as parsed (undefined when the JSON itself is broken). */
  recipe?: Partial<Recipe>;
  problems: RecipeProblem[];
  model: { status: 'none' | 'loading' | 'ok' | 'error'; summary?: ModelSummary; error?: string };
  /** What the recipe does to the model, computed on the summary. */
  computed?: {
    cut: string;
    cutIsDefault: boolean;
    /** Leaf layers at or below the cut, in execution order. */
    baseLayers: string[];
    frozen: string[];
    /** Layer classes present in the base, for "freeze by class". */
    classes: string[];
    /** Problems of the recipe against this model (unknown layers…). */
    error?: string;
  };
  dataset: { status: 'none' | 'loading' | 'ok' | 'error'; report?: DatasetReport; error?: string; thumbnails?: Record<string, string[]> };
  trusted: boolean;
  training: boolean;
}

// extension → webview
export type DesignerHostMessage = { type: 'state'; state: DesignerState };

const key = z.union([z.string().min(1).max(64), z.number().int().min(0).max(1000)]);

// webview → extension
export const DesignerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  /** Set (or with `value` undefined, remove) one field: `path` is a JSON path under the recipe. */
  z.object({ type: z.literal('set'), path: z.array(key).min(1).max(6), value: z.unknown().optional() }),
  z.object({ type: z.literal('toggleLayer'), layer: z.string().min(1).max(256), trainable: z.boolean() }),
  z.object({
    type: z.literal('freeze'),
    action: z.enum(['all', 'none', 'upTo', 'allButLast', 'classes']),
    layer: z.string().min(1).max(256).optional(),
    count: z.number().int().min(0).max(100000).optional(),
    classes: z.array(z.string().min(1).max(128)).max(64).optional(),
  }),
  z.object({ type: z.literal('setCut'), layer: z.string().min(1).max(256).nullable() }),
  z.object({ type: z.literal('setHead'), head: z.array(HeadLayerSchema).max(32) }),
  z.object({ type: z.literal('pickData'), field: z.enum(['train', 'validation', 'test']) }),
  z.object({ type: z.literal('pickModel') }),
  z.object({ type: z.literal('refreshDataset') }),
  z.object({ type: z.literal('startTraining') }),
  z.object({ type: z.literal('openAsText') }),
  z.object({ type: z.literal('showInTree') }),
]);
export type DesignerMessage = z.infer<typeof DesignerMessageSchema>;

export function parseDesignerMessage(value: unknown): DesignerMessage | undefined {
  const r = DesignerMessageSchema.safeParse(value);
  return r.success ? r.data : undefined;
}
