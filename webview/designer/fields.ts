/**
 * Form controls bound to the recipe. The recipe file is the source of truth: a control never keeps
 * state of its own beyond what the user is typing. It posts an intent when the user changes it
 * (text debounced by 300 ms, or at once on Enter / leaving the field) and takes its value from
 * every `state` — except while the user is typing in it, so focus and caret never jump.
 * Problems of the recipe (JSON pointers) are shown next to the control they concern.
 */
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import type { RecipeProblem } from '../../src/core/recipe/validate';
import type { DesignerMessage, DesignerState } from '../../src/core/protocol/designer';
import { h } from '../shared/vscodeApi';

export type JsonPath = (string | number)[];

export const DEBOUNCE_MS = 300;

export function getAt(obj: unknown, path: JsonPath): unknown {
  let v = obj;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

/** The JSON pointer of a path, as recipe problems spell it (`/head/1/units`). */
export function pointer(path: JsonPath): string {
  return path.length === 0 ? '' : '/' + path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

let ids = 0;
export function uid(prefix: string): string {
  return `${prefix}-${++ids}`;
}

/** Where problems go: each control registers the pointer it edits; a problem goes to the deepest registered prefix. */
export class ProblemSlots {
  private readonly slots = new Map<string, { el: HTMLElement; controls: HTMLElement[] }>();
  private shown = new Set<string>();

  register(ptr: string, el: HTMLElement, ...controls: HTMLElement[]): () => void {
    el.classList.add('problem-slot');
    el.setAttribute('aria-live', 'polite');
    el.hidden = true;
    this.slots.set(ptr, { el, controls });
    return () => { if (this.slots.get(ptr)?.el === el) this.slots.delete(ptr); };
  }

  /** The registered pointer a problem belongs to ('' when none: the page-level list). */
  slotFor(path: string): string | undefined {
    for (let p = path; ; p = p.slice(0, p.lastIndexOf('/'))) {
      if (this.slots.has(p)) return p;
      if (p === '') return undefined;
    }
  }

  /** Show each problem at its slot; returns the problems no slot took. */
  render(problems: RecipeProblem[]): RecipeProblem[] {
    const by = new Map<string, RecipeProblem[]>();
    const rest: RecipeProblem[] = [];
    for (const p of problems) {
      const slot = this.slotFor(p.path);
      if (slot === undefined) rest.push(p);
      else by.set(slot, [...(by.get(slot) ?? []), p]);
    }
    const next = new Set(by.keys());
    for (const ptr of new Set([...this.shown, ...next])) {
      const slot = this.slots.get(ptr);
      if (!slot) continue;
      const list = by.get(ptr) ?? [];
      slot.el.replaceChildren(...list.map((p) => problemLine(p.message, p.path !== ptr ? p.path : undefined)));
      slot.el.hidden = list.length === 0;
      for (const c of slot.controls) setInvalid(c, list.length > 0, slot.el.id);
    }
    this.shown = next;
    return rest;
  }
}

export function problemLine(message: string, where?: string): HTMLElement {
  return h('div', { class: 'problem' }, h('span', { class: 'codicon codicon-error', 'aria-hidden': 'true' }), h('span', {}, where ? `${where}: ${message}` : message));
}

function setInvalid(control: HTMLElement, invalid: boolean, describedBy: string): void {
  if ('invalid' in control) (control as unknown as { invalid: boolean }).invalid = invalid;
  if (invalid) {
    control.setAttribute('aria-invalid', 'true');
    if (describedBy) control.setAttribute('aria-describedby', describedBy);
  } else {
    control.removeAttribute('aria-invalid');
    control.removeAttribute('aria-describedby');
  }
}

export type Parse = 'string' | 'number' | 'integer';

export interface TextControlOptions {
  label: string;
  parse: Parse;
  placeholder?: string | ((s: DesignerState) => string);
  /** Read the value from a state. */
  read(s: DesignerState): unknown;
  /** Send the new value (undefined: the field was cleared). */
  write(value: unknown): void;
  /** A local check before sending (e.g. the head must stay valid); a message blocks the send. */
  validate?(value: unknown): string | undefined;
  format?(value: unknown): string;
  width?: 'xs' | 's' | 'm' | 'l';
  disabled?(s: DesignerState): boolean;
}

/**
 * A text field (vscode-textfield) with the typing rules: debounced send, no reset while focused
 * or while a send is pending, a local message when the text does not parse.
 */
export class TextControl {
  readonly el: VscodeTextfield;
  /** Where local messages (not a number…) appear; the form places it. */
  readonly local: HTMLElement;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pending: string | undefined;
  private state: DesignerState | undefined;

  constructor(private readonly o: TextControlOptions) {
    this.el = document.createElement('vscode-textfield');
    this.el.id = uid('f');
    this.el.label = o.label;
    this.el.classList.add(`w-${o.width ?? 'm'}`);
    if (o.parse !== 'string') this.el.setAttribute('inputmode', o.parse === 'integer' ? 'numeric' : 'decimal');
    this.local = h('div', { class: 'local-problem', id: uid('lp'), hidden: true, 'aria-live': 'polite' });
    this.el.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.commit(), DEBOUNCE_MS);
    });
    this.el.addEventListener('change', () => this.commit());
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.state) { clearTimeout(this.timer); this.timer = undefined; this.show(this.state, true); }
    });
    this.el.addEventListener('focusout', () => {
      // leaving the field: send what is typed, then show the recipe's value again
      if (this.timer) this.commit();
      if (this.state && this.pending === undefined) this.show(this.state, false);
    });
  }

  private focused(): boolean {
    return document.activeElement === this.el || this.el.matches(':focus-within');
  }

  private format(v: unknown): string {
    if (v === undefined || v === null) return '';
    return this.o.format ? this.o.format(v) : String(v);
  }

  private parse(text: string): { value?: unknown; error?: string } {
    const t = text.trim();
    if (t === '') return { value: undefined };
    if (this.o.parse === 'string') return { value: text };
    const n = Number(t);
    if (!Number.isFinite(n)) return { error: 'expected a number' };
    return { value: n };
  }

  commit(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const { value, error } = this.parse(this.el.value);
    const message = error ?? this.o.validate?.(value);
    this.setLocal(message);
    if (message) return;
    const json = JSON.stringify(value ?? null);
    if (json === this.pending) return;
    if (this.state && JSON.stringify(this.o.read(this.state) ?? null) === json) return;
    this.pending = json;
    this.o.write(value);
  }

  private setLocal(message: string | undefined): void {
    this.local.replaceChildren(...(message ? [problemLine(message)] : []));
    this.local.hidden = !message;
    if (message) setInvalid(this.el, true, this.local.id);
    else if (this.el.getAttribute('aria-describedby') === this.local.id) setInvalid(this.el, false, '');
  }

  update(s: DesignerState): void {
    this.state = s;
    const v = this.o.read(s);
    if (this.pending !== undefined && JSON.stringify(v ?? null) === this.pending) this.pending = undefined;
    const ph = typeof this.o.placeholder === 'function' ? this.o.placeholder(s) : this.o.placeholder;
    if (ph !== undefined && this.el.placeholder !== ph) this.el.placeholder = ph;
    const disabled = this.o.disabled?.(s) ?? false;
    if (this.el.disabled !== disabled) this.el.disabled = disabled;
    this.show(s, false);
  }

  private show(s: DesignerState, force: boolean): void {
    if (!force && (this.focused() || this.timer !== undefined)) return;
    const text = this.format(this.o.read(s));
    if (this.el.value !== text) this.el.value = text;
    if (force) this.setLocal(undefined);
  }
}

