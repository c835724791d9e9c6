/**
 * The Python the PyTorch engine runs in, as the user chose it in VS Code: the
 * `transferStudio.python` setting when set; else the Python extension's active environment (its
 * public API) or its `python.defaultInterpreterPath`; else nothing, and the engine looks for an
 * interpreter with torch on its own (python3, python, /usr/bin/python3).
 */
import * as vscode from 'vscode';

interface PythonExtensionApi {
  environments?: { getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined };
}

export async function chosenPython(resource?: vscode.Uri): Promise<string | undefined> {
  const own = vscode.workspace.getConfiguration('transferStudio', resource).get<string>('python', '').trim();
  if (own) return own;
  const ext = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (ext) {
    try {
      const api = ext.isActive ? ext.exports : await ext.activate();
      const p = api?.environments?.getActiveEnvironmentPath(resource)?.path;
      if (p && p !== 'python') return p;
    } catch {
      // an older or failing Python extension: fall back to its setting
    }
  }
  const fromSetting = vscode.workspace.getConfiguration('python', resource).get<string>('defaultInterpreterPath', '').trim();
  return fromSetting && fromSetting !== 'python' ? fromSetting : undefined;
}

/** The engine preference of the settings (a recipe's `engine.name` wins over it). */
export function enginePreference(resource?: vscode.Uri): 'auto' | 'tfjs' | 'pytorch' {
  const v = vscode.workspace.getConfiguration('transferStudio', resource).get<string>('engine', 'auto');
  return v === 'tfjs' || v === 'pytorch' ? v : 'auto';
}
