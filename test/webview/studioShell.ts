/**
 * A fake VS Code webview host for the designer and inspector tests: the apps are bundled fresh
 * (same esbuild options as scripts/build.mjs) and served from a fake webview origin inside the
 * same HTML shell and Content-Security-Policy as src/extension/webviewHtml.ts, with
 * `acquireVsCodeApi` recording what the webview posts and VS Code's theme variables on <html>.
 */
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '../..');
const ORIGIN = 'https://webview.test';

export type Theme = 'dark' | 'light';

const FONT = {
  '--vscode-font-family': 'system-ui, -apple-system, "Segoe WPC", "Segoe UI", "Ubuntu", "Droid Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-font-weight': 'normal',
  '--vscode-editor-font-family': '"Droid Sans Mono", "DejaVu Sans Mono", monospace',
  '--vscode-editor-font-size': '13px',
  '--vscode-editor-font-weight': 'normal',
};

/** VS Code's "Dark Modern" and "Light Modern" colours, as VS Code puts them on a webview's <html>. */
export const THEMES: Record<Theme, Record<string, string>> = {
  dark: {
    ...FONT,
    '--vscode-foreground': '#cccccc', '--vscode-descriptionForeground': '#9d9d9d', '--vscode-disabledForeground': '#cccccc80', '--vscode-errorForeground': '#f85149',
    '--vscode-focusBorder': '#0078d4', '--vscode-contrastBorder': 'transparent', '--vscode-widget-border': '#313131', '--vscode-widget-shadow': '#0000005c',
    '--vscode-editor-background': '#1f1f1f', '--vscode-editor-foreground': '#cccccc', '--vscode-sideBar-background': '#181818', '--vscode-panel-background': '#181818', '--vscode-panel-border': '#2b2b2b',
    '--vscode-icon-foreground': '#cccccc', '--vscode-textLink-foreground': '#4daafc', '--vscode-textLink-activeForeground': '#4daafc',
    '--vscode-textPreformat-foreground': '#d0d0d0', '--vscode-textPreformat-background': '#3c3c3c', '--vscode-textBlockQuote-background': '#2b2b2b',
    '--vscode-input-background': '#313131', '--vscode-input-foreground': '#cccccc', '--vscode-input-border': '#3c3c3c', '--vscode-input-placeholderForeground': '#989898',
    '--vscode-inputValidation-errorBackground': '#5a1d1d', '--vscode-inputValidation-errorBorder': '#be1100', '--vscode-inputValidation-warningBackground': '#352a05', '--vscode-inputValidation-warningBorder': '#b89500', '--vscode-inputValidation-infoBackground': '#063b49', '--vscode-inputValidation-infoBorder': '#007acc',
    '--vscode-inputOption-activeBorder': '#2488db', '--vscode-inputOption-activeForeground': '#ffffff',
    '--vscode-button-background': '#0078d4', '--vscode-button-foreground': '#ffffff', '--vscode-button-hoverBackground': '#026ec1', '--vscode-button-border': '#ffffff12',
    '--vscode-button-secondaryBackground': '#313131', '--vscode-button-secondaryForeground': '#cccccc', '--vscode-button-secondaryHoverBackground': '#3c3c3c',
    '--vscode-checkbox-background': '#313131', '--vscode-checkbox-border': '#3c3c3c', '--vscode-checkbox-foreground': '#cccccc',
    '--vscode-dropdown-background': '#313131', '--vscode-dropdown-border': '#3c3c3c', '--vscode-dropdown-foreground': '#cccccc', '--vscode-dropdown-listBackground': '#1f1f1f',
    '--vscode-settings-headerForeground': '#ffffff', '--vscode-settings-textInputBackground': '#313131', '--vscode-settings-textInputForeground': '#cccccc', '--vscode-settings-textInputBorder': '#3c3c3c',
    '--vscode-settings-dropdownBackground': '#313131', '--vscode-settings-dropdownForeground': '#cccccc', '--vscode-settings-dropdownBorder': '#3c3c3c', '--vscode-settings-dropdownListBorder': '#454545',
    '--vscode-settings-checkboxBackground': '#313131', '--vscode-settings-checkboxForeground': '#cccccc', '--vscode-settings-checkboxBorder': '#3c3c3c',
    '--vscode-settings-rowHoverBackground': '#2b2d2e80', '--vscode-settings-focusedRowBackground': '#2a2d2e99', '--vscode-settings-focusedRowBorder': '#0078d4',
    '--vscode-list-hoverBackground': '#2a2d2e', '--vscode-list-hoverForeground': '#cccccc', '--vscode-list-activeSelectionBackground': '#04395e', '--vscode-list-activeSelectionForeground': '#ffffff', '--vscode-list-inactiveSelectionBackground': '#37373d', '--vscode-list-focusOutline': '#0078d4', '--vscode-list-highlightForeground': '#2aaaff', '--vscode-list-focusHighlightForeground': '#2aaaff',
    '--vscode-menu-background': '#1f1f1f', '--vscode-menu-foreground': '#cccccc', '--vscode-menu-selectionBackground': '#0078d4', '--vscode-menu-selectionForeground': '#ffffff', '--vscode-menu-border': '#454545', '--vscode-menu-separatorBackground': '#454545', '--vscode-menu-selectionBorder': 'transparent',
    '--vscode-badge-background': '#616161', '--vscode-badge-foreground': '#f8f8f8', '--vscode-activityBarBadge-background': '#0078d4', '--vscode-activityBarBadge-foreground': '#ffffff',
    '--vscode-toolbar-hoverBackground': '#5a5d5e50', '--vscode-toolbar-hoverOutline': 'transparent', '--vscode-scrollbar-shadow': '#000000', '--vscode-editorWidget-border': '#454545', '--vscode-editorWidget-background': '#202020',
    '--vscode-editorWarning-foreground': '#cca700', '--vscode-editorError-foreground': '#f14c4c', '--vscode-editorInfo-foreground': '#3794ff', '--vscode-progressBar-background': '#0078d4',
    '--vscode-keybindingLabel-background': '#8080802b', '--vscode-keybindingLabel-foreground': '#cccccc', '--vscode-keybindingLabel-border': '#33333399', '--vscode-keybindingLabel-bottomBorder': '#44444499',
    '--vscode-charts-foreground': '#cccccc', '--vscode-charts-lines': '#cccccc80', '--vscode-charts-blue': '#3794ff', '--vscode-charts-green': '#89d185', '--vscode-charts-orange': '#d18616', '--vscode-charts-red': '#f14c4c', '--vscode-charts-yellow': '#cca700', '--vscode-charts-purple': '#b180d7',
    '--vscode-sash-hoverBorder': '#0078d4', '--vscode-tree-indentGuidesStroke': '#585858', '--vscode-panelTitle-activeForeground': '#cccccc', '--vscode-panelTitle-activeBorder': '#0078d4', '--vscode-panelTitle-inactiveForeground': '#9d9d9d',
  },
  light: {
    ...FONT,
    '--vscode-foreground': '#3b3b3b', '--vscode-descriptionForeground': '#717171', '--vscode-disabledForeground': '#61616180', '--vscode-errorForeground': '#f85149',
    '--vscode-focusBorder': '#005fb8', '--vscode-contrastBorder': 'transparent', '--vscode-widget-border': '#e5e5e5', '--vscode-widget-shadow': '#00000029',
    '--vscode-editor-background': '#ffffff', '--vscode-editor-foreground': '#3b3b3b', '--vscode-sideBar-background': '#f8f8f8', '--vscode-panel-background': '#f8f8f8', '--vscode-panel-border': '#e5e5e5',
    '--vscode-icon-foreground': '#3b3b3b', '--vscode-textLink-foreground': '#005fb8', '--vscode-textLink-activeForeground': '#005fb8',
    '--vscode-textPreformat-foreground': '#3b3b3b', '--vscode-textPreformat-background': '#0000001f', '--vscode-textBlockQuote-background': '#f8f8f8',
    '--vscode-input-background': '#ffffff', '--vscode-input-foreground': '#3b3b3b', '--vscode-input-border': '#cecece', '--vscode-input-placeholderForeground': '#767676',
    '--vscode-inputValidation-errorBackground': '#f2dede', '--vscode-inputValidation-errorBorder': '#be1100', '--vscode-inputValidation-warningBackground': '#f6f5d2', '--vscode-inputValidation-warningBorder': '#b89500', '--vscode-inputValidation-infoBackground': '#d6ecf2', '--vscode-inputValidation-infoBorder': '#007acc',
    '--vscode-inputOption-activeBorder': '#005fb8', '--vscode-inputOption-activeForeground': '#000000',
    '--vscode-button-background': '#005fb8', '--vscode-button-foreground': '#ffffff', '--vscode-button-hoverBackground': '#0258a8', '--vscode-button-border': '#0000001a',
    '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b', '--vscode-button-secondaryHoverBackground': '#cccccc',
    '--vscode-checkbox-background': '#f8f8f8', '--vscode-checkbox-border': '#cecece', '--vscode-checkbox-foreground': '#3b3b3b',
    '--vscode-dropdown-background': '#ffffff', '--vscode-dropdown-border': '#cecece', '--vscode-dropdown-foreground': '#3b3b3b', '--vscode-dropdown-listBackground': '#ffffff',
    '--vscode-settings-headerForeground': '#1f1f1f', '--vscode-settings-textInputBackground': '#ffffff', '--vscode-settings-textInputForeground': '#3b3b3b', '--vscode-settings-textInputBorder': '#cecece',
    '--vscode-settings-dropdownBackground': '#ffffff', '--vscode-settings-dropdownForeground': '#3b3b3b', '--vscode-settings-dropdownBorder': '#cecece', '--vscode-settings-dropdownListBorder': '#c8c8c8',
    '--vscode-settings-checkboxBackground': '#f8f8f8', '--vscode-settings-checkboxForeground': '#3b3b3b', '--vscode-settings-checkboxBorder': '#cecece',
    '--vscode-settings-rowHoverBackground': '#f2f2f280', '--vscode-settings-focusedRowBackground': '#f2f2f299', '--vscode-settings-focusedRowBorder': '#005fb8',
    '--vscode-list-hoverBackground': '#f2f2f2', '--vscode-list-hoverForeground': '#3b3b3b', '--vscode-list-activeSelectionBackground': '#e8e8e8', '--vscode-list-activeSelectionForeground': '#000000', '--vscode-list-inactiveSelectionBackground': '#e4e6f1', '--vscode-list-focusOutline': '#005fb8', '--vscode-list-highlightForeground': '#0066bf', '--vscode-list-focusHighlightForeground': '#0066bf',
    '--vscode-menu-background': '#ffffff', '--vscode-menu-foreground': '#3b3b3b', '--vscode-menu-selectionBackground': '#005fb8', '--vscode-menu-selectionForeground': '#ffffff', '--vscode-menu-border': '#cecece', '--vscode-menu-separatorBackground': '#d4d4d4', '--vscode-menu-selectionBorder': 'transparent',
    '--vscode-badge-background': '#cccccc', '--vscode-badge-foreground': '#3b3b3b', '--vscode-activityBarBadge-background': '#005fb8', '--vscode-activityBarBadge-foreground': '#ffffff',
    '--vscode-toolbar-hoverBackground': '#b8b8b850', '--vscode-toolbar-hoverOutline': 'transparent', '--vscode-scrollbar-shadow': '#dddddd', '--vscode-editorWidget-border': '#c8c8c8', '--vscode-editorWidget-background': '#f8f8f8',
    '--vscode-editorWarning-foreground': '#bf8803', '--vscode-editorError-foreground': '#e51400', '--vscode-editorInfo-foreground': '#1a85ff', '--vscode-progressBar-background': '#005fb8',
    '--vscode-keybindingLabel-background': '#dddddd66', '--vscode-keybindingLabel-foreground': '#555555', '--vscode-keybindingLabel-border': '#cccccc66', '--vscode-keybindingLabel-bottomBorder': '#bbbbbb66',
    '--vscode-charts-foreground': '#3b3b3b', '--vscode-charts-lines': '#3b3b3b80', '--vscode-charts-blue': '#1a85ff', '--vscode-charts-green': '#388a34', '--vscode-charts-orange': '#d18616', '--vscode-charts-red': '#e51400', '--vscode-charts-yellow': '#bf8803', '--vscode-charts-purple': '#652d90',
    '--vscode-sash-hoverBorder': '#005fb8', '--vscode-tree-indentGuidesStroke': '#a9a9a9', '--vscode-panelTitle-activeForeground': '#3b3b3b', '--vscode-panelTitle-activeBorder': '#005fb8', '--vscode-panelTitle-inactiveForeground': '#3b3b3b',
  },
};

