/**
 * The extension ⇄ training dashboard webview, both directions. The webview says `ready` with its
 * protocol version, then gets the whole state, then deltas; what it sends is validated on receipt.
 */
import * as z from '../zod';
import type { Prediction } from './reports';
import type { WorkerEvent } from './worker';

export const DASHBOARD_PROTOCOL_VERSION = 1;

export type RunStatus = 'running' | 'done' | 'stopped' | 'failed';

export interface RunInfo {
  id: string;
  name: string;
  recipe: string;
  runDir: string;
  output?: string;
  status: RunStatus;
  startedAt: string;
  endedAt?: string;
  error?: string;
}

/** A recorded worker event with its time (ms since epoch). */
export type TimedEvent = WorkerEvent & { t: number };

// extension → webview
export type DashboardHostMessage =
  | { type: 'state'; run: RunInfo; events: TimedEvent[]; trusted: boolean }
  | { type: 'events'; events: TimedEvent[] }
  | { type: 'status'; run: RunInfo }
  | { type: 'thumbnails'; images: Record<string, string> }
  | { type: 'prediction'; file: string; thumbnail?: string; result?: Prediction; error?: string };

const file = z.string().check(z.minLength(1), z.maxLength(4096));

// webview → extension
export const DashboardMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), protocol: z.number() }),
  z.object({ type: z.literal('stop') }),
  // the extension picks the checkpoint (the run's own, on disk): the webview names none
  z.object({ type: z.literal('resume') }),
  z.object({ type: z.literal('revealModel') }),
  z.object({ type: z.literal('openRecipe') }),
  z.object({ type: z.literal('pickImage') }),
  z.object({ type: z.literal('openFile'), file }),
  z.object({ type: z.literal('requestThumbnails'), files: z.array(file).check(z.maxLength(64)) }),
]);
export type DashboardMessage = z.infer<typeof DashboardMessageSchema>;

export function parseDashboardMessage(value: unknown): DashboardMessage | undefined {
  const r = DashboardMessageSchema.safeParse(value);
  return r.success ? r.data : undefined;
}
