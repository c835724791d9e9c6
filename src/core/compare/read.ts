/**
 * Reading what a run left, without zod and without `node:`: the event log checked line by line,
 * small readers of unvalidated JSON, and paths that only need to compare equal.
 */
import { UserError } from '../errors';
import type { TimedEvent } from '../protocol/dashboard';

/**
 * A run's event log (events.jsonl: one `{t, ...event}` per line) → its events, each checked by
 * `validate` (the worker protocol's schema: the CLI and the extension pass it in, so this file stays
 * free of zod). Only a torn last line (no newline after it: the process died mid-write) is skipped;
 * any other line that is not JSON or not an event, or a log without a single event, is a UserError
 * naming the file and the line.
 */
export function parseEventLog(text: string, file: string, validate: (raw: unknown) => { event: TimedEvent } | { problem: string }): TimedEvent[] {
  const lines = text.split('\n');
  const torn = !text.endsWith('\n') ? lines.length - 1 : -1;
  const events: TimedEvent[] = [];
  const hint = 'the run\'s event log is damaged: train again, or leave this run out of the comparison';
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      if (i === torn) continue;
      throw new UserError(`line ${i + 1} of the event log is not JSON: ${line.length > 60 ? `${line.slice(0, 60)}…` : line}`, { file, hint });
    }
    const checked = validate(raw);
    if ('problem' in checked) throw new UserError(`line ${i + 1} of the event log is not a Transfer Studio event: ${checked.problem}`, { file, hint });
    events.push(checked.event);
  }
  if (!events.length) throw new UserError('the event log has no events', { file, hint });
  return events;
}

// ── small readers of unvalidated JSON ──────────────────────────────────────────────────────────────
export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
export const field = (o: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), o);

export type Ev<T extends TimedEvent['type']> = Extract<TimedEvent, { type: T }>;
export const ofType = <T extends TimedEvent['type']>(events: TimedEvent[], type: T): Ev<T>[] => events.filter((e): e is Ev<T> => e.type === type);

// ── paths, without node:path (they only need to compare equal) ───────────────────────────────────
const isAbsolute = (p: string): boolean => /^([\\/]|[A-Za-z]:[\\/])/.test(p);

/** `rel` resolved against `dir`, normalised ("." and ".." folded, one separator). */
export function resolvePath(dir: string, rel: string): string {
  const joined = isAbsolute(rel) ? rel : `${dir.replace(/[\\/]+$/, '')}/${rel}`;
  const drive = /^[A-Za-z]:/.exec(joined)?.[0] ?? '';
  const parts: string[] = [];
  for (const part of joined.slice(drive.length).split(/[\\/]+/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `${drive}/${parts.join('/')}`;
}

export function dirname(file: string): string {
  const i = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return i <= 0 ? file.slice(0, i + 1) || '.' : file.slice(0, i);
}

export function inside(child: string, parent: string): boolean {
  const c = resolvePath('/', child);
  const p = resolvePath('/', parent);
  return c === p || c.startsWith(`${p.replace(/\/$/, '')}/`);
}
