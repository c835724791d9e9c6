/** The Environment check as text (the CLI's `env`, the extension's Environment Check). */
import type { EngineChoice, PythonEnvironment } from '../protocol/reports';

/** The Environment check, as text: the engine a run gets and why, the TF.js backend, every interpreter tried. */
export function environmentText(choice: EngineChoice, tfjs: { name: string; device: string; notes: string[] }): string {
  const lines = [`engine (${choice.requested}): ${choice.engine === 'pytorch' ? 'PyTorch' : 'TF.js'} — ${choice.summary}`, `TF.js backend: ${tfjs.name} (${tfjs.device})${tfjs.notes.length ? `; ${tfjs.notes.join('; ')}` : ''}`];
  const env: PythonEnvironment | undefined = choice.environment;
  if (env) {
    lines.push(`Python: ${env.python.executable} ${env.python.version}; torch ${env.torch?.version ?? 'not importable'}${env.torch?.cuda ? ` (CUDA ${env.torch.cuda}${env.torch.cudnn ? `, cuDNN ${env.torch.cudnn}` : ''})` : ''}; torchvision ${env.torchvision ?? 'no'}; torchrun ${env.torchrun ?? 'no'}; torch.compile ${env.torch?.compile ? 'yes' : 'no'}`);
    for (const d of env.devices) lines.push(`  ${d.type}:${d.index} ${d.name}, ${Math.round(d.memoryBytes / 2 ** 30)} GB${d.capability ? `, compute ${d.capability}` : ''}${d.bf16 ? ', bf16' : ''}`);
    if (env.mps) lines.push('  mps: Apple GPU available');
    for (const p of env.problems) lines.push(`  problem: ${p}`);
  }
  for (const t of choice.tried) lines.push(`tried ${t.python}: ${t.problem}`);
  return lines.join('\n');
}

