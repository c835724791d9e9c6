/** Download a layers model (model.json + shards, and metadata.json when present) into a folder, atomically. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseModelJson } from './modelJson';
import { checkModelUrl, UrlFetcher, type UrlOptions } from './url';
import { loadModel } from './load';

export async function downloadModel(url: string, dest: string, opts: UrlOptions = {}): Promise<string> {
  checkModelUrl(url, opts);
  // load first: validates topology, shards and sizes before anything is written
  await loadModel(url, opts);
  const fetcher = new UrlFetcher(opts);
  const text = new TextDecoder().decode(await fetcher.fetchBytes(url, 'model.json'));
  const json = parseModelJson(text, url);
  const tmp = `${dest}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    fs.writeFileSync(path.join(tmp, 'model.json'), text);
    for (const group of json.weightsManifest ?? []) {
      for (const p of group.paths) {
        const target = path.join(tmp, decodeURIComponent(p));
        if (!target.startsWith(tmp + path.sep)) throw new Error(`shard path escapes the model folder: ${p}`);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, await fetcher.fetchBytes(new URL(p, url).toString(), `weights shard ${p}`));
      }
    }
    try {
      fs.writeFileSync(path.join(tmp, 'metadata.json'), await fetcher.fetchBytes(new URL('metadata.json', url).toString(), 'metadata.json'));
    } catch {
      // optional
    }
    fs.writeFileSync(path.join(tmp, 'SOURCE.txt'), `Downloaded from ${url} on ${new Date().toISOString()}\n`);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.renameSync(tmp, dest);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return path.join(dest, 'model.json');
}
