/** 3. Extension activation time (against a stand-in `vscode` API) and bundle sizes. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { results, ROOT } from './common';

export function benchExtension(): void {
  const sizes: Record<string, number> = {};
  for (const f of ['dist/extension.js', 'dist/worker.js', 'dist/cli.js', 'dist/extract-thread.js', 'dist/webview/designer.js', 'dist/webview/dashboard.js', 'dist/webview/inspector.js']) {
    if (fs.existsSync(path.join(ROOT, f))) sizes[f] = Math.round(fs.statSync(path.join(ROOT, f)).size / 1024);
  }
  results.bundleKiB = sizes;
  // activate() against a stand-in `vscode` API (every member callable): the cost of our own code and bundle
  const Module = require('node:module') as { _load: (r: string, ...a: unknown[]) => unknown };
  const any: unknown = new Proxy(function () { /* stand-in */ }, { get: (_t, p) => (p === 'then' ? undefined : p === Symbol.toPrimitive ? () => '' : any), apply: () => any, construct: () => any as object, set: () => true });
  // esbuild copies a module's own properties (__toESM): name every member the bundle uses
  const used = new Set([...fs.readFileSync(path.join(ROOT, 'dist', 'extension.js'), 'utf8').matchAll(/\bvscode\d*\.([A-Za-z_$][\w$]*)/g)].map((m) => m[1]!));
  const standIn = Object.fromEntries([...used].map((n) => [n, any]));
  const load = Module._load;
  Module._load = (request: string, ...rest: unknown[]) => (request === 'vscode' ? standIn : load(request, ...rest));
  try {
    const t0 = performance.now();
    const ext = require(path.join(ROOT, 'dist', 'extension.js')) as { activate(ctx: unknown): unknown };
    const loaded = performance.now();
    ext.activate({ subscriptions: [], extensionUri: any, globalStorageUri: any, extensionMode: 1, asAbsolutePath: (p: string) => p });
    results.extensionLoadMs = Math.round((loaded - t0) * 10) / 10;
    results.extensionActivateMs = Math.round((performance.now() - loaded) * 10) / 10;
  } catch (e) {
    results.extensionActivateError = (e as Error).message;
  } finally {
    Module._load = load;
  }
}

