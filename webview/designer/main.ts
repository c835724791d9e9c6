/**
 * The adaptation designer (custom editor on NAME.adapt.json). The page is built once; every
 * `state` from the extension updates it in place. Nothing is edited locally: controls post
 * intents, the extension edits the recipe, and the new recipe comes back as the next state.
 */
import './designer.css';
import '../shared/panel.css';
import '../shared/layerTable.css';
import type { RecipeProblem } from '../../src/core/recipe/validate';
import { DESIGNER_PROTOCOL_VERSION, type DesignerHostMessage, type DesignerMessage, type DesignerState } from '../../src/core/protocol/designer';
import { connect, h } from '../shared/vscodeApi';
import { dataSection } from './data';
import { domainSection } from './domain';
import { Form, problemLine } from './fields';
import { headSection } from './head';
import { layersSection } from './layers';
import { modelSection } from './model';
import { trainingSection } from './training';
import { button, message, setText } from './ui';

const host = connect<DesignerMessage, DesignerHostMessage>();
const form = new Form((m) => host.post(m));

const SECTIONS: { id: string; title: string; pointers: string[] }[] = [
  { id: 'model', title: 'Model', pointers: ['/model', '/name', '/output', '/version', '/$schema'] },
  { id: 'layers', title: 'Layers', pointers: ['/cut', '/freeze'] },
  { id: 'head', title: 'Head', pointers: ['/head', '/heads'] },
  { id: 'data', title: 'Task and data', pointers: ['/task', '/data'] },
  { id: 'training', title: 'Training', pointers: ['/training'] },
  { id: 'domain', title: 'Domain', pointers: ['/domain'] },
];

function sectionOf(path: string): string | undefined {
  return SECTIONS.find((s) => s.pointers.some((p) => path === p || path.startsWith(`${p}/`)))?.id;
}

/** Why Start Training is disabled, or undefined when it is not. */
export function trainingBlocked(s: DesignerState): string | undefined {
  if (!s.trusted) return 'Training needs a trusted workspace (Manage Workspace Trust).';
  if (s.training) return 'A training run is in progress.';
  if (!s.recipe) return 'The recipe is not valid JSON.';
  if (s.problems.length) return `Fix the ${s.problems.length === 1 ? 'problem' : `${s.problems.length} problems`} in the recipe first.`;
  if (s.model.status === 'loading') return 'The model is still loading.';
  if (s.model.status !== 'ok') return 'The model could not be loaded.';
  if (s.computed?.error) return 'The recipe does not fit the model (see Layers).';
  if (!s.recipe.data?.train) return 'Set the training data first.';
  return undefined;
}

// ---- header: name, summary, actions
const title = h('h1', { class: 'title', id: 'title' }, 'Adaptation recipe');
const subtitle = h('div', { class: 'subtitle', id: 'subtitle' });
const start = button('Start Training', { icon: 'play', id: 'start-training', onClick: () => host.post({ type: 'startTraining' }) });
const openText = button('Open as Text', { secondary: true, icon: 'go-to-file', id: 'open-as-text', title: 'Open the recipe in the JSON editor beside this one', onClick: () => host.post({ type: 'openAsText' }) });
const showTree = button('Show in Tree', { secondary: true, icon: 'list-tree', id: 'show-in-tree', title: 'Show the model and this recipe in the Transfer Studio view', onClick: () => host.post({ type: 'showInTree' }) });
const why = h('div', { class: 'blocked', id: 'start-blocked', role: 'status' });
start.setAttribute('aria-describedby', why.id);
const header = h('header', { class: 'page-header' },
  h('div', { class: 'page-title' }, h('span', { class: 'codicon codicon-beaker title-icon', 'aria-hidden': 'true' }), h('div', {}, title, subtitle)),
  h('div', { class: 'page-actions' }, h('div', { class: 'action-buttons' }, start, openText, showTree), why),
);

// ---- page-level problems (those no field takes)
const pageProblems = h('div', { class: 'page-problems', id: 'page-problems' });

