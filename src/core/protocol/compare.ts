/**
 * The extension ⇄ Compare Runs webview, both directions. The webview says `ready` with its
 * protocol version and gets the whole comparison (src/core/compare.ts), again whenever a compared
 * run changes or the runs are evaluated on other data; what it sends is validated on receipt.
 */
import type { RunComparison } from '../compare';
import * as z from '../zod';

export const COMPARE_PROTOCOL_VERSION = 1;

// extension → webview
export type CompareHostMessage =
  | {
    type: 'state';
    comparison: RunComparison;
    trusted: boolean;
    /** What the host is doing for the panel ("Evaluating B on /data… (2 of 3)"), or null. */
    busy: string | null;
  }
  | { type: 'busy'; busy: string | null };

const runDir = z.string().check(z.minLength(1), z.maxLength(4096));

// webview → extension
export const CompareMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), protocol: z.number() }),
  /** Pick a folder and evaluate every run's model on it. */
  z.object({ type: z.literal('evaluateOnData') }),
  /** Back to the runs' own evaluations. */
  z.object({ type: z.literal('clearData') }),
  z.object({ type: z.literal('showDashboard'), runDir }),
  z.object({ type: z.literal('openRecipe'), runDir }),
  z.object({ type: z.literal('revealModel'), runDir }),
]);
export type CompareMessage = z.infer<typeof CompareMessageSchema>;

export function parseCompareMessage(value: unknown): CompareMessage | undefined {
  const r = CompareMessageSchema.safeParse(value);
  return r.success ? r.data : undefined;
}

