/**
 * Section 3, Head: the new layers on top of the cut. One head: its layer list (layerList.ts), every
 * change posting `setHead` with the whole new head. Several Heads turns the recipe multi-task
 * ("heads"): the section then shows the heads' editor (heads.ts) until one head is left and the
 * user goes back to one.
 */
import type { DesignerState } from '../../src/core/protocol/designer';
import { h } from '../shared/vscodeApi';
import type { Form } from './fields';
import { features, severalHeads, type HeadView } from './heads';
import { layerList } from './layerList';
import { effectiveHead, outputCount } from './layers';
import { headsOf, toSeveralHeads } from './multitask';
import { button, section, setText } from './ui';

const ONE = { title: 'Head', description: 'The new layers on top of the cut. The last Dense layer without units is sized from the dataset\'s labels.' };
const SEVERAL = { title: 'Heads', description: 'Several heads on one base, trained together (multi-task): the loss is the sum of each head\'s loss × its weight, and the model has one output per head. Each head learns its own column(s) of the training CSV.' };

/** Why a recipe cannot get several heads here, or undefined when it can. */
function severalBlocked(s: DesignerState): string | undefined {
  if (!s.recipe) return 'The recipe is not valid JSON.';
  if (s.recipe.task === 'detection') return 'Detection builds its own head.';
  if (s.recipe.domain) return 'Domain adaptation of a multi-task model is not available yet: turn domain adaptation off first.';
  return undefined;
}

function oneHead(form: Form): HeadView {
  const list = layerList(form, {
    id: 'head',
    layerName: (i) => `head layer ${i + 1}`,
    listLabel: 'Head layers',
    path: ['head'],
    read: (s) => (Array.isArray(s.recipe?.head) ? s.recipe.head : undefined),
    fallback: (s) => (s.model.summary && s.computed ? effectiveHead(s, features(s)) : []),
    final: true,
    input: features,
    inputName: (s) => s.computed?.cut,
    outputs: outputCount,
    task: (s) => s.recipe?.task ?? 'single-label',
    commit: (head) => form.post({ type: 'setHead', head }),
    reset: () => form.set(['head'], undefined),
    texts: {
      add: 'Add a layer to the head (above the output layer)',
      reset: 'Remove "head" from the recipe: the default head applies',
      fallback: 'The recipe has no "head": this is the default one. Any change here writes it into the recipe.',
    },
  });
  const split = button('Several Heads', {
    secondary: true, icon: 'type-hierarchy-sub', id: 'heads-split',
    title: 'Multi-task: this head becomes the first of several on the same base, and a second head is added',
    onClick: () => { if (form.state && !severalBlocked(form.state)) form.post(toSeveralHeads(form.state)); },
  });
  // a detection recipe builds its own head (engine/tfjs/detection): the builder gives way to a note
  const detectionNote = h('p', { class: 'muted', id: 'head-detection-note', hidden: true },
    'Detection builds its own head on the cut\'s feature map: a grid of anchors (several objects per image) or a single-object localiser, chosen from the data or by "Detection head" under Data.');
  const actions = h('div', { class: 'section-actions' }, split, ...list.actions);
  return {
    el: h('div', {}, detectionNote, list.el),
    actions: [actions],
    update: (s) => {
      const detecting = s.recipe?.task === 'detection';
      list.el.hidden = detecting;
      detectionNote.hidden = !detecting;
      actions.hidden = detecting;
      list.update(s);
      const blocked = severalBlocked(s);
      split.disabled = !!blocked;
      split.title = blocked ?? 'Multi-task: this head becomes the first of several on the same base, and a second head is added';
    },
    dispose: () => list.dispose(),
  };
}

export function headSection(form: Form): HTMLElement {
  const sec = section('head', ONE.title, ONE.description);
  const title = sec.el.querySelector<HTMLElement>('#head-title')!;
  const desc = sec.el.querySelector<HTMLElement>('.section-desc')!;
  let several: boolean | undefined;
  let view: HeadView | undefined;
  form.onState((s) => {
    const next = !!headsOf(s);
    if (next !== several) {
      view?.dispose();
      several = next;
      view = next ? severalHeads(form) : oneHead(form);
      sec.body.replaceChildren(view.el);
      sec.actions.replaceChildren(...view.actions);
      setText(title, next ? SEVERAL.title : ONE.title);
      setText(desc, next ? SEVERAL.description : ONE.description);
    }
    view!.update(s);
  });
  return sec.el;
}
