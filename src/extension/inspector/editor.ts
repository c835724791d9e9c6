/** "Transfer Studio Model Inspector": a read-only custom editor for model.json, .h5, .hdf5 and .keras files. */
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import type { EngineService } from '../engine';
import type { Log } from '../log';
import { handshakeOk, webviewHtml, webviewOptions } from '../webviewHtml';
import { INSPECTOR_PROTOCOL_VERSION, parseInspectorMessage, type InspectorHostMessage } from '../../core/protocol/inspector';

export const INSPECTOR_VIEW_TYPE = 'transferStudio.inspector';

export class InspectorProvider implements vscode.CustomReadonlyEditorProvider {
  /** What the panels were sent: kept only under integration tests (recordMessages). */
  readonly posted: InspectorHostMessage[] = [];

  constructor(private readonly deps: { extensionUri: vscode.Uri; engine: EngineService; log: Log; recordMessages?: boolean }) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  async resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): Promise<void> {
    panel.webview.options = webviewOptions(this.deps.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, this.deps.extensionUri, 'inspector', 'Model Inspector');
    const file = document.uri.fsPath;
    const post = (m: InspectorHostMessage): void => { if (this.deps.recordMessages) this.posted.push(m); void panel.webview.postMessage(m); };
    let state: InspectorHostMessage = { type: 'state', status: 'loading', file };
    const loading = this.deps.engine.inspect(file).then(
      (summary) => { state = { type: 'state', status: 'ok', summary, file }; },
      (e: unknown) => { state = { type: 'state', status: 'error', error: errorMessage(e), file }; this.deps.log.warn(`inspector: ${errorMessage(e)}`); },
    );
    let ready = false;
    void loading.then(() => { if (ready) post(state); });
    panel.webview.onDidReceiveMessage((raw: unknown) => {
      const m = parseInspectorMessage(raw);
      if (!m) return;
      if (m.type === 'ready' && handshakeOk('inspector', m.protocol, INSPECTOR_PROTOCOL_VERSION, (w) => this.deps.log.warn(w))) { ready = true; post(state); }
      if (m.type === 'openInStudio') void vscode.commands.executeCommand('transferStudio.openInStudio', document.uri);
      if (m.type === 'newRecipe') void vscode.commands.executeCommand('transferStudio.newRecipe', document.uri);
    });
  }
}