// ---- navigation
const navLinks = SECTIONS.map((s) => {
  const count = h('span', { class: 'nav-count', hidden: true });
  const a = h('a', { href: `#${s.id}`, class: 'nav-link', dataset: { section: s.id } }, h('span', {}, s.title), count) as HTMLAnchorElement;
  a.addEventListener('click', (e) => {
    e.preventDefault();
    document.getElementById(s.id)?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  });
  return { id: s.id, a, count };
});
const nav = h('nav', { class: 'toc', 'aria-label': 'Sections' }, ...navLinks.map((l) => l.a));

const { el: layersEl } = layersSection(form);
const main = h('div', { class: 'content' },
  pageProblems,
  modelSection(form),
  layersEl,
  headSection(form),
  dataSection(form),
  trainingSection(form),
  domainSection(form),
);
const app = document.getElementById('app') ?? document.body;
app.replaceChildren(header, h('div', { class: 'page' }, nav, main));

// the section in view is highlighted in the navigation
const observer = new IntersectionObserver((entries) => {
  for (const e of entries) {
    if (!e.isIntersecting) continue;
    for (const l of navLinks) l.a.classList.toggle('active', l.id === e.target.id);
  }
}, { rootMargin: '-80px 0px -70% 0px' });
for (const s of SECTIONS) { const el = document.getElementById(s.id); if (el) observer.observe(el); }

function render(s: DesignerState): void {
  const rest = form.update(s);
  setText(title, s.recipe?.name ?? 'Adaptation recipe');
  const summary = s.model.summary;
  const parts = s.recipe?.name ? ['Adaptation recipe'] : [];
  // the model as the user knows it (its file), then its own name: exports often carry generated
  // names such as "sequential_4"
  const file = typeof s.recipe?.model === 'string' ? s.recipe.model.split(/[\\/]/).filter((p) => p && p !== '.').slice(-2).join('/') : '';
  if (summary) parts.push(`${file ? `${file} (${summary.name}, ` : `${summary.name} (`}${summary.totalParams.toLocaleString('en-US')} params)`);
  const heads = s.recipe?.heads;
  const several = Array.isArray(heads) && heads.length > 0;
  if (s.dataset.report && !several) parts.push(`${s.dataset.report.labels.length} ${s.dataset.report.task === 'regression' ? 'targets' : 'classes'}`);
  if (several) parts.push(`${heads.length} head${heads.length === 1 ? '' : 's'} (${heads.map((x) => x.name).join(', ')})`);
  else if (s.recipe?.task) parts.push(s.recipe.task);
  setText(subtitle, parts.join(' · '));

  const blocked = trainingBlocked(s);
  start.disabled = !!blocked;
  start.title = blocked ?? 'Train with this recipe in a background process';
  why.replaceChildren(...(blocked ? [h('span', { class: `codicon codicon-${s.trusted ? 'info' : 'shield'}`, 'aria-hidden': 'true' }), h('span', {}, blocked)] : []));
  why.hidden = !blocked;

  // problems no field took: listed at the top, each with its place
  pageProblems.replaceChildren(...(rest.length ? [message('error', h('div', {}, h('p', {}, rest.length === 1 ? 'The recipe has a problem:' : `The recipe has ${rest.length} problems:`), ...rest.map((p: RecipeProblem) => problemLine(p.message, p.path || undefined))))] : []));

  const counts = new Map<string, number>();
  for (const p of s.problems) { const id = sectionOf(p.path); if (id) counts.set(id, (counts.get(id) ?? 0) + 1); }
  for (const l of navLinks) {
    const n = counts.get(l.id) ?? 0;
    l.count.hidden = n === 0;
    setText(l.count, String(n));
    l.count.title = `${n} problem${n === 1 ? '' : 's'}`;
  }
  document.body.dataset.ready = 'true';
}

host.onMessage((m) => {
  if (m.type === 'state') render(m.state);
});
host.post({ type: 'ready', protocol: DESIGNER_PROTOCOL_VERSION });