export interface Choice {
  value: string;
  label: string;
  description?: string;
}

export interface SelectControlOptions {
  label: string;
  choices: Choice[] | ((s: DesignerState) => Choice[]);
  read(s: DesignerState): string;
  write(value: string): void;
  width?: 'xs' | 's' | 'm' | 'l';
  disabled?(s: DesignerState): boolean;
}

/** vscode-single-select shows no option for the value '': the default option gets this one. */
const DEFAULT_OPTION = '(default)';
const toOption = (v: string): string => (v === '' ? DEFAULT_OPTION : v);
const fromOption = (v: string): string => (v === DEFAULT_OPTION ? '' : v);

/** A drop-down (vscode-single-select); '' is "the default" by convention. */
export class SelectControl {
  readonly el: VscodeSingleSelect;
  private choicesKey = '';
  private value = '';

  constructor(private readonly o: SelectControlOptions) {
    this.el = document.createElement('vscode-single-select');
    this.el.id = uid('s');
    this.el.label = o.label;
    this.el.setAttribute('aria-label', o.label);
    this.el.classList.add(`w-${o.width ?? 'm'}`);
    this.el.addEventListener('change', () => {
      const v = fromOption(this.el.value);
      if (v === this.value) return;
      this.value = v;
      o.write(v);
    });
    if (Array.isArray(o.choices)) this.setChoices(o.choices, '');
  }

  private setChoices(choices: Choice[], value: string): void {
    const key = JSON.stringify(choices);
    if (key === this.choicesKey) return;
    this.choicesKey = key;
    this.el.options = choices.map((c) => ({ value: toOption(c.value), label: c.label, description: c.description ?? '', selected: c.value === value, disabled: false }));
  }

  update(s: DesignerState): void {
    const v = this.o.read(s);
    if (typeof this.o.choices === 'function') this.setChoices(this.o.choices(s), v);
    this.value = v;
    if (this.el.value !== toOption(v)) this.el.value = toOption(v);
    const disabled = this.o.disabled?.(s) ?? false;
    if (this.el.disabled !== disabled) this.el.disabled = disabled;
  }
}

export interface CheckControlOptions {
  label: string;
  read(s: DesignerState): boolean;
  write(checked: boolean): void;
  disabled?(s: DesignerState): boolean;
}

