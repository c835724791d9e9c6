/**
 * The adaptation designer: a custom editor on NAME.adapt.json. The recipe document is the source
 * of truth — every change from the webview is a WorkspaceEdit (dirty state and undo work), and
 * every change to the document (from here, the tree, or typing in a text editor) re-renders.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { toggleLayer, type FreezeContext } from '../../core/freeze';
import { walkLayers } from '../../core/modelSummary';
import type { FreezeRules } from '../../core/recipe/schema';
import { parseRecipeText } from '../../core/recipe/validate';
import type { EngineService } from '../engine';
import type { Log } from '../log';
import { compute } from '../../core/adaptation';
import { cutChanges } from '../../core/recipe/cutEdits';
import { setHeadsChanges, singleHeadChanges } from '../../core/recipe/headsEdits';
import { isCsv } from '../../core/data/labels';
import { readCsvHeader, type CsvHeader } from '../../core/data/csvHeader';
import { recipeModelPath, recipeTorchModel, type TorchModel } from '../model/session';
import type { ModelSummary } from '../../core/modelSummary';
import { editRecipe } from '../recipe/edits';
import type { RunManager } from '../runs/manager';
import { handshakeOk, webviewHtml, webviewOptions } from '../webviewHtml';
import { DESIGNER_PROTOCOL_VERSION, parseDesignerMessage, type DesignerHostMessage, type DesignerMessage, type DesignerState } from '../../core/protocol/designer';
import { showError } from '../notify';

export const DESIGNER_VIEW_TYPE = 'transferStudio.designer';

/** Top-level recipe fields the webview may set. */
const SETTABLE = new Set(['name', 'model', 'cut', 'freeze', 'head', 'heads', 'task', 'data', 'training', 'output']);

interface Session {
  doc: vscode.TextDocument;
  panel: vscode.WebviewPanel;
  state: DesignerState;
  posted: DesignerHostMessage[];
  received: DesignerMessage[];
  /** What a message from the webview goes through (validated first); integration tests send through it too. */
  receive(raw: unknown): Promise<void>;
}

export class DesignerProvider implements vscode.CustomTextEditorProvider, vscode.Disposable {
  readonly sessions = new Set<Session>();
  private readonly summaries = new Map<string, Promise<ModelSummary>>();
  /** CSV headers by file, with the size and time they were read at. */
  private readonly headers = new Map<string, { stamp: string; header: CsvHeader }>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires after a designer has re-rendered a recipe (tests wait on it). */
  readonly onDidRender = this.changed.event;

  constructor(private readonly deps: { extensionUri: vscode.Uri; engine: EngineService; runs: RunManager; log: Log; recordMessages?: boolean; showInTree(uri: vscode.Uri): Promise<void> }) {}

  static register(provider: DesignerProvider): vscode.Disposable {
    return vscode.window.registerCustomEditorProvider(DESIGNER_VIEW_TYPE, provider, { webviewOptions: { retainContextWhenHidden: true }, supportsMultipleEditorsPerDocument: false });
  }

