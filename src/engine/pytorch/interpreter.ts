/**
 * Finding the Python the PyTorch engine runs in, and what it has. The interpreter the user chose
 * (the Python extension's environment or the `transferStudio.python` setting, passed in by the
 * extension; the CLI's --python; TRANSFER_STUDIO_PYTHON) comes first; without one, the
 * interpreters on this machine are tried in order — `python3` and `python` on PATH, then
 * /usr/bin/python3 (Debian's python3-torch lives there, often not the first python3 on PATH) —
 * and the first that imports torch wins. Each is asked by running the worker's own `env`.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PythonEnvironmentSchema, type PythonEnvironment } from '../../core/protocol/reports';

/** The worker package shipped with the extension (python/transfer_studio_worker). */
export function workerPackageRoot(): string {
  // dist/worker.js and dist/cli.js sit in dist/; the sources (tests, tsx) two folders deeper
  for (const candidate of [path.join(__dirname, '..', 'python'), path.join(__dirname, '..', '..', '..', 'python')]) {
    if (fs.existsSync(path.join(candidate, 'transfer_studio_worker', '__main__.py'))) return path.resolve(candidate);
  }
  throw new Error(`the PyTorch worker package is missing (looked beside ${__dirname})`);
}

export function pythonEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const root = workerPackageRoot();
  return { ...process.env, ...extra, PYTHONPATH: [root, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter), PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' };
}

export interface Probe {
  python: string;
  environment?: PythonEnvironment;
  /** Why this interpreter cannot run the engine (not found, no torch, a broken worker). */
  problem?: string;
}

const cache = new Map<string, Promise<Probe>>();

/** What `python` has, from the worker's `env --json` (cached for the life of this process). */
export function probeInterpreter(python: string, timeoutMs = 60_000): Promise<Probe> {
  let p = cache.get(python);
  if (!p) {
    p = new Promise<Probe>((resolve) => {
      execFile(python, ['-m', 'transfer_studio_worker', 'env', '--json'], { env: pythonEnv(), timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean }) | null;
        if (e?.code === 'ENOENT') return resolve({ python, problem: `${python} not found` });
        let environment: PythonEnvironment | undefined;
        try {
          environment = PythonEnvironmentSchema.parse(JSON.parse(stdout));
        } catch {
          const why = (stderr || (e ? e.message : '')).trim().split('\n').slice(-2).join(' ');
          return resolve({ python, problem: e?.killed ? `${python} did not answer within ${timeoutMs / 1000} s` : `${python} could not run the worker: ${why || 'no report'}` });
        }
        resolve({ python, environment, problem: environment.torch ? undefined : `no torch in ${python}${environment.problems.length ? ` (${environment.problems[0]})` : ''}` });
      });
    });
    cache.set(python, p);
  }
  return p;
}

/** The interpreters to try, the user's choice first. */
export function candidateInterpreters(chosen?: string): string[] {
  const list = [chosen, process.env.TRANSFER_STUDIO_PYTHON, 'python3', 'python', '/usr/bin/python3'].filter((p): p is string => !!p);
  return [...new Set(list)];
}

/** The first interpreter that imports torch; with none, every interpreter tried and why. */
export async function findTorchInterpreter(chosen?: string): Promise<{ found?: Probe; tried: Probe[] }> {
  const tried: Probe[] = [];
  for (const python of candidateInterpreters(chosen)) {
    const probe = await probeInterpreter(python);
    if (probe.environment?.torch) return { found: probe, tried };
    tried.push(probe);
    if (chosen && python === chosen) break; // an explicit choice is not silently replaced by another interpreter
  }
  return { tried };
}
