/** The webview side of the handshake: `ready` → full state → deltas, with typed messages both ways. */
interface VsCodeApi<S> {
  postMessage(message: unknown): void;
  getState(): S | undefined;
  setState(state: S): void;
}

declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

export interface Host<ToHost, FromHost, S = unknown> {
  post(message: ToHost): void;
  onMessage(listener: (message: FromHost) => void): void;
  getState(): S | undefined;
  setState(state: S): void;
}

export function connect<ToHost extends { type: string }, FromHost extends { type: string }, S = unknown>(): Host<ToHost, FromHost, S> {
  const api = acquireVsCodeApi<S>();
  const listeners: ((m: FromHost) => void)[] = [];
  window.addEventListener('message', (e: MessageEvent) => {
    const data = e.data as FromHost;
    if (data && typeof data === 'object' && typeof data.type === 'string') listeners.forEach((l) => l(data));
  });
  return {
    post: (m) => api.postMessage(m),
    onMessage: (l) => { listeners.push(l); },
    getState: () => api.getState(),
    setState: (s) => api.setState(s),
  };
}

/** Tiny DOM helper: h('div', { class: 'x', onclick }, ...children). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K | string, props: Record<string, unknown> = {}, ...children: (Node | string | null | undefined | false)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
    else if (k === 'class') el.className = String(v);
    else if (k === 'dataset' && typeof v === 'object') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') (el as unknown as Record<string, unknown>)[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}
