/**
 * Which engine trains: `tfjs`, `pytorch`, or `auto` — PyTorch when an interpreter imports torch
 * and a CUDA or MPS device is usable, else TF.js — with the reason in one line. `pytorch` without
 * a usable interpreter is a UserError naming the interpreter and the install step; `auto` says
 * why it fell back.
 */
import { UserError } from '../../core/errors';
import type { EngineChoice, PythonEnvironment } from '../../core/protocol/reports';
import type { EnginePreference } from '../../core/recipe/defaults';
import { findTorchInterpreter } from './interpreter';

export const INSTALL_HINT = 'install PyTorch into that Python (pip install torch torchvision — see pytorch.org for the CUDA build), or point Transfer Studio at one that has it (the transferStudio.python setting, --python, or TRANSFER_STUDIO_PYTHON); on Debian: sudo apt-get install python3-torch python3-torchvision (in /usr/bin/python3)';

function gib(bytes: number): string {
  return `${Math.round(bytes / 2 ** 30)} GB`;
}

export function deviceSummary(env: PythonEnvironment): string {
  const torch = `PyTorch ${env.torch!.version}`;
  const cuda = env.devices.filter((d) => d.type === 'cuda');
  if (env.chosen.device === 'cuda' && cuda.length) return `${torch} on CUDA (${cuda.map((d) => `${d.name}, ${gib(d.memoryBytes)}`).join('; ')})`;
  if (env.chosen.device === 'mps') return `${torch} on Apple MPS`;
  return env.chosen.reason || `${torch} on CPU`;
}

export async function chooseEngine(requested: EnginePreference, python?: string): Promise<EngineChoice> {
  if (requested === 'tfjs') return { engine: 'tfjs', requested, summary: 'TF.js (the recipe or setting asks for it)', tried: [] };
  const { found, tried } = await findTorchInterpreter(python);
  const triedList = tried.map((t) => ({ python: t.python, problem: t.problem ?? 'unusable' }));
  if (found?.environment) {
    const env = found.environment;
    const gpu = env.chosen.device === 'cuda' || env.chosen.device === 'mps';
    if (requested === 'pytorch' || gpu) return { engine: 'pytorch', requested, summary: deviceSummary(env), python: found.python, environment: env, tried: triedList };
    const why = env.chosen.reason.replace(/^[^:]*:\s*/, '');
    return { engine: 'tfjs', requested, summary: `TF.js: PyTorch ${env.torch!.version} in ${found.python} has no GPU to use (${why}); engine "pytorch" trains there on the CPU anyway`, python: found.python, environment: env, tried: triedList };
  }
  const why = triedList.map((t) => t.problem).join('; ') || 'no Python interpreter found';
  if (requested === 'pytorch') {
    throw new UserError(`the PyTorch engine needs a Python with torch: ${why}`, { hint: INSTALL_HINT });
  }
  return { engine: 'tfjs', requested, summary: `TF.js: ${why} (install: ${INSTALL_HINT.split(';')[0]})`, python, tried: triedList };
}
