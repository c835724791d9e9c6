/**
 * Webview tests in headless Chromium (Debian's, through playwright-core): the built panel bundle
 * in a page with a fake VS Code host (`acquireVsCodeApi` records posted messages) and VS Code's
 * theme variables set on <html> the way VS Code sets them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureBuilt } from '../helpers/cli';
import { ROOT } from '../helpers/fixtures';

export type Theme = 'dark' | 'light';

const THEMES: Record<Theme, Record<string, string>> = {
  dark: {
    '--vscode-font-family': 'system-ui, "Segoe UI", Ubuntu, sans-serif', '--vscode-font-size': '13px', '--vscode-font-weight': 'normal',
    '--vscode-editor-font-family': 'monospace', '--vscode-editor-font-size': '12px',
    '--vscode-foreground': '#cccccc', '--vscode-descriptionForeground': '#9d9d9d', '--vscode-editor-background': '#1f1f1f', '--vscode-sideBar-background': '#181818',
    '--vscode-panel-border': '#2b2b2b', '--vscode-widget-border': '#313131', '--vscode-focusBorder': '#0078d4', '--vscode-errorForeground': '#f85149',
    '--vscode-editorWarning-foreground': '#cca700', '--vscode-textLink-foreground': '#4daafc', '--vscode-badge-background': '#616161', '--vscode-badge-foreground': '#f8f8f8',
    '--vscode-charts-blue': '#3794ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#89d185', '--vscode-charts-red': '#f14c4c', '--vscode-charts-purple': '#b180d7', '--vscode-charts-yellow': '#cca700',
    '--vscode-progressBar-background': '#0078d4', '--vscode-input-background': '#313131', '--vscode-input-foreground': '#cccccc', '--vscode-input-border': '#3c3c3c',
    '--vscode-list-hoverBackground': '#2a2d2e', '--vscode-button-background': '#0078d4', '--vscode-button-foreground': '#ffffff', '--vscode-button-hoverBackground': '#026ec1',
    '--vscode-button-secondaryBackground': '#313131', '--vscode-button-secondaryForeground': '#cccccc', '--vscode-disabledForeground': '#cccccc80',
    '--vscode-inputValidation-warningBackground': '#352a05', '--vscode-inputValidation-errorBackground': '#5a1d1d', '--vscode-checkbox-background': '#313131', '--vscode-checkbox-border': '#3c3c3c',
    '--vscode-dropdown-background': '#313131', '--vscode-dropdown-border': '#3c3c3c', '--vscode-dropdown-foreground': '#cccccc', '--vscode-settings-headerForeground': '#ffffff',
  },
  light: {
    '--vscode-font-family': 'system-ui, "Segoe UI", Ubuntu, sans-serif', '--vscode-font-size': '13px', '--vscode-font-weight': 'normal',
    '--vscode-editor-font-family': 'monospace', '--vscode-editor-font-size': '12px',
    '--vscode-foreground': '#3b3b3b', '--vscode-descriptionForeground': '#717171', '--vscode-editor-background': '#ffffff', '--vscode-sideBar-background': '#f8f8f8',
    '--vscode-panel-border': '#e5e5e5', '--vscode-widget-border': '#e5e5e5', '--vscode-focusBorder': '#005fb8', '--vscode-errorForeground': '#f85149',
    '--vscode-editorWarning-foreground': '#bf8803', '--vscode-textLink-foreground': '#005fb8', '--vscode-badge-background': '#cccccc', '--vscode-badge-foreground': '#3b3b3b',
    '--vscode-charts-blue': '#1a85ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#388a34', '--vscode-charts-red': '#e51400', '--vscode-charts-purple': '#652d90', '--vscode-charts-yellow': '#bf8803',
    '--vscode-progressBar-background': '#005fb8', '--vscode-input-background': '#ffffff', '--vscode-input-foreground': '#3b3b3b', '--vscode-input-border': '#cecece',
    '--vscode-list-hoverBackground': '#f2f2f2', '--vscode-button-background': '#005fb8', '--vscode-button-foreground': '#ffffff', '--vscode-button-hoverBackground': '#0258a8',
    '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b', '--vscode-disabledForeground': '#61616180',
    '--vscode-inputValidation-warningBackground': '#f6f5d2', '--vscode-inputValidation-errorBackground': '#f2dede', '--vscode-checkbox-background': '#f8f8f8', '--vscode-checkbox-border': '#cecece',
    '--vscode-dropdown-background': '#ffffff', '--vscode-dropdown-border': '#cecece', '--vscode-dropdown-foreground': '#3b3b3b', '--vscode-settings-headerForeground': '#1f1f1f',
  },
};

let browser: Browser | undefined;

export async function openBrowser(): Promise<Browser> {
  browser ??= await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  return browser;
}

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = undefined;
}

export interface Panel {
  page: Page;
  errors: string[];
  /** Messages the webview posted to the host. */
  posted(): Promise<{ type: string; [k: string]: unknown }[]>;
  send(message: unknown): Promise<void>;
  screenshot(name: string): Promise<string>;
}

/** Open a built webview app with a fake host, in a theme. */
export async function openPanel(app: 'dashboard' | 'designer' | 'inspector', theme: Theme = 'dark', viewport = { width: 1200, height: 900 }): Promise<Panel> {
  ensureBuilt();
  const dir = path.join(ROOT, 'dist', 'webview');
  if (!fs.existsSync(path.join(dir, `${app}.js`))) throw new Error(`dist/webview/${app}.js is missing: run npm run build`);
  const vars = Object.entries(THEMES[theme]).map(([k, v]) => `${k}: ${v}`).join('; ');
  const html = `<!DOCTYPE html><html lang="en" style='${vars}'><head><meta charset="UTF-8">
<link rel="stylesheet" id="vscode-codicon-stylesheet" href="codicons/codicon.css"><link rel="stylesheet" href="${app}.css">
<script>window.__posted = []; let __state; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))), getState: () => __state, setState: (s) => { __state = s; } });</script>
</head><body class="vscode-${theme}" data-app="${app}"><div id="app"></div><script src="${app}.js"></script></body></html>`;
  const file = path.join(dir, `test-${app}-${theme}.html`);
  fs.writeFileSync(file, html);
  const b = await openBrowser();
  const page = await b.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`file://${file}`);
  return {
    page,
    errors,
    posted: () => page.evaluate(() => (globalThis as unknown as { __posted: { type: string }[] }).__posted),
    send: async (message) => { await page.evaluate((m) => (globalThis as unknown as { postMessage(m: unknown, o: string): void }).postMessage(m, '*'), message); },
    screenshot: async (name) => {
      const out = path.join(ROOT, 'test-output', 'screenshots', `${name}.png`);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      await page.screenshot({ path: out, fullPage: true });
      return out;
    },
  };
}
