#!/usr/bin/env node
// `npm run test:python`: the PyTorch worker's own tests (python/tests, unittest) in an interpreter
// that imports torch — TRANSFER_STUDIO_PYTHON, /usr/bin/python3 (Debian's python3-torch), python3,
// python. Without one they are skipped with the reason, as the TS tests of the engine are.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const candidates = [...new Set([process.env.TRANSFER_STUDIO_PYTHON, '/usr/bin/python3', 'python3', 'python'].filter(Boolean))];
const tried = [];
const python = candidates.find((p) => {
  const r = spawnSync(p, ['-c', 'import torch, torchvision, numpy, PIL'], { encoding: 'utf8' });
  if (r.status !== 0) tried.push(`${p}: ${r.error ? r.error.code : (r.stderr.trim().split('\n').pop() || `exit ${r.status}`)}`);
  return r.status === 0;
});
if (!python) {
  console.log(`test:python: skipped, no Python with torch, torchvision, numpy and PIL (${tried.join('; ')}); on Debian: sudo apt-get install python3-torch python3-torchvision`);
  process.exit(0);
}
console.log(`test:python: ${python}`);
const r = spawnSync(python, ['-B', '-m', 'unittest', 'discover', '-s', path.join(root, 'python', 'tests'), '-p', 'test_*.py', '-v'], {
  stdio: 'inherit', cwd: root, env: { ...process.env, PYTHONPATH: path.join(root, 'python'), TRANSFER_STUDIO_STRICT_EVENTS: '1' },
});
process.exit(r.status ?? 1);
