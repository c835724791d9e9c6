/**
 * `transfer-studio`: the headless CLI. Exit codes: 0 ok, 1 user error (one line naming the file),
 * 2 internal error (stack on stderr), 130 a training run stopped by Ctrl-C.
 */
import { isUserError, errorMessage } from '../core/errors';
import type { Cli } from './context';
import { selectBackend } from '../engine/tfjs/backend';
import { configureTfjs } from '../engine/tfjs/env';
import { check, usage as checkUsage } from './commands/check';
import { init, usage as initUsage } from './commands/init';
import { env, usage as envUsage } from './commands/env';
import { inspect, usage as inspectUsage } from './commands/inspect';
import { probe, usage as probeUsage } from './commands/probe';
import { train, usage as trainUsage } from './commands/train';
import { evaluate, evaluateUsage, predict, predictUsage } from './commands/evaluate';
import { compare, usage as compareUsage } from './commands/compare';

export type { Cli } from './context';

type Command = (argv: string[], cli: Cli) => Promise<number>;

const COMMANDS: Record<string, { run: Command; usage: string; summary: string }> = {
  inspect: { run: inspect, usage: inspectUsage, summary: 'show a model\'s layers, shapes and parameter counts' },
  init: { run: init, usage: initUsage, summary: 'write a recipe with sensible defaults for a model and a dataset' },
  check: { run: check, usage: checkUsage, summary: 'validate a recipe and print the adapted architecture' },
  probe: { run: probe, usage: probeUsage, summary: 'score candidate cuts with linear probes on your data; --apply writes the best into the recipe' },
  train: { run: train, usage: trainUsage, summary: 'fine-tune in a background process: live progress, evaluation, saved model' },
  evaluate: { run: evaluate, usage: evaluateUsage, summary: 'accuracy, per-class scores and confusion matrix of a saved model' },
  env: { run: env, usage: envUsage, summary: 'the engine a run gets (PyTorch in which Python, on which GPU; or TF.js) and why' },
  predict: { run: predict, usage: predictUsage, summary: 'top-k predictions for image files' },
  compare: { run: compare, usage: compareUsage, summary: 'two or more runs side by side: recipe differences, final metrics, the best model on the same data' },
};

export function registerCommand(name: string, run: Command, usage: string, summary: string): void {
  COMMANDS[name] = { run, usage, summary };
}

function help(): string {
  return ['Transfer Studio — adapt pre-trained models to new tasks', '', 'usage:', ...Object.values(COMMANDS).map((c) => `  ${c.usage.padEnd(64)} ${c.summary}`), '', 'Exit codes: 0 ok, 1 user error, 2 internal error, 130 train stopped by Ctrl-C (a checkpoint is kept).'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  const args = argv.filter((a) => a !== '--verbose');
  const cli: Cli = {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    verbose,
    backend: async (pref) => {
      await selectBackend(pref, (line) => verbose && cli.err(line));
    },
  };
  configureTfjs((level, message) => (verbose || level === 'warn') && cli.err(`[tfjs] ${message}`));
  const [name, ...rest] = args;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    cli.out(help());
    return name ? 0 : 1;
  }
  if (name === '--version') {
    cli.out('0.1.0');
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    cli.err(`transfer-studio: unknown command "${name}"\n\n${help()}`);
    return 1;
  }
  try {
    return await command.run(rest, cli);
  } catch (e) {
    if (isUserError(e)) {
      cli.err(`transfer-studio ${name}: ${errorMessage(e)}`);
      return 1;
    }
    cli.err(`transfer-studio ${name}: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => { console.error(e); process.exitCode = 2; });
}
