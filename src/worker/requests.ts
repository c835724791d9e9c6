/** The worker's request/response commands: inspect, check, dataset report, evaluate, predict, download. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkerCommand, WorkerEvent } from '../core/protocol';
import { UserError } from '../core/errors';
import { selectBackend } from '../engine/tfjs/backend';
import { summarizeModel } from '../engine/tfjs/inspect';
import { downloadModel } from '../engine/tfjs/io/download';
import { loadModel } from '../engine/tfjs/io/load';
import { evaluateSavedModel, predictFiles } from '../engine/tfjs/predict';
import { adaptedSummary, imageSpecFor, planAdaptation, readRecipe } from '../engine/tfjs/recipe';
import { openDataset } from '../engine/tfjs/data';
import { thumbnails } from './thumbnails';

type Request = Exclude<WorkerCommand, { type: 'train' | 'stop' | 'shutdown' }>;

export async function handleRequest(cmd: Request, send: (e: WorkerEvent) => void): Promise<unknown> {
  const log = (message: string): void => send({ type: 'log', level: 'info', message });
  switch (cmd.type) {
    case 'inspect': {
      await selectBackend('auto', log);
      return summarizeModel(await loadModel(cmd.model, { allowLoopbackHttp: cmd.allowLoopbackHttp }));
    }
    case 'check': {
      await selectBackend('auto', log);
      const recipe = readRecipe(cmd.recipe, cmd.text);
      const plan = await planAdaptation(recipe);
      return {
        cut: plan.adapted.cut,
        cutIsDefault: plan.adapted.cutIsDefault,
        frozen: [...plan.adapted.frozen],
        outputs: plan.outputs,
        output: recipe.output,
        fastPath: plan.adapted.baseFrozen,
        featureShape: plan.adapted.featureShape,
        headLayers: plan.adapted.head.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name),
        image: imageSpecFor(plan.loaded, recipe),
        summary: adaptedSummary(plan),
      };
    }
    case 'datasetReport': {
      await selectBackend('auto', log);
      const recipe = readRecipe(cmd.recipe, cmd.text);
      if (!recipe.data) throw new UserError('the recipe has no "data"', { file: recipe.file, jsonPath: '/data' });
      const loaded = await loadModel(recipe.model);
      const image = imageSpecFor(loaded, recipe);
      const ds = await openDataset({ train: recipe.data.train, validation: recipe.data.validation, test: recipe.data.test, validationSplit: recipe.data.validationSplit, labels: recipe.data.labels, task: recipe.task, seed: recipe.training.seed, maxSkipped: 1, image });
      return ds.report;
    }
    case 'evaluate':
      await selectBackend(cmd.backend ?? 'auto', log);
      return evaluateSavedModel(cmd.model, cmd.data);
    case 'predict':
      await selectBackend(cmd.backend ?? 'auto', log);
      return predictFiles(cmd.model, cmd.files, cmd.topK ?? 3);
    case 'thumbnails':
      return thumbnails(cmd.files, cmd.size ?? 96);
    case 'download': {
      const dest = path.resolve(cmd.dest);
      if (fs.existsSync(path.join(dest, 'model.json'))) return { path: path.join(dest, 'model.json'), cached: true };
      return { path: await downloadModel(cmd.url, dest, { allowLoopbackHttp: cmd.allowLoopbackHttp }), cached: false };
    }
  }
}
