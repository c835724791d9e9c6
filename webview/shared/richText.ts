/** Messages from the engine mark commands and names with `backticks`: show those as code. */
import { h } from './vscodeApi';

export function richText(text: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  text.split(/(`[^`]+`)/).forEach((part) => {
    if (/^`[^`]+`$/.test(part)) frag.append(h('code', {}, part.slice(1, -1)));
    else if (part) frag.append(part);
  });
  return frag;
}
