import { UserError } from '../../core/errors';
import { environmentText } from '../../core/format/environment';
import { ENGINES, type EnginePreference } from '../../core/recipe/defaults';
import { chooseEngine } from '../../engine/pytorch/choice';
import { selectBackend } from '../../engine/tfjs/backend';
import { parse } from '../args';
import type { Cli } from '../context';

export const usage = 'transfer-studio env [--engine auto|tfjs|pytorch] [--python PATH] [--json]';

export async function env(argv: string[], cli: Cli): Promise<number> {
  const { values } = parse(argv, { engine: { type: 'string' }, python: { type: 'string' }, json: { type: 'boolean' } }, usage);
  if (values.engine !== undefined && !(ENGINES as readonly string[]).includes(values.engine)) throw new UserError(`--engine expects one of ${ENGINES.join(', ')}, got "${values.engine}"`);
  const tfjs = await selectBackend('auto', (line) => cli.verbose && cli.err(line));
  const choice = await chooseEngine((values.engine ?? 'auto') as EnginePreference, values.python);
  cli.out(values.json ? JSON.stringify({ choice, tfjs }, null, 2) : environmentText(choice, tfjs));
  return 0;
}
