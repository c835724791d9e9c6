/**
 * Finding the Python the PyTorch engine runs in, and what it has. The interpreter the user chose
 * (the Python extension's environment or the `transferStudio.python` setting, passed in by the
 * extension; the CLI's --python; TRANSFER_STUDIO_PYTHON) comes first; without one, the
 * interpreters on this machine are tried in order — `python3` and `python` on PATH, then
 * /usr/bin/python3 (Debian's python3-torch lives there, often not the first python3 on PATH) —
 * and the first that imports torch wins. Each is asked by running the worker's own `env`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
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

/** The file `python` runs (a bare name looked up on PATH), to key the disk cache on. */
function resolveExecutable(python: string): string | undefined {
  const tryFile = (f: string): string | undefined => { try { return fs.statSync(f).isFile() ? fs.realpathSync(f) : undefined; } catch { return undefined; } };
  if (python.includes(path.sep)) return tryFile(python);
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) { const f = dir && tryFile(path.join(dir, python)); if (f) return f; }
  return undefined;
}

/**
 * A report of an interpreter that imports torch, kept on disk for an hour: importing torch takes
 * seconds, and `auto` asks on every run. Keyed by the interpreter file, its mtime, the worker
 * package and what decides the devices; "no torch" is never kept (installing torch must show at once).
 */
function diskCacheFile(python: string): string | undefined {
  const exe = resolveExecutable(python);
  const dir = process.env.TRANSFER_STUDIO_CACHE ?? path.join(os.homedir(), '.cache', 'transfer-studio');
  if (!exe) return undefined;
  let envPy = '';
  try { envPy = String(fs.statSync(path.join(workerPackageRoot(), 'transfer_studio_worker', 'env.py')).mtimeMs); } catch { /* missing package: no cache */ }
  const key = JSON.stringify([python, exe, fs.statSync(exe).mtimeMs, envPy, process.env.CUDA_VISIBLE_DEVICES ?? '', process.env.PYTHONPATH ?? '', process.env.VIRTUAL_ENV ?? '', process.env.CONDA_PREFIX ?? '']);
  return path.join(dir, 'python-env', `${createHash('sha256').update(key).digest('hex').slice(0, 24)}.json`);
}

function readDiskCache(file: string | undefined): Probe | undefined {
  if (!file) return undefined;
  try {
    const st = fs.statSync(file);
    if (Date.now() - st.mtimeMs > 3600_000) return undefined;
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Probe;
    return v.environment ? { python: v.python, environment: PythonEnvironmentSchema.parse(v.environment) } : undefined;
  } catch {
    return undefined;
  }
}

function writeDiskCache(file: string | undefined, probe: Probe): void {
  if (!file || !probe.environment?.torch) return;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(probe));
    fs.renameSync(tmp, file);
  } catch {
    // a cache that cannot be written costs time, nothing else
  }
}

/** What `python` has, from the worker's `env --json` (cached for the life of this process, and on disk when it has torch). */
export function probeInterpreter(python: string, timeoutMs = 60_000): Promise<Probe> {
  let p = cache.get(python);
  if (!p) {
    const file = diskCacheFile(python);
    const known = readDiskCache(file);
    if (known) {
      p = Promise.resolve(known);
      cache.set(python, p);
      return p;
    }
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
        const probe = { python, environment, problem: environment.torch ? undefined : `no torch in ${python}${environment.problems.length ? ` (${environment.problems[0]})` : ''}` };
        writeDiskCache(file, probe);
        resolve(probe);
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

/** The first interpreter (in order) that imports torch; with none, every interpreter tried and why. Asked all at once: each answer takes a process start. */
export async function findTorchInterpreter(chosen?: string): Promise<{ found?: Probe; tried: Probe[] }> {
  // an explicit choice is not silently replaced by another interpreter
  const list = chosen ? [chosen] : candidateInterpreters();
  const probes = await Promise.all(list.map((p) => probeInterpreter(p)));
  const found = probes.find((p) => p.environment?.torch);
  return { found, tried: probes.filter((p) => p !== found && (!found || list.indexOf(p.python) < list.indexOf(found.python))) };
}
