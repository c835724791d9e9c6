/**
 * Every change the UI makes to a recipe is a WorkspaceEdit on the recipe document: it shows as
 * dirty, undo works, and the text keeps the user's formatting and comments (jsonc-parser computes
 * minimal edits).
 */
import * as path from 'node:path';
import * as jsonc from 'jsonc-parser';
import * as vscode from 'vscode';
import type { ModelSummary } from '../../core/modelSummary';
import { draftRecipe } from '../../core/recipe/draft';
import { insertionIndex } from '../../core/recipe/headsEdits';
import type { TorchModel } from '../model/session';

export type JsonPath = (string | number)[];

const FORMAT: jsonc.FormattingOptions = { insertSpaces: true, tabSize: 2, eol: '\n' };

/** Set (value) or remove (undefined) fields of the recipe at `uri`, as one undoable edit. */
export async function editRecipe(uri: vscode.Uri, changes: { path: JsonPath; value: unknown }[]): Promise<boolean> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const original = doc.getText();
  let text = original.trim() === '' ? '{}' : original;
  for (const c of changes) {
    const edits = jsonc.modify(text, c.path, c.value, { formattingOptions: { ...FORMAT, eol: doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n' }, getInsertionIndex: insertionIndex(c.path) });
    text = jsonc.applyEdits(text, edits);
  }
  if (text === original) return true;
  const edit = new vscode.WorkspaceEdit();
  // one change → its minimal range; several → the changed span only
  let start = 0;
  while (start < original.length && start < text.length && original[start] === text[start]) start++;
  let endA = original.length;
  let endB = text.length;
  while (endA > start && endB > start && original[endA - 1] === text[endB - 1]) { endA--; endB--; }
  edit.replace(uri, new vscode.Range(doc.positionAt(start), doc.positionAt(endA)), text.slice(start, endB));
  return vscode.workspace.applyEdit(edit);
}

function relative(from: string, to: string): string {
  if (/^https?:\/\//i.test(to)) return to;
  const r = path.relative(from, to).split(path.sep).join('/');
  return r.startsWith('.') ? r : `./${r}`;
}

/** A new recipe for a model: core's draft (the default cut below the old classifier, the base frozen, a default head). */
export function newRecipeText(recipeFile: string, modelRef: string | TorchModel, summary: ModelSummary, dataDir?: string): string {
  const dir = path.dirname(recipeFile);
  const model = typeof modelRef === 'string' ? relative(dir, modelRef)
    : modelRef.model.startsWith('torchscript:') ? `torchscript:${relative(dir, modelRef.model.slice('torchscript:'.length))}` : modelRef.model;
  const weights = typeof modelRef === 'string' || !modelRef.weights ? undefined : relative(dir, modelRef.weights);
  const { recipe } = draftRecipe(summary, { model, weights, data: dataDir ? relative(dir, dataDir) : undefined });
  return JSON.stringify(recipe, null, 2) + '\n';
}

/** A free `NAME.adapt.json` path in `folder`. */
export async function freeRecipePath(folder: vscode.Uri, base: string): Promise<vscode.Uri> {
  const clean = base.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';
  for (let i = 1; ; i++) {
    const uri = vscode.Uri.joinPath(folder, `${clean}${i > 1 ? `-${i}` : ''}.adapt.json`);
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      return uri;
    }
  }
}
