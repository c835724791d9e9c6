/** HDF5 access through h5wasm (a real HDF5 library compiled to WebAssembly; no Python). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../../../core/errors';

type H5Module = typeof import('h5wasm', { with: { 'resolution-mode': 'import' } });
export type H5File = InstanceType<H5Module['File']>;
export type H5Group = InstanceType<H5Module['Group']>;
export type H5Dataset = InstanceType<H5Module['Dataset']>;

let h5: Promise<H5Module> | undefined;

async function h5wasm(): Promise<H5Module> {
  h5 ??= (async () => {
    const m = (await import('h5wasm/node')) as unknown as H5Module;
    await m.ready;
    // HDF5 errors become exceptions instead of diagnostics printed to stderr
    (m.Module as unknown as { activate_throwing_error_handler?: () => number }).activate_throwing_error_handler?.();
    return m;
  })();
  return h5;
}

/** One readable line from an HDF5 error stack: its innermost reason ("truncated file: …"). */
export function hdf5Reason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const cut = /truncated file: eof = (\d+).*stored_eof = (\d+)/.exec(msg);
  if (cut) return `the file is truncated (${Number(cut[1]).toLocaleString('en-US')} of ${Number(cut[2]).toLocaleString('en-US')} bytes)`;
  const reasons = [...msg.matchAll(/#\d+:.* in \w+\(\): (.+)/g)].map((m) => m[1]!.trim());
  const reason = reasons.at(-1) ?? msg.split('\n').find((l) => l.trim() && !/^HDF5-DIAG/.test(l))?.trim() ?? 'unknown error';
  return `${reason} (truncated or corrupt?)`;
}

/** Open an HDF5 file read-only; `bytes` (e.g. from a zip) go through a temporary file. */
export async function openH5<T>(file: string, use: (f: H5File, module: H5Module) => T | Promise<T>, bytes?: Uint8Array): Promise<T> {
  const m = await h5wasm();
  let target = file;
  let tmp: string | undefined;
  if (bytes) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-h5-'));
    target = path.join(tmp, 'weights.h5');
    fs.writeFileSync(target, bytes);
  }
  let f: H5File;
  try {
    f = new m.File(target, 'r');
  } catch (e) {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    throw new UserError(`cannot read the HDF5 file: ${hdf5Reason(e)}`, { file, hint: 'copy the file again; it may have been cut short' });
  }
  try {
    return await use(f, m);
  } catch (e) {
    if (e instanceof UserError) throw e;
    // the file opened but its contents could not be read: cut short or damaged
    throw new UserError(`cannot read the HDF5 file: ${hdf5Reason(e)}`, { file, hint: 'copy the file again; it may have been cut short' });
  } finally {
    try { f.close(); } catch { /* already closed */ }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export function isGroup(x: unknown): x is H5Group {
  return !!x && typeof (x as { keys?: unknown }).keys === 'function';
}

/** An attribute's value as a string (HDF5 strings come back as string or bytes). */
export function attrString(obj: { attrs: Record<string, { value: unknown }> }, name: string): string | undefined {
  const a = obj.attrs[name];
  if (!a) return undefined;
  const v = a.value;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (Array.isArray(v) && typeof v[0] === 'string') return v.join('');
  return String(v);
}

/** A string-list attribute (layer_names, weight_names). */
export function attrStrings(obj: { attrs: Record<string, { value: unknown }> }, name: string): string[] {
  const a = obj.attrs[name];
  if (!a) return [];
  const v = a.value;
  if (Array.isArray(v)) return v.map((x) => (x instanceof Uint8Array ? new TextDecoder().decode(x) : String(x)));
  if (typeof v === 'string') return [v];
  return [];
}
