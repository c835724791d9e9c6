/**
 * Messages between the extension and the training dashboard webview, both directions, in one
 * file. What the webview sends is validated on receipt (`parseDashboardMessage`).
 */
import { z } from 'zod';
import type { Prediction, WorkerEvent } from '../../core/protocol';

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

// webview → extension
export const DashboardMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('stop') }),
  z.object({ type: z.literal('revealModel') }),
  z.object({ type: z.literal('openRecipe') }),
  z.object({ type: z.literal('pickImage') }),
  z.object({ type: z.literal('openFile'), file: z.string().min(1).max(4096) }),
  z.object({ type: z.literal('requestThumbnails'), files: z.array(z.string().min(1).max(4096)).max(64) }),
]);
export type DashboardMessage = z.infer<typeof DashboardMessageSchema>;

export function parseDashboardMessage(value: unknown): DashboardMessage | undefined {
  const r = DashboardMessageSchema.safeParse(value);
  return r.success ? r.data : undefined;
}
