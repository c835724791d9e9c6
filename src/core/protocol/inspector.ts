/** The extension ⇄ Model Inspector custom editor's webview, both directions. */
import type { ModelSummary } from '../modelSummary';
import * as z from '../zod';

export const INSPECTOR_PROTOCOL_VERSION = 1;

// extension → webview
export type InspectorHostMessage = { type: 'state'; status: 'loading' | 'ok' | 'error'; summary?: ModelSummary; error?: string; file: string };

// webview → extension
export const InspectorMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), protocol: z.number() }),
  z.object({ type: z.literal('openInStudio') }),
  z.object({ type: z.literal('newRecipe') }),
]);
export type InspectorMessage = z.infer<typeof InspectorMessageSchema>;

export function parseInspectorMessage(value: unknown): InspectorMessage | undefined {
  const r = InspectorMessageSchema.safeParse(value);
  return r.success ? r.data : undefined;
}