  async resolveCustomTextEditor(doc: vscode.TextDocument, panel: vscode.WebviewPanel): Promise<void> {
    panel.webview.options = webviewOptions(this.deps.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, this.deps.extensionUri, 'designer', `Designer: ${path.basename(doc.uri.fsPath)}`);
    const session: Session = { doc, panel, posted: [], received: [], receive: async () => undefined, state: { problems: [], model: { status: 'none' }, dataset: { status: 'none' }, trusted: vscode.workspace.isTrusted, training: this.deps.runs.active.length > 0 } };
    this.sessions.add(session);
    let ready = false;
    let datasetKey = '';
    const render = async (): Promise<void> => {
      session.state = await this.buildState(session.doc, session.state);
      if (ready) this.post(session, { type: 'state', state: session.state });
      this.changed.fire(doc.uri);
      const key = JSON.stringify(session.state.recipe?.data ?? null) + (session.state.recipe?.model ?? '') + (session.state.recipe?.task ?? '') + JSON.stringify(session.state.recipe?.heads ?? null);
      if (key !== datasetKey && session.state.recipe?.data?.train) {
        datasetKey = key;
        void this.loadDataset(session).then(() => { if (ready) this.post(session, { type: 'state', state: session.state }); });
      }
    };
    const subs = [
      vscode.workspace.onDidChangeTextDocument((e) => { if (e.document.uri.toString() === doc.uri.toString()) void render(); }),
      panel.webview.onDidReceiveMessage((raw: unknown) => session.receive(raw)),
      this.deps.runs.onDidChange(() => {
        const training = this.deps.runs.active.length > 0;
        if (training !== session.state.training) { session.state = { ...session.state, training }; if (ready) this.post(session, { type: 'state', state: session.state }); }
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void render()),
    ];
    session.receive = async (raw: unknown): Promise<void> => {
      const m = parseDesignerMessage(raw);
      if (!m) {
        this.deps.log.warn(`designer: ignored an invalid message ${JSON.stringify(raw)?.slice(0, 200)}`);
        return;
      }
      if (this.deps.recordMessages) session.received.push(m);
      if (m.type === 'ready') {
        if (!handshakeOk('designer', m.protocol, DESIGNER_PROTOCOL_VERSION, (w) => this.deps.log.warn(w))) return;
        ready = true;
        await render();
        return;
      }
      try {
        await this.onMessage(session, m);
        if (m.type === 'refreshDataset') { datasetKey = ''; await render(); }
      } catch (e) {
        void showError(errorMessage(e));
      }
    };
    panel.onDidDispose(() => { subs.forEach((s) => s.dispose()); this.sessions.delete(session); });
    await render();
  }

  private post(session: Session, m: DesignerHostMessage): void {
    if (this.deps.recordMessages) session.posted.push(m);
    void session.panel.webview.postMessage(m);
  }

  private summary(model: string, torch?: TorchModel): Promise<ModelSummary> {
    let p = this.summaries.get(model);
    if (!p) {
      p = torch ? this.deps.engine.inspect(torch.model, false, torch.weights) : this.deps.engine.inspect(model);
      this.summaries.set(model, p);
      p.catch(() => this.summaries.delete(model));
    }
    return p;
  }

  /** Drop a cached summary (the model file changed on disk). */
  forget(model: string): void {
    this.summaries.delete(model);
  }

  private async buildState(doc: vscode.TextDocument, previous: DesignerState): Promise<DesignerState> {
    const parsed = parseRecipeText(doc.getText());
    let recipe: DesignerState['recipe'];
    if (parsed.ok) recipe = parsed.recipe;
    else {
      try { recipe = JSON.parse(doc.getText()) as DesignerState['recipe']; } catch { recipe = previous.recipe; }
    }
    const state: DesignerState = { ...previous, recipe, problems: parsed.problems, trusted: vscode.workspace.isTrusted, training: this.deps.runs.active.length > 0, csv: await this.csvHeader(doc.uri, recipe) };
    const modelPath = recipeModelPath(doc.uri, recipe as never);
    if (!modelPath) {
      state.model = { status: 'none' };
      state.computed = undefined;
      return state;
    }
    try {
      const summary = await this.summary(modelPath, recipeTorchModel(doc.uri, recipe as never));
      state.model = { status: 'ok', summary };
      const c = compute(summary, recipe as never, doc.uri.fsPath, state.dataset.report?.labels.length);
      const classes = new Set<string>();
      walkLayers(c.base, (l) => { if (!l.layers) classes.add(l.className); });
      state.computed = { cut: c.cut, cutIsDefault: c.cutIsDefault, cutReason: c.cutReason, baseLayers: [...c.baseLeafNames], frozen: [...c.frozen], classes: [...classes].sort(), error: c.error };
    } catch (e) {
      state.model = { status: 'error', error: errorMessage(e) };
      state.computed = undefined;
    }
    return state;
  }

  /**
   * The header row of a CSV `data.train` (its first line: the columns heads can learn), read again
   * when the file's size or time changes. Reading it is inspection, like the dataset report: it
   * needs no trust.
   */
  private async csvHeader(recipeUri: vscode.Uri, recipe: DesignerState['recipe']): Promise<DesignerState['csv']> {
    const train = recipe?.data?.train;
    if (typeof train !== 'string' || !isCsv(train) || /^https?:\/\//i.test(train)) return undefined;
    const file = path.resolve(path.dirname(recipeUri.fsPath), train);
    let stamp: string;
    try {
      const st = await fs.promises.stat(file);
      stamp = `${st.size}:${st.mtimeMs}`;
    } catch {
      this.headers.delete(file);
      return { columns: [], error: 'the training CSV was not found' };
    }
    const known = this.headers.get(file);
    if (known?.stamp === stamp) return known.header;
    const header = await readCsvHeader(file);
    this.headers.set(file, { stamp, header });
    return header;
  }

  private async loadDataset(session: Session): Promise<void> {
    session.state = { ...session.state, dataset: { ...session.state.dataset, status: 'loading' } };
    try {
      const report = await this.deps.engine.datasetReport(session.doc.uri.fsPath, session.doc.getText());
      const files = Object.values(report.examples).flatMap((l) => l.slice(0, 4));
      const thumbs = files.length ? await this.deps.engine.thumbnails(files, 72) : {};
      const byLabel: Record<string, string[]> = {};
      for (const [label, list] of Object.entries(report.examples)) byLabel[label] = list.slice(0, 4).map((f) => thumbs[f]).filter((t): t is string => !!t);
      session.state = { ...session.state, dataset: { status: 'ok', report, thumbnails: byLabel } };
      // the head's output size comes from the labels: recompute the totals
      session.state = await this.buildState(session.doc, session.state);
    } catch (e) {
      session.state = { ...session.state, dataset: { status: 'error', error: errorMessage(e) } };
    }
  }

  private freezeContext(session: Session): { base: ReturnType<typeof compute>['base']; ctx: FreezeContext; rules: FreezeRules | undefined } {
    const summary = session.state.model.summary;
    if (!summary) throw new Error('The model is not loaded yet.');
    const c = compute(summary, session.state.recipe as never, session.doc.uri.fsPath);
    const sourceNames = new Set<string>();
    walkLayers(summary.layers, (l) => sourceNames.add(l.name));
    return { base: c.base, ctx: { cut: c.cut, sourceNames, file: session.doc.uri.fsPath }, rules: session.state.recipe?.freeze };
  }

  private async onMessage(session: Session, m: DesignerMessage): Promise<void> {
    const uri = session.doc.uri;
    switch (m.type) {
      case 'set': {
        const top = String(m.path[0]);
        if (!SETTABLE.has(top)) throw new Error(`The designer cannot set "${top}".`);
        await editRecipe(uri, [{ path: m.path, value: m.value }]);
        break;
      }
      case 'toggleLayer': {
        const { base, ctx, rules } = this.freezeContext(session);
        await editRecipe(uri, [{ path: ['freeze'], value: toggleLayer(rules, base, m.layer, m.trainable, ctx) }]);
        break;
      }
      case 'freeze': {
        let rules: FreezeRules;
        switch (m.action) {
          case 'all': rules = { all: true }; break;
          case 'none': rules = { all: false }; break;
          case 'upTo': if (!m.layer) return; rules = { upTo: m.layer }; break;
          case 'allButLast': rules = { allButLast: m.count ?? 0 }; break;
          case 'classes': rules = { all: false, classes: m.classes ?? [] }; break;
        }
        await editRecipe(uri, [{ path: ['freeze'], value: rules }]);
        break;
      }
      case 'setCut':
        await editRecipe(uri, [{ path: ['cut'], value: m.layer ?? undefined }]);
        break;
      case 'setHead':
        await editRecipe(uri, [{ path: ['head'], value: m.head }]);
        break;
      case 'setHeads':
        await editRecipe(uri, setHeadsChanges(session.state.recipe, m));
        break;
      case 'singleHead':
        await editRecipe(uri, singleHeadChanges(session.state.recipe, m));
        break;
      case 'pickData': {
        const picked = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: true, canSelectMany: false, openLabel: `Use as ${m.field} data`, defaultUri: vscode.Uri.file(path.dirname(uri.fsPath)), filters: { 'Image folders or CSV': ['csv', 'tsv'] } });
        if (!picked?.[0]) return;
        await editRecipe(uri, [{ path: ['data', m.field], value: relativePath(uri.fsPath, picked[0].fsPath) }]);
        break;
      }
      case 'pickDomainFolder': {
        const target = m.field === 'target';
        const picked = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: target ? 'Use as target-domain images' : 'Use as labelled target images', defaultUri: vscode.Uri.file(path.dirname(uri.fsPath)) });
        if (!picked?.[0]) return;
        const rel = relativePath(uri.fsPath, picked[0].fsPath);
        // a new `domain` needs its method too: AdaBN, which needs no training setting
        await editRecipe(uri, [session.state.recipe?.domain || !target ? { path: ['domain', m.field], value: rel } : { path: ['domain'], value: { target: rel, method: 'adabn' } }]);
        break;
      }
      case 'pickModel': {
        const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Use this model', filters: { Models: ['json', 'h5', 'hdf5', 'keras'] } });
        if (!picked?.[0]) return;
        await editRecipe(uri, [{ path: ['model'], value: relativePath(uri.fsPath, picked[0].fsPath) }, { path: ['cut'], value: undefined }, { path: ['freeze'], value: { all: true } }]);
        break;
      }
      case 'startTraining':
        await vscode.commands.executeCommand('transferStudio.startTraining', uri);
        break;
      case 'openAsText':
        await vscode.commands.executeCommand('vscode.openWith', uri, 'default', vscode.ViewColumn.Beside);
        break;
      case 'showInTree':
        await this.deps.showInTree(uri);
        break;
      case 'probe': {
        if (!vscode.workspace.isTrusted) throw new Error('Probing runs the model on your data: it needs a trusted workspace.');
        if (session.state.probe?.status === 'running') break;
        const update = (probe: DesignerState['probe']): void => { session.state = { ...session.state, probe }; this.post(session, { type: 'state', state: session.state }); };
        update({ status: 'running' });
        try {
          update({ status: 'ok', report: await this.deps.engine.request({ type: 'probe', recipe: uri.fsPath, text: session.doc.getText() }) });
        } catch (e) {
          update({ status: 'error', error: errorMessage(e) });
        }
        break;
      }
      case 'applyCut': {
        const row = session.state.probe?.report?.rows.find((r) => r.cut === m.cut);
        if (!row) throw new Error(`"${m.cut}" is not one of the probed cuts.`);
        await editRecipe(uri, cutChanges(session.state.recipe, row.cut, row.spatial));
        break;
      }
      case 'refreshDataset':
      case 'ready':
        break;
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function relativePath(recipeFile: string, target: string): string {
  const r = path.relative(path.dirname(recipeFile), target).split(path.sep).join('/');
  return r.startsWith('.') ? r : `./${r}`;
}

export function isRecipe(uri: vscode.Uri | undefined): uri is vscode.Uri {
  return !!uri && /\.adapt\.json$/i.test(uri.fsPath) && fs.existsSync(uri.fsPath);
}
