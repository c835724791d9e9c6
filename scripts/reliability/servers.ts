/**
 * A real https server on 127.0.0.1 for the URL cases, with a certificate made at run time by
 * openssl and trusted only by the CLI processes the suite starts (NODE_EXTRA_CA_CERTS): the CLI
 * sees an ordinary https:// URL, no test switch. Plus a plain-http server, the target of the
 * https → http redirect.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import * as path from 'node:path';
import { EMOTION, SHARED_MODELS } from './lib';

export interface Servers {
  url: string;
  httpUrl: string;
  caFile: string;
  close(): Promise<void>;
}

/** Routes: /emotion/* the emotion model, /noshard/* the same without group9's shard, /graph/* the graph model, /hang/* never answers, /redirect/model.json → http://…/emotion/model.json. */
function handler(httpUrl: () => string): http.RequestListener {
  return (req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const [, route, ...rest] = url.split('/');
    const file = rest.join('/');
    if (route === 'hang') return; // never answers: the client's timeout must fire
    if (route === 'redirect') {
      res.writeHead(302, { location: `${httpUrl()}/emotion/${file}` }).end();
      return;
    }
    const roots: Record<string, string> = { emotion: EMOTION, noshard: EMOTION, graph: path.join(SHARED_MODELS, 'graph-emotion') };
    const root = roots[route ?? ''];
    const full = root && path.join(root, file);
    if (!root || !full!.startsWith(root) || (route === 'noshard' && file === 'group9-shard1of1') || !fs.existsSync(full!) || fs.statSync(full!).isDirectory()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const body = fs.readFileSync(full!);
    res.writeHead(200, { 'content-type': file.endsWith('.json') ? 'application/json' : 'application/octet-stream', 'content-length': body.length }).end(body);
  };
}

export async function startServers(tmp: string): Promise<Servers | { error: string }> {
  const key = path.join(tmp, 'tls-key.pem');
  const cert = path.join(tmp, 'tls-cert.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { encoding: 'utf8' });
  if (r.status !== 0) return { error: `openssl could not make a test certificate: ${(r.stderr || r.error?.message || '').trim().split('\n')[0]}` };
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => { sockets.add(s); s.on('close', () => sockets.delete(s)); };
  let httpUrl = '';
  const plain = http.createServer(handler(() => httpUrl));
  const secure = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, handler(() => httpUrl));
  plain.on('connection', track);
  secure.on('connection', track);
  secure.on('secureConnection', track);
  await new Promise<void>((res) => plain.listen(0, '127.0.0.1', res));
  await new Promise<void>((res) => secure.listen(0, '127.0.0.1', res));
  httpUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  return {
    url: `https://127.0.0.1:${(secure.address() as AddressInfo).port}`,
    httpUrl,
    caFile: cert,
    close: async () => {
      sockets.forEach((s) => s.destroy());
      await Promise.all([plain, secure].map((s) => new Promise<void>((res) => s.close(() => res()))));
    },
  };
}
