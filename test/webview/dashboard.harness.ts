/**
 * A fake VS Code for the dashboard webview: the bundle built the way scripts/build.mjs builds it
 * (into a temp folder, so the test never runs a stale dist/), a page shaped like the real shell
 * (same Content-Security-Policy, nonce'd scripts, codicon stylesheet), an `acquireVsCodeApi` that
 * records posted messages and keeps `setState`, and VS Code's theme: the body class plus the
 * `--vscode-*` variables set on <html> from script, the way VS Code's webview preload does.
 */
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { DashboardHostMessage, RunInfo, TimedEvent } from '../../src/core/protocol/dashboard';
import { PROJECT_FIXTURES, ROOT } from '../helpers/fixtures';

export type Theme = 'dark' | 'light' | 'high-contrast';

const FONT = { '--vscode-font-family': 'system-ui, "Segoe UI", Ubuntu, "Droid Sans", sans-serif', '--vscode-font-size': '13px', '--vscode-font-weight': 'normal', '--vscode-editor-font-family': '"Droid Sans Mono", "DejaVu Sans Mono", monospace', '--vscode-editor-font-size': '12px' };

/** A representative subset of what VS Code sets (Dark Modern, Light Modern, Dark High Contrast). */
export const THEMES: Record<Theme, Record<string, string>> = {
  dark: {
    ...FONT,
    '--vscode-foreground': '#cccccc', '--vscode-descriptionForeground': '#9d9d9d', '--vscode-editor-background': '#1f1f1f', '--vscode-sideBar-background': '#181818',
    '--vscode-panel-border': '#2b2b2b', '--vscode-widget-border': '#313131', '--vscode-focusBorder': '#0078d4', '--vscode-errorForeground': '#f85149',
    '--vscode-editorWarning-foreground': '#cca700', '--vscode-textLink-foreground': '#4daafc', '--vscode-textCodeBlock-background': '#2b2b2b',
    '--vscode-badge-background': '#616161', '--vscode-badge-foreground': '#f8f8f8',
    '--vscode-charts-foreground': '#cccccc', '--vscode-charts-lines': 'rgba(204, 204, 204, 0.5)',
    '--vscode-charts-blue': '#3794ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#89d185', '--vscode-charts-red': '#f14c4c', '--vscode-charts-purple': '#b180d7', '--vscode-charts-yellow': '#cca700',
    '--vscode-progressBar-background': '#0078d4', '--vscode-input-background': '#313131', '--vscode-list-hoverBackground': '#2a2d2e',
    '--vscode-button-background': '#0078d4', '--vscode-button-foreground': '#ffffff', '--vscode-button-hoverBackground': '#026ec1', '--vscode-button-border': '#ffffff12',
    '--vscode-button-secondaryBackground': '#313131', '--vscode-button-secondaryForeground': '#cccccc', '--vscode-button-secondaryHoverBackground': '#3c3c3c',
    '--vscode-disabledForeground': 'rgba(204, 204, 204, 0.5)', '--vscode-icon-foreground': '#cccccc',
  },
  light: {
    ...FONT,
    '--vscode-foreground': '#3b3b3b', '--vscode-descriptionForeground': '#717171', '--vscode-editor-background': '#ffffff', '--vscode-sideBar-background': '#f8f8f8',
    '--vscode-panel-border': '#e5e5e5', '--vscode-widget-border': '#e5e5e5', '--vscode-focusBorder': '#005fb8', '--vscode-errorForeground': '#f85149',
    '--vscode-editorWarning-foreground': '#bf8803', '--vscode-textLink-foreground': '#005fb8', '--vscode-textCodeBlock-background': '#f3f3f3',
    '--vscode-badge-background': '#cccccc', '--vscode-badge-foreground': '#3b3b3b',
    '--vscode-charts-foreground': '#3b3b3b', '--vscode-charts-lines': 'rgba(59, 59, 59, 0.5)',
    '--vscode-charts-blue': '#1a85ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#388a34', '--vscode-charts-red': '#e51400', '--vscode-charts-purple': '#652d90', '--vscode-charts-yellow': '#bf8803',
    '--vscode-progressBar-background': '#005fb8', '--vscode-input-background': '#ffffff', '--vscode-list-hoverBackground': '#f2f2f2',
    '--vscode-button-background': '#005fb8', '--vscode-button-foreground': '#ffffff', '--vscode-button-hoverBackground': '#0258a8', '--vscode-button-border': '#0000001a',
    '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b', '--vscode-button-secondaryHoverBackground': '#cccccc',
    '--vscode-disabledForeground': 'rgba(97, 97, 97, 0.5)', '--vscode-icon-foreground': '#3b3b3b',
  },
  'high-contrast': {
    ...FONT,
    '--vscode-foreground': '#ffffff', '--vscode-descriptionForeground': 'rgba(255, 255, 255, 0.7)', '--vscode-editor-background': '#000000', '--vscode-sideBar-background': '#000000',
    '--vscode-panel-border': '#6fc3df', '--vscode-widget-border': '#6fc3df', '--vscode-contrastBorder': '#6fc3df', '--vscode-focusBorder': '#f38518', '--vscode-errorForeground': '#f48771',
    '--vscode-editorWarning-foreground': '#ff0000', '--vscode-textLink-foreground': '#21a6ff', '--vscode-textCodeBlock-background': '#000000',
    '--vscode-charts-foreground': '#ffffff', '--vscode-charts-lines': 'rgba(255, 255, 255, 0.5)',
    '--vscode-charts-blue': '#3794ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#89d185', '--vscode-charts-red': '#f14c4c', '--vscode-charts-purple': '#b180d7', '--vscode-charts-yellow': '#ffff00',
    '--vscode-progressBar-background': '#6fc3df', '--vscode-list-hoverBackground': 'rgba(0, 0, 0, 0)',
    '--vscode-button-background': '#000000', '--vscode-button-foreground': '#ffffff', '--vscode-button-border': '#6fc3df',
    '--vscode-button-secondaryBackground': '#000000', '--vscode-button-secondaryForeground': '#ffffff',
    '--vscode-disabledForeground': '#a5a5a5', '--vscode-icon-foreground': '#ffffff',
  },
};

