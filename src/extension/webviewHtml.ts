/** The HTML shell of every webview: strict CSP with a nonce, only the extension's bundled assets. */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';

export function nonce(): string {
  return crypto.randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

/** Webview options: scripts on, resources only from dist/webview and media (plus `extraRoots`, e.g. a run's output). */
export function webviewOptions(extensionUri: vscode.Uri, extraRoots: vscode.Uri[] = []): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media'), ...extraRoots],
    retainContextWhenHidden: false,
  };
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, app: 'designer' | 'dashboard' | 'inspector', title: string): string {
  const n = nonce();
  const asset = (...p: string[]): vscode.Uri => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', ...p));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource} 'nonce-${n}'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${n}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" id="vscode-codicon-stylesheet" href="${asset('codicons', 'codicon.css')}" nonce="${n}">
<link rel="stylesheet" href="${asset(`${app}.css`)}" nonce="${n}">
</head>
<body data-app="${app}">
<div id="app" role="main"></div>
<script nonce="${n}" src="${asset(`${app}.js`)}"></script>
</body>
</html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * The webview's `ready` carries the protocol version it was built with; a panel from another
 * build would misread the host's messages, so a mismatch is reported and the panel gets nothing.
 */
export function handshakeOk(panel: string, got: number, expected: number, warn: (m: string) => void): boolean {
  if (got === expected) return true;
  warn(`${panel}: the webview speaks protocol ${got}, the extension ${expected}; close and reopen the panel`);
  void vscode.window.showWarningMessage(`Transfer Studio: the ${panel} panel is from another version of the extension. Close and reopen it.`);
  return false;
}
