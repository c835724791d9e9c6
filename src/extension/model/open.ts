/** Opening models into the Model view: from disk, from an https URL (downloaded to the extension's storage), the bundled example. */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EngineService } from '../engine';
import { COMMON_TORCHVISION_ARCHS } from '../../core/recipe/modelRef';
import type { ModelSession, TorchModel } from './session';

/** PyTorch files: a torchvision state dict (.pth) or a TorchScript model (.pt). */
export const TORCH_FILE = /\.(pth|pt)$/i;

/**
 * Open a model into the Model view. A .pth / .pt file asks what it is (a torchvision
 * architecture's weights, or a whole TorchScript model) unless `torch` says so already.
 */
export async function openModelFile(session: ModelSession, engine: EngineService, file: string, url?: string, torch?: TorchModel): Promise<boolean> {
  if (!torch && TORCH_FILE.test(file)) {
    torch = await askTorchModel(file);
    if (!torch) return false;
  }
  const summary = await vscode.window.withProgress({ location: { viewId: 'transferStudio.model' }, title: 'Opening model…' }, () => (torch ? engine.inspect(torch.model, false, torch.weights) : engine.inspect(file)));
  session.setModel({ file, url, summary, ...(torch ? { torch } : {}) });
  return true;
}

/** Which model a .pth / .pt holds; the architecture whose name starts the file name is offered first. */
async function askTorchModel(file: string): Promise<TorchModel | undefined> {
  const base = path.basename(file).toLowerCase();
  const archs = [...COMMON_TORCHVISION_ARCHS].sort((a, b) => Number(base.startsWith(b)) - Number(base.startsWith(a)) || b.length - a.length);
  const matching = archs.filter((a) => base.startsWith(a));
  const items: (vscode.QuickPickItem & { id: string })[] = [
    ...(matching.length ? [matching[0]!] : []).map((a) => ({ label: a, description: 'torchvision architecture (from the file name)', id: a })),
    { label: '$(file-binary) TorchScript', description: 'the file holds the whole model (torch.jit.save)', id: ':torchscript' },
    ...archs.filter((a) => a !== matching[0]).map((a) => ({ label: a, description: 'torchvision architecture', id: a })),
    { label: '$(edit) Another torchvision architecture…', id: ':other' },
  ];
  const pick = await vscode.window.showQuickPick(items, { placeHolder: `What does ${path.basename(file)} hold? (weights load into the architecture you pick; nothing is downloaded)` });
  if (!pick) return undefined;
  if (pick.id === ':torchscript') return { model: `torchscript:${file}` };
  let arch = pick.id;
  if (arch === ':other') {
    const typed = await vscode.window.showInputBox({ prompt: 'torchvision architecture name (torchvision.models.<name>)', placeHolder: 'e.g. resnet152, vit_b_16, swin_t', validateInput: (v) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.trim()) ? undefined : 'a Python identifier, e.g. resnet152') });
    if (!typed) return undefined;
    arch = typed.trim();
  }
  return { model: `torchvision:${arch}`, weights: file };
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