let outDir: string | undefined;

/** Bundle the designer and inspector apps (as scripts/build.mjs does) into a temp folder, once. */
export async function buildApps(): Promise<string> {
  if (outDir) return outDir;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-webview-'));
  await esbuild.build({
    entryPoints: { designer: path.join(ROOT, 'webview/designer/main.ts'), inspector: path.join(ROOT, 'webview/inspector/main.ts') },
    outdir: dir, bundle: true, platform: 'browser', format: 'iife', target: 'es2022', loader: { '.css': 'css' }, mainFields: ['module', 'main'], logLevel: 'silent', absWorkingDir: ROOT,
  });
  for (const f of ['codicon.css', 'codicon.ttf']) {
    fs.mkdirSync(path.join(dir, 'codicons'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'node_modules/@vscode/codicons/dist', f), path.join(dir, 'codicons', f));
  }
  outDir = dir;
  return dir;
}

let browser: Browser | undefined;

async function openBrowser(): Promise<Browser> {
  browser ??= await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return browser;
}

export async function closeShell(): Promise<void> {
  await browser?.close();
  browser = undefined;
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  outDir = undefined;
}

export interface Posted {
  type: string;
  [k: string]: unknown;
}

export interface Shell {
  page: Page;
  /** Page errors, console errors and CSP violations. */
  errors: string[];
  posted(): Promise<Posted[]>;
  clearPosted(): Promise<void>;
  send(message: unknown): Promise<void>;
  setTheme(theme: Theme): Promise<void>;
  screenshot(name: string, fullPage?: boolean): Promise<string>;
  close(): Promise<void>;
}

