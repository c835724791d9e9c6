/** The interpreter the PyTorch comparisons use: one that imports torch and torchvision (Debian's lives in /usr/bin/python3). */
import { execFileSync } from 'node:child_process';

let found: string | null | undefined;

export function torchPython(): string | undefined {
  if (found !== undefined) return found ?? undefined;
  const candidates = [process.env.TRANSFER_STUDIO_PYTHON, '/usr/bin/python3', 'python3', 'python'].filter((p): p is string => !!p);
  found = candidates.find((p) => { try { execFileSync(p, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }); return true; } catch { return false; } }) ?? null;
  return found ?? undefined;
}