export class CheckControl {
  readonly el: VscodeCheckbox;

  constructor(private readonly o: CheckControlOptions) {
    this.el = document.createElement('vscode-checkbox');
    this.el.id = uid('c');
    this.el.label = o.label;
    this.el.addEventListener('change', () => o.write(this.el.checked));
  }

  update(s: DesignerState): void {
    const v = this.o.read(s);
    if (this.el.checked !== v) this.el.checked = v;
    const disabled = this.o.disabled?.(s) ?? false;
    if (this.el.disabled !== disabled) this.el.disabled = disabled;
  }
}

type Control = TextControl | SelectControl | CheckControl;

export interface SettingOptions {
  label: string;
  description?: string | ((s: DesignerState) => string);
  /** The recipe pointer whose problems show here. */
  path?: JsonPath;
  /** Extra elements after the control (a Browse… button). */
  extra?: HTMLElement[];
  wide?: boolean;
  hidden?(s: DesignerState): boolean;
}

/**
 * The form: builds settings (label, description, control, problems) the way VS Code's settings
 * editor lays them out, and passes every state to every control.
 */
export class Form {
  readonly problems = new ProblemSlots();
  private readonly updaters: ((s: DesignerState) => void)[] = [];
  state: DesignerState | undefined;

  constructor(readonly post: (m: DesignerMessage) => void) {}

  onState(fn: (s: DesignerState) => void): void {
    this.updaters.push(fn);
    if (this.state) fn(this.state);
  }

  update(s: DesignerState): RecipeProblem[] {
    this.state = s;
    for (const fn of this.updaters) fn(s);
    return this.problems.render(s.problems);
  }

  /** Post `set` for a recipe path (undefined removes the field: its default applies). */
  set(path: JsonPath, value: unknown): void {
    this.post({ type: 'set', path, value });
  }

  setting(control: Control, o: SettingOptions): HTMLElement {
    const desc = h('div', { class: 'setting-desc', id: uid('d') });
    const slot = h('div', { class: 'setting-problem', id: uid('p') });
    const label = h('label', { class: 'setting-label', for: control.el.id }, o.label);
    const row = h('div', { class: 'setting-control' }, control.el, ...(o.extra ?? []));
    const el = h('div', { class: `setting${o.wide ? ' wide' : ''}`, dataset: o.path ? { path: pointer(o.path) } : {} }, label, desc, row, slot);
    if (control instanceof TextControl) el.append(control.local);
    if (control instanceof CheckControl) {
      // a checkbox carries its own label: the setting title stays as a heading for it
      label.removeAttribute('for');
      label.id = uid('l');
      control.el.setAttribute('aria-describedby', desc.id);
    } else control.el.setAttribute('aria-describedby', desc.id);
    if (o.path) this.problems.register(pointer(o.path), slot, control.el);
    this.onState((s) => {
      control.update(s);
      const d = typeof o.description === 'function' ? o.description(s) : o.description ?? '';
      if (desc.textContent !== d) desc.textContent = d;
      desc.hidden = !d;
      if (o.hidden) el.hidden = o.hidden(s);
    });
    return el;
  }

  /** A text/number setting bound to a recipe path. */
  text(path: JsonPath, o: Omit<TextControlOptions, 'read' | 'write'> & Omit<SettingOptions, 'path' | 'label'> & { write?(v: unknown): void }): HTMLElement {
    const c = new TextControl({ ...o, read: (s) => getAt(s.recipe, path), write: o.write ?? ((v) => this.set(path, v)) });
    return this.setting(c, { ...o, path });
  }

  /** A drop-down bound to a recipe path; choosing '' removes the field. */
  select(path: JsonPath, o: Omit<SelectControlOptions, 'read' | 'write'> & Omit<SettingOptions, 'path' | 'label'> & { read?(s: DesignerState): string; write?(v: string): void }): HTMLElement {
    const c = new SelectControl({
      ...o,
      read: o.read ?? ((s) => { const v = getAt(s.recipe, path); return v === undefined ? '' : String(v); }),
      write: o.write ?? ((v) => this.set(path, v === '' ? undefined : v)),
    });
    return this.setting(c, { ...o, path });
  }

  /** A checkbox bound to a recipe path: checked writes `on`, unchecked removes the field (or writes `off`). */
  check(path: JsonPath, o: Omit<CheckControlOptions, 'read' | 'write'> & Omit<SettingOptions, 'path'> & { title?: string; read?(s: DesignerState): boolean; write?(v: boolean): void; on?: unknown; off?: unknown }): HTMLElement {
    const on = 'on' in o ? o.on : true;
    const c = new CheckControl({
      ...o,
      read: o.read ?? ((s) => getAt(s.recipe, path) !== undefined && getAt(s.recipe, path) !== false),
      write: o.write ?? ((v) => this.set(path, v ? on : o.off)),
    });
    return this.setting(c, { ...o, label: o.title ?? '', path });
  }
}
