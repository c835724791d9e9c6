/**
 * A Python interpreter that imports torch, for tests of the PyTorch worker package (python/).
 * Looked for in order: $TRANSFER_STUDIO_PYTHON, /usr/bin/python3, python3 and python on PATH.
 * Tests skip, saying why, when there is none.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from '../../helpers/fixtures';

export interface TorchPython {
  exe: string;
  torchVersion: string;
}

let found: { python?: TorchPython; reason: string } | undefined;

function candidates(): string[] {
  const list = [process.env.TRANSFER_STUDIO_PYTHON, '/usr/bin/python3', 'python3', 'python'];
  return list.filter((c): c is string => !!c).filter((c, i, all) => all.indexOf(c) === i);
}

/** The first interpreter that imports torch and numpy, or undefined (see noTorchReason). */
export function findTorchPython(): TorchPython | undefined {
  if (found) return found.python;
  const tried: string[] = [];
  for (const exe of candidates()) {
    const r = spawnSync(exe, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) {
      found = { python: { exe, torchVersion: r.stdout.trim() }, reason: '' };
      return found.python;
    }
    const why = r.error ? (r.error as NodeJS.ErrnoException).code ?? r.error.message : (r.stderr.trim().split('\n').pop() || `exit ${r.status}`);
    tried.push(`${exe}: ${why}`);
  }
  found = { reason: `no Python with torch found (set TRANSFER_STUDIO_PYTHON): ${tried.join('; ')}` };
  return undefined;
}

/** Why findTorchPython() found nothing. */
export function noTorchReason(): string {
  findTorchPython();
  return found?.reason ?? '';
}

export interface PythonResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run `python -m module args…` with the project's python/ folder importable and no .pyc files written. */
export function runPythonModule(py: TorchPython, module: string, args: string[], input?: string, timeoutMs = 300_000): PythonResult {
  const env = { ...process.env, PYTHONPATH: path.join(ROOT, 'python'), PYTHONDONTWRITEBYTECODE: '1' };
  const r = spawnSync(py.exe, ['-m', module, ...args], { encoding: 'utf8', input, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : '') };
}
