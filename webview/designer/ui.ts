/** Small building blocks of the designer page: sections, buttons, messages. */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import { h } from '../shared/vscodeApi';

export interface Section {
  el: HTMLElement;
  body: HTMLElement;
  actions: HTMLElement;
  /** Problems of the recipe that concern the whole section. */
  problems: HTMLElement;
}

export function section(id: string, title: string, description: string): Section {
  const actions = h('div', { class: 'section-actions' });
  const problems = h('div', { class: 'section-problems', id: `${id}-problems` });
  const body = h('div', { class: 'section-body' });
  const el = h(
    'section',
    { class: 'section', id, 'aria-labelledby': `${id}-title` },
    h('header', { class: 'section-header' }, h('h2', { id: `${id}-title` }, title), actions),
    h('p', { class: 'section-desc' }, description),
    problems,
    body,
  );
  return { el, body, actions, problems };
}

export function button(label: string, o: { icon?: string; secondary?: boolean; title?: string; id?: string; onClick(): void }): VscodeButton {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  if (o.icon) b.icon = o.icon;
  b.secondary = !!o.secondary;
  if (o.title) b.title = o.title;
  if (o.id) b.id = o.id;
  b.addEventListener('click', () => { if (!b.disabled) o.onClick(); });
  return b;
}

export function iconButton(icon: string, label: string, onClick: () => void): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'icon-button', title: label, 'aria-label': label }, h('span', { class: `codicon codicon-${icon}`, 'aria-hidden': 'true' })) as HTMLButtonElement;
  b.addEventListener('click', onClick);
  return b;
}

export function message(kind: 'error' | 'warning' | 'info', text: string | Node, icon?: string): HTMLElement {
  return h('div', { class: `message ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, h('span', { class: `codicon codicon-${icon ?? kind}`, 'aria-hidden': 'true' }), h('div', {}, text));
}

/** Replace an element's children only when the new content differs (keeps focus and selection). */
export function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function compact(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 1 : 2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(n >= 1e5 ? 0 : 1)}k`;
  return n.toLocaleString('en-US');
}