/** The webview's HTML as webviewHtml() writes it (nonce'd script, CSP), with a fake cspSource. */
function shellHtml(app: 'designer' | 'inspector', theme: Theme): string {
  const nonce = 'dGVzdG5vbmNlMTIzNDU2';
  const csp = ["default-src 'none'", `img-src ${ORIGIN} data:`, `style-src ${ORIGIN} 'nonce-${nonce}'`, `font-src ${ORIGIN}`, `script-src 'nonce-${nonce}'`].join('; ');
  const vars = Object.entries(THEMES[theme]).map(([k, v]) => `${k}: ${v};`).join(' ');
  return `<!DOCTYPE html>
<html lang="en" style='${vars}'>
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${app}</title>
<link rel="stylesheet" id="vscode-codicon-stylesheet" href="${ORIGIN}/codicons/codicon.css" nonce="${nonce}">
<link rel="stylesheet" href="${ORIGIN}/${app}.css" nonce="${nonce}">
</head>
<body class="vscode-${theme}" data-vscode-theme-kind="vscode-${theme}" data-app="${app}">
<div id="app" role="main"></div>
<script nonce="${nonce}" src="${ORIGIN}/${app}.js"></script>
</body>
</html>`;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.html': 'text/html' };

export async function openShell(app: 'designer' | 'inspector', o: { theme?: Theme; width?: number; height?: number } = {}): Promise<Shell> {
  const dir = await buildApps();
  const theme = o.theme ?? 'dark';
  const b = await openBrowser();
  const context = await b.newContext({ viewport: { width: o.width ?? 1280, height: o.height ?? 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  // tsx (esbuild, keepNames) wraps functions passed to the page in __name(): give the page one
  await page.addInitScript({ content: 'globalThis.__name = (f) => f;' });
  await page.addInitScript(() => {
    const w = globalThis as unknown as Record<string, unknown>;
    const posted: unknown[] = [];
    let state: unknown;
    w.__posted = posted;
    w.__csp = [];
    w.acquireVsCodeApi = () => ({
      postMessage: (m: unknown) => posted.push(JSON.parse(JSON.stringify(m ?? null))),
      getState: () => state,
      setState: (s: unknown) => { state = s; },
    });
    document.addEventListener('securitypolicyviolation', (e) => (w.__csp as string[]).push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === `/index.html`) return route.fulfill({ status: 200, contentType: 'text/html', body: shellHtml(app, theme) });
    const file = path.join(dir, decodeURIComponent(url.pathname));
    if (!file.startsWith(dir) || !fs.existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ status: 200, contentType: TYPES[path.extname(file)] ?? 'application/octet-stream', body: fs.readFileSync(file) });
  });
  await page.goto(`${ORIGIN}/index.html`);
  const shell: Shell = {
    page,
    errors,
    posted: () => page.evaluate(() => (globalThis as unknown as { __posted: Posted[] }).__posted.slice()),
    clearPosted: () => page.evaluate(() => { (globalThis as unknown as { __posted: unknown[] }).__posted.length = 0; }),
    send: async (message) => {
      await page.evaluate((m) => (globalThis as unknown as { postMessage(m: unknown, o: string): void }).postMessage(m, '*'), message);
      // let the message event and the web components' updates run
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
    },
    setTheme: async (t) => {
      await page.evaluate(([vars, kind]) => {
        const root = document.documentElement;
        root.removeAttribute('style');
        for (const [k, v] of Object.entries(vars as Record<string, string>)) root.style.setProperty(k, v);
        document.body.className = `vscode-${kind as string}`;
        document.body.dataset.vscodeThemeKind = `vscode-${kind as string}`;
      }, [THEMES[t], t] as const);
    },
    screenshot: async (name, fullPage = true) => {
      const out = path.join(ROOT, 'test-output', 'screenshots', `${name}.png`);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      await page.evaluate(() => document.fonts.ready);
      if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: out, fullPage });
      return out;
    },
    close: async () => {
      const csp = await page.evaluate(() => (globalThis as unknown as { __csp: string[] }).__csp);
      errors.push(...csp.map((c) => `csp: ${c}`));
      await context.close();
    },
  };
  return shell;
}

/** A JSON fixture under test/fixtures/webview. */
export function fixture<T>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'webview', name), 'utf8')) as T;
}
