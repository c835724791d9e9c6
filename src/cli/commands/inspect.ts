import { layerTable } from '../../core/format/layers';
import { UserError } from '../../core/errors';
import { summarizeModel } from '../../engine/tfjs/inspect';
import { loadModel } from '../../engine/tfjs/io/load';
import { parse } from '../args';
import type { Cli } from '../context';

export const usage = 'transfer-studio inspect MODEL [--json]';

export async function inspect(argv: string[], cli: Cli): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' }, 'allow-loopback-http': { type: 'boolean' } }, usage);
  const model = positionals[0];
  if (!model || positionals.length > 1) throw new UserError(`expected one MODEL\nusage: ${usage}`);
  await cli.backend('auto');
  const loaded = await loadModel(model, { allowLoopbackHttp: values['allow-loopback-http'] });
  const summary = summarizeModel(loaded);
  cli.out(values.json ? JSON.stringify(summary, null, 2) : layerTable(summary));
  return 0;
}