const THEME_CLASS: Record<Theme, string> = { dark: 'vscode-dark', light: 'vscode-light', 'high-contrast': 'vscode-high-contrast' };

// ── fixtures: real runs recorded from `transfer-studio train` (see test/fixtures/runs/README.md) ──
export type Fixture = 'sample-run' | 'multi-label-run' | 'regression-run' | 'stopped-run' | 'failed-run' | 'demo-run' | 'domain-run' | 'detection-run';

export function loadRun(name: Fixture): { run: RunInfo; events: TimedEvent[] } {
  const dir = path.join(PROJECT_FIXTURES, 'runs');
  const infos = JSON.parse(fs.readFileSync(path.join(dir, 'runs.json'), 'utf8')) as Record<string, RunInfo>;
  const events = fs.readFileSync(path.join(dir, `${name}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TimedEvent);
  return { run: infos[name]!, events };
}

/**
 * What the extension answers to `requestThumbnails`: data: URIs of the images. The recorded runs
 * name files under /home/dev/transfer-studio, which is this repository (examples/fashion-mini).
 */
export function thumbnailsOf(files: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of files) {
    const local = f.replace(/^\/home\/dev\/transfer-studio\//, `${ROOT}/`);
    if (local !== f && fs.existsSync(local)) out[f] = `data:image/png;base64,${fs.readFileSync(local).toString('base64')}`;
  }
  return out;
}

// ── the bundle ───────────────────────────────────────────────────────────────────────────────────
let built: string | undefined;

/** dist/webview/dashboard.{js,css} plus the codicon font, built fresh into a temp folder. */
export async function buildDashboard(): Promise<string> {
  if (built) return built;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-dashboard-'));
  await esbuild.build({
    absWorkingDir: ROOT, entryPoints: ['webview/dashboard/main.ts'], outfile: path.join(dir, 'dashboard.js'),
    bundle: true, mainFields: ['module', 'main'], platform: 'browser', format: 'iife', target: 'es2022', loader: { '.css': 'css' }, logLevel: 'error',
  });
  fs.mkdirSync(path.join(dir, 'codicons'));
  for (const f of ['codicon.css', 'codicon.ttf']) fs.copyFileSync(path.join(ROOT, 'node_modules', '@vscode', 'codicons', 'dist', f), path.join(dir, 'codicons', f));
  built = dir;
  return dir;
}

export function cleanBuild(): void {
  if (built) fs.rmSync(built, { recursive: true, force: true });
  built = undefined;
}

// ── the browser ──────────────────────────────────────────────────────────────────────────────────
let browser: Browser | undefined;

export async function openBrowser(): Promise<Browser> {
  browser ??= await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return browser;
}

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = undefined;
}

export type Posted = { type: string; [k: string]: unknown };

export interface Panel {
  page: Page;
  /** Page errors, console errors (CSP violations included) and failed requests. */
  errors: string[];
  posted(): Promise<Posted[]>;
  /** The state the webview saved with setState. */
  savedState(): Promise<unknown>;
  /** Post a message to the webview as the host does (asynchronously, like VS Code). */
  send(message: DashboardHostMessage | Record<string, unknown>): Promise<void>;
  setTheme(theme: Theme): Promise<void>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

const SCREENSHOTS = path.join(ROOT, 'test-output', 'screenshots');

export async function openDashboard(opts: { theme?: Theme; viewport?: { width: number; height: number }; state?: unknown } = {}): Promise<Panel> {
  const dir = await buildDashboard();
  const theme = opts.theme ?? 'dark';
  const nonce = Math.random().toString(36).slice(2);
  const csp = ["default-src 'none'", 'img-src file: data:', `style-src file: 'nonce-${nonce}'`, 'font-src file:', `script-src 'nonce-${nonce}'`].join('; ');
  const boot = `
    window.__posted = [];
    // deliver a host message synchronously (tests then look at the DOM in the same task)
    window.__deliver = (m) => window.dispatchEvent(new MessageEvent('message', { data: m }));
    window.__state = ${JSON.stringify(opts.state ?? null)} ?? undefined;
    window.__applyTheme = (cls, vars) => {
      const html = document.documentElement;
      html.removeAttribute('style');
      for (const [k, v] of Object.entries(vars)) html.style.setProperty(k, v);
      html.style.setProperty('--vscode-font-size', vars['--vscode-font-size'] || '13px');
      document.body.className = cls;
    };
    let acquired = false;
    window.acquireVsCodeApi = () => {
      if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
      acquired = true;
      return {
        postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
        getState: () => window.__state,
        setState: (s) => { window.__state = JSON.parse(JSON.stringify(s)); return s; },
      };
    };
    document.addEventListener('DOMContentLoaded', () => window.__applyTheme(${JSON.stringify(THEME_CLASS[theme])}, ${JSON.stringify(THEMES[theme])}));
  `;
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Training</title>
<link rel="stylesheet" id="vscode-codicon-stylesheet" href="codicons/codicon.css" nonce="${nonce}">
<link rel="stylesheet" href="dashboard.css" nonce="${nonce}">
<script nonce="${nonce}">${boot}</script>
</head>
<body data-app="dashboard">
<div id="app" role="main"></div>
<script nonce="${nonce}" src="dashboard.js"></script>
</body>
</html>`;
  const file = path.join(dir, `page-${nonce}.html`);
  fs.writeFileSync(file, html);
  const b = await openBrowser();
  const page = await b.newPage({ viewport: opts.viewport ?? { width: 1100, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`console.${m.type()}: ${m.text()}`); });
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  await page.goto(`file://${file}`);
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  return {
    page,
    errors,
    posted: () => page.evaluate(() => (window as unknown as { __posted: Posted[] }).__posted),
    savedState: () => page.evaluate(() => (window as unknown as { __state: unknown }).__state),
    send: async (message) => { await page.evaluate((m) => window.postMessage(m, '*'), message as unknown); },
    setTheme: async (t) => { await page.evaluate(([cls, vars]) => (window as unknown as { __applyTheme(c: string, v: Record<string, string>): void }).__applyTheme(cls, vars), [THEME_CLASS[t], THEMES[t]] as const); },
    screenshot: async (name) => {
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      const out = path.join(SCREENSHOTS, `${name}.png`);
      // a viewport as tall as the page, so the sticky header sits at the top of the picture
      const viewport = page.viewportSize()!;
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, height) });
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      await page.screenshot({ path: out, fullPage: true });
      await page.setViewportSize(viewport);
      return out;
    },
    close: () => page.close(),
  };
}
