import { layerTable } from '../../core/format/layers';
import type { ModelSummary } from '../../core/modelSummary';
import { isPyTorchModel } from '../../core/recipe/modelRef';
import { inspectTorchModel } from '../../engine/pytorch/models';
import { UserError } from '../../core/errors';
import { summarizeModel } from '../../engine/tfjs/inspect';
import { loadModel } from '../../engine/tfjs/io/load';
import { parse } from '../args';
import type { Cli } from '../context';

export const usage = 'transfer-studio inspect MODEL [--json]   (MODEL: model.json, .h5, .keras, an https URL, torchvision:ARCH [--weights FILE.pth] or torchscript:FILE; [--python PATH] for the last two)';

export async function inspect(argv: string[], cli: Cli): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' }, 'allow-loopback-http': { type: 'boolean' }, weights: { type: 'string' }, python: { type: 'string' } }, usage);
  const model = positionals[0];
  if (!model || positionals.length > 1) throw new UserError(`expected one MODEL\nusage: ${usage}`);
  const summary = await summarize(model, cli, { allowLoopbackHttp: values['allow-loopback-http'], weights: values.weights, python: values.python });
  cli.out(values.json ? JSON.stringify(summary, null, 2) : layerTable(summary));
  return 0;
}

/** The layer summary of any model a recipe can name: TF.js in this process, torchvision / TorchScript through the PyTorch worker. */
export async function summarize(model: string, cli: Cli, opts: { allowLoopbackHttp?: boolean; weights?: string; python?: string } = {}): Promise<ModelSummary> {
  if (isPyTorchModel(model)) return inspectTorchModel(model, { weights: opts.weights, python: opts.python }, (m) => { if (cli.verbose) cli.err(m); });
  if (opts.weights) throw new UserError('--weights goes with a torchvision:ARCH model', { file: opts.weights });
  await cli.backend('auto');
  const loaded = await loadModel(model, { allowLoopbackHttp: opts.allowLoopbackHttp });
  const summary = summarizeModel(loaded);
  loaded.model.dispose();
  return summary;
}
