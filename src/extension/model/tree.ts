/**
 * The Model view: the layer tree. Nested models expand; each layer shows its class, output shape
 * and parameters; its checkbox is "trainable". Checkbox changes become recipe edits (the recipe
 * file stays the source of truth) and come back through the session.
 */
import * as vscode from 'vscode';
import { formatCount, formatShape, type LayerSummary } from '../../core/modelSummary';
import type { ModelSession } from './session';

export class LayerItem extends vscode.TreeItem {
  constructor(readonly layer: LayerSummary, readonly parentName: string | undefined, state: { inBase: boolean; frozen: boolean; isCut: boolean; hasRecipe: boolean }) {
    super(layer.name, layer.layers ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    const params = layer.trainableParams + layer.nonTrainableParams;
    this.id = `layer:${layer.name}`;
    this.description = `${layer.className} ${formatShape(layer.outputShape)}${params ? ` · ${formatCount(params)}` : ''}${state.isCut ? ' · ✂ cut' : ''}${state.inBase ? '' : ' · removed by the cut'}`;
    this.iconPath = new vscode.ThemeIcon(iconFor(layer), state.inBase && !state.frozen ? undefined : new vscode.ThemeColor('disabledForeground'));
    this.contextValue = layer.layers ? 'layer-nested' : 'layer';
    this.tooltip = tooltip(layer, state);
    if (state.inBase && (params > 0 || layer.layers)) {
      this.checkboxState = {
        state: state.frozen ? vscode.TreeItemCheckboxState.Unchecked : vscode.TreeItemCheckboxState.Checked,
        tooltip: state.frozen ? 'Frozen: check to train this layer' : 'Trainable: uncheck to freeze this layer',
        accessibilityInformation: { label: `${layer.name} ${state.frozen ? 'frozen' : 'trainable'}` },
      };
    }
    this.accessibilityInformation = { label: `${layer.name}, ${layer.className}, output ${formatShape(layer.outputShape)}, ${params} parameters, ${!state.inBase ? 'removed by the cut' : state.frozen ? 'frozen' : 'trainable'}${state.isCut ? ', cut layer' : ''}` };
  }
}

function tooltip(l: LayerSummary, s: { inBase: boolean; frozen: boolean; isCut: boolean }): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${l.name}** — ${l.className}\n\n`);
  md.appendMarkdown(`output \`${formatShape(l.outputShape)}\`  \n`);
  md.appendMarkdown(`params: ${formatCount(l.trainableParams)} trainable, ${formatCount(l.nonTrainableParams)} non-trainable  \n`);
  if (l.inbound.length) md.appendMarkdown(`inputs: ${l.inbound.map((n) => `\`${n}\``).join(', ')}  \n`);
  md.appendMarkdown(`\n${!s.inBase ? '$(scissors) above the cut: replaced by the new head' : s.frozen ? '$(lock) frozen' : '$(unlock) trainable'}${s.isCut ? ' · $(scissors) its output feeds the new head' : ''}`);
  return md;
}

/** An icon per layer family. */
export function iconFor(l: LayerSummary): string {
  if (l.layers) return 'layers';
  const c = l.className;
  if (/Conv/.test(c)) return 'symbol-array';
  if (c === 'Dense') return 'symbol-field';
  if (/Normalization/.test(c)) return 'pulse';
  if (/Pool/.test(c)) return 'fold-down';
  if (/Dropout|Noise/.test(c)) return 'filter';
  if (/Activation|ReLU|Softmax|PReLU|ELU/.test(c)) return 'zap';
  if (/Add|Concatenate|Multiply|Average|Maximum|Subtract|Dot/.test(c)) return 'git-merge';
  if (/Reshape|Flatten|Padding|Cropping|Permute|RepeatVector/.test(c)) return 'symbol-ruler';
  if (c === 'InputLayer') return 'arrow-right';
  return 'symbol-constructor';
}

export class ModelTreeProvider implements vscode.TreeDataProvider<LayerItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<LayerItem | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly parents = new Map<string, string | undefined>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly session: ModelSession) {
    this.subscription = session.onDidChange(() => this.changed.fire(undefined));
  }

  getTreeItem(item: LayerItem): LayerItem {
    return item;
  }

  private item(layer: LayerSummary, parent: string | undefined): LayerItem {
    const c = this.session.computed;
    this.parents.set(layer.name, parent);
    const leaves: string[] = [];
    const collect = (l: LayerSummary): void => { if (l.layers) l.layers.forEach(collect); else if (l.className !== 'InputLayer') leaves.push(l.name); };
    collect(layer);
    const inBase = !!c && leaves.some((n) => c.baseLeafNames.has(n));
    const frozen = !!c && leaves.filter((n) => c.baseLeafNames.has(n)).every((n) => c.frozen.has(n));
    return new LayerItem(layer, parent, { inBase, frozen, isCut: c?.cut === layer.name, hasRecipe: !!this.session.recipe });
  }

  getChildren(item?: LayerItem): LayerItem[] {
    const model = this.session.model;
    if (!model) return [];
    const layers = item ? item.layer.layers ?? [] : model.summary.layers;
    return layers.map((l) => this.item(l, item?.layer.name));
  }

  getParent(item: LayerItem): LayerItem | undefined {
    const parentName = this.parents.get(item.layer.name);
    if (!parentName || !this.session.model) return undefined;
    let found: LayerSummary | undefined;
    const walk = (ls: LayerSummary[]): void => ls.forEach((l) => { if (l.name === parentName) found = l; if (l.layers) walk(l.layers); });
    walk(this.session.model.summary.layers);
    return found ? this.item(found, this.parents.get(parentName)) : undefined;
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
