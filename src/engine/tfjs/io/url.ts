/** Fetch a layers model.json and its shards over https, with a timeout and a size limit. */
import { UserError } from '../../../core/errors';

export interface UrlOptions {
  timeoutMs?: number;
  /** Total bytes allowed for model.json + shards. */
  maxBytes?: number;
  /** Tests serve fixtures from http://127.0.0.1; users get https only. */
  allowLoopbackHttp?: boolean;
}

const MAX_REDIRECTS = 5;

export const DEFAULT_URL_TIMEOUT_MS = 60_000;
export const DEFAULT_URL_MAX_BYTES = 1024 * 1024 * 1024;

export function checkModelUrl(url: string, opts: UrlOptions = {}): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`not a valid URL: ${url}`, { file: url });
  }
  const loopback = u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]');
  if (u.protocol !== 'https:' && !(loopback && opts.allowLoopbackHttp)) {
    throw new UserError(`only https:// model URLs are supported, got ${u.protocol}//`, { file: url });
  }
  return u;
}

export class UrlFetcher {
  private used = 0;
  constructor(private readonly opts: UrlOptions = {}) {}

  /** fetch, following redirects by hand: each target must pass checkModelUrl too (no https → http downgrade). */
  private async fetchFollowing(url: string, what: string, signal: AbortSignal): Promise<Response> {
    let current = url;
    for (let hop = 0; ; hop++) {
      const res = await fetch(current, { signal, redirect: 'manual' });
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || res.status === 304 || !location) return res;
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new UserError(`too many redirects (more than ${MAX_REDIRECTS}) downloading ${what}`, { file: url });
      const next = new URL(location, current).href;
      try {
        checkModelUrl(next, this.opts);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        throw new UserError(`refusing a redirect to ${next} while downloading ${what}: ${e.message}`, { file: url, hint: 'the server sent the download to a non-https address; use the final https:// URL, or ask the host to serve it over https' });
      }
      current = next;
    }
  }

  async fetchBytes(url: string, what: string): Promise<Uint8Array> {
    const timeoutMs = this.opts.timeoutMs ?? DEFAULT_URL_TIMEOUT_MS;
    const maxBytes = this.opts.maxBytes ?? DEFAULT_URL_MAX_BYTES;
    let res: Response;
    try {
      res = await this.fetchFollowing(url, what, AbortSignal.timeout(timeoutMs));
    } catch (e) {
      if (e instanceof UserError) throw e;
      const err = e as Error;
      if (err.name === 'TimeoutError' || err.name === 'AbortError') {
        throw new UserError(`timed out after ${Math.round(timeoutMs / 1000)} s downloading ${what}`, { file: url });
      }
      throw new UserError(`cannot download ${what}: ${(err.cause as Error | undefined)?.message ?? err.message}`, { file: url });
    }
    if (!res.ok) {
      throw new UserError(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} downloading ${what}`, { file: url });
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && this.used + declared > maxBytes) {
      throw new UserError(`${what} is too large: the model would exceed the ${formatMiB(maxBytes)} download limit`, { file: url });
    }
    const chunks: Uint8Array[] = [];
    const reader = res.body?.getReader();
    let got = 0;
    try {
      while (reader) {
        const { done, value } = await reader.read();
        if (done) break;
        got += value.byteLength;
        if (this.used + got > maxBytes) {
          await reader.cancel();
          throw new UserError(`${what} is too large: the model exceeds the ${formatMiB(maxBytes)} download limit`, { file: url });
        }
        chunks.push(value);
      }
    } catch (e) {
      if (e instanceof UserError) throw e;
      const err = e as Error;
      if (err.name === 'TimeoutError' || err.name === 'AbortError') {
        throw new UserError(`timed out after ${Math.round(timeoutMs / 1000)} s downloading ${what}`, { file: url });
      }
      throw new UserError(`download of ${what} failed: ${err.message}`, { file: url });
    }
    this.used += got;
    const out = new Uint8Array(got);
    let o = 0;
    for (const c of chunks) {
      out.set(c, o);
      o += c.byteLength;
    }
    return out;
  }
}

function formatMiB(n: number): string {
  return `${Math.round(n / (1024 * 1024))} MiB`;
}
