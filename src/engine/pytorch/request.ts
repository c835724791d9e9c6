/**
 * One request to the PyTorch worker outside a training run (inspect a torchvision model, predict
 * with a folder it saved): `python -m transfer_studio_worker --stdio`, the command on stdin, the
 * answer on stdout, then shutdown. Importing torch takes seconds, so each call is one process:
 * nothing stays resident in the Node worker.
 */
import { spawn } from 'node:child_process';
import { fromErrorInfo } from '../../core/errors';
import { parseWorkerEvent, PROTOCOL_VERSION } from '../../core/protocol/worker';
import { pythonEnv } from './interpreter';

export interface PythonRequest {
  type: 'inspect' | 'predict';
  [key: string]: unknown;
}

export function pythonRequest(python: string, request: PythonRequest, log: (m: string) => void = () => undefined, timeoutMs = 300_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-m', 'transfer_studio_worker', '--stdio'], { env: pythonEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let buffer = '';
    let stderr = '';
    let settled = false;
    const finish = (err: Error | undefined, value?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try { child.stdin.end(JSON.stringify({ type: 'shutdown' }) + '\n'); } catch { /* already closed */ }
      setTimeout(() => { if (child.exitCode === null) child.kill('SIGKILL'); }, 5000).unref();
      if (err) reject(err); else resolve(value);
    };
    const timer = setTimeout(() => { child.kill('SIGKILL'); finish(new Error(`the PyTorch worker (${python}) did not answer "${request.type}" within ${Math.round(timeoutMs / 1000)} s`)); }, timeoutMs);
    child.on('error', (e) => finish(new Error(`could not start ${python}: ${e.message}`)));
    child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (!line) continue;
        let event;
        try { event = parseWorkerEvent(JSON.parse(line)); } catch { log(`[python] ${line.slice(0, 200)}`); continue; }
        if (event.type === 'ready') {
          if (event.protocol !== PROTOCOL_VERSION) { finish(new Error(`the PyTorch worker speaks protocol ${event.protocol}, this extension ${PROTOCOL_VERSION}`)); return; }
          child.stdin.write(JSON.stringify({ ...request, id: 1 }) + '\n');
        } else if (event.type === 'log') log(event.message);
        else if (event.type === 'result' && event.id === 1) finish(undefined, event.value);
        else if (event.type === 'error' && (event.id === 1 || event.id === undefined)) finish(fromErrorInfo(event.error));
      }
    });
    child.on('exit', (code, signal) => finish(new Error(`the PyTorch worker (${python}) ended before answering "${request.type}" (${signal ? `signal ${signal}` : `exit code ${code}`})${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`)));
  });
}
