/** Opening models into the Model view: from disk, from an https URL (downloaded to the extension's storage), the bundled example. */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EngineService } from '../engine';
import type { ModelSession } from './session';

export async function openModelFile(session: ModelSession, engine: EngineService, file: string, url?: string): Promise<void> {
  const summary = await vscode.window.withProgress({ location: { viewId: 'transferStudio.model' }, title: 'Opening model…' }, () => engine.inspect(file));
  session.setModel({ file, url, summary });
}

export async function downloadModelFromUrl(context: vscode.ExtensionContext, engine: EngineService, url: string, allowLoopbackHttp = false): Promise<string> {
  const key = createHash('sha256').update(url).digest('hex').slice(0, 16);
  const dest = vscode.Uri.joinPath(context.globalStorageUri, 'models', key).fsPath;
  const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Downloading ${url}` }, () => engine.download(url, dest, allowLoopbackHttp));
  return r.path;
}

export function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === 'https:';
  } catch {
    return false;
  }
}

/** The bundled example: copies the Teachable Machine model and a small Fashion-MNIST dataset into the workspace, with a recipe. */
export async function installExample(extensionUri: vscode.Uri, folder: vscode.Uri): Promise<{ model: vscode.Uri; data: vscode.Uri; root: vscode.Uri }> {
  const root = vscode.Uri.joinPath(folder, 'transfer-studio-example');
  const model = vscode.Uri.joinPath(root, 'tm-image-nail-biting');
  const data = vscode.Uri.joinPath(root, 'fashion-mini');
  for (const [src, dest] of [[vscode.Uri.joinPath(extensionUri, 'examples', 'tm-image-nail-biting'), model], [vscode.Uri.joinPath(extensionUri, 'examples', 'fashion-mini'), data]] as const) {
    try {
      await vscode.workspace.fs.stat(dest);
    } catch {
      await vscode.workspace.fs.copy(src, dest, { overwrite: false });
    }
  }
  return { model: vscode.Uri.joinPath(model, 'model.json'), data: vscode.Uri.joinPath(data, 'train'), root };
}

export function modelLabel(file: string): string {
  return path.basename(file) === 'model.json' ? path.basename(path.dirname(file)) : path.basename(file);
}
