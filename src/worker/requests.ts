/** The worker's request/response commands, one handler per kind, each answering its kind's reply type. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../core/errors';
import type { WorkerEvent, WorkerReply, WorkerRequest, WorkerRequestKind } from '../core/protocol/worker';
import { isPyTorchModel } from '../core/recipe/modelRef';
import { chooseEngine } from '../engine/pytorch/choice';
import { evaluateTorchFolder, inspectTorchModel, predictTorchFolder, torchModelFolder } from '../engine/pytorch/models';
import { selectBackend } from '../engine/tfjs/backend';
import { openDataset } from '../engine/tfjs/data';
import { openBoxData } from '../engine/tfjs/detection/data';
import { detectionImages } from '../core/recipe/detection';
import { recipeLayout } from '../core/multitask/csv';
import { summarizeModel } from '../engine/tfjs/inspect';
import { downloadModel } from '../engine/tfjs/io/download';
import { loadModel } from '../engine/tfjs/io/load';
import { evaluateSavedModel, predictFiles } from '../engine/tfjs/predict';
import { probeCuts } from '../engine/tfjs/probe';
import { imageSpecFor, readRecipe } from '../engine/tfjs/recipe';
import { thumbnails } from './thumbnails';

type Log = (message: string) => void;
type Send = (e: WorkerEvent) => void;
type Handlers = { [K in WorkerRequestKind]: (cmd: Extract<WorkerRequest, { type: K }>, log: Log, send: Send) => Promise<WorkerReply<K>> };

const handlers: Handlers = {
  inspect: async (cmd, log) => {
    if (isPyTorchModel(cmd.model)) return inspectTorchModel(cmd.model, { weights: cmd.weights, inputSize: cmd.inputSize, python: cmd.python }, log);
    await selectBackend('auto', log);
    return summarizeModel(await loadModel(cmd.model, { allowLoopbackHttp: cmd.allowLoopbackHttp }));
  },
  datasetReport: async (cmd, log) => {
    await selectBackend('auto', log);
    const recipe = readRecipe(cmd.recipe, cmd.text);
    if (!recipe.data) throw new UserError('the recipe has no "data"', { file: recipe.file, jsonPath: '/data' });
    const loaded = await loadModel(recipe.model);
    const image = imageSpecFor(loaded, recipe);
    // the designer's dataset view: the box annotations read and checked as a run would
    if (recipe.task === 'detection') return (await openBoxData({ train: recipe.data.train, validation: recipe.data.validation, test: recipe.data.test, validationSplit: recipe.data.validationSplit, images: detectionImages(recipe), labels: recipe.data.labels, seed: recipe.training.seed, maxSkipped: 1, image })).dataset.report;
    const multiTask = recipeLayout(recipe);
    const ds = await openDataset({ train: recipe.data.train, validation: recipe.data.validation, test: recipe.data.test, validationSplit: recipe.data.validationSplit, labels: recipe.data.labels, task: recipe.task, seed: recipe.training.seed, maxSkipped: 1, image, multiTask });
    return ds.report;
  },
  environment: async (cmd, log) => {
    const tfjs = await selectBackend('auto', log);
    return { choice: await chooseEngine(cmd.engine ?? 'auto', cmd.python), tfjs: { engine: 'tfjs' as const, ...tfjs } };
  },
  probe: async (cmd, log, send) => {
    const recipe = readRecipe(cmd.recipe, cmd.text);
    if (recipe.task === 'detection') throw new UserError('the linear probe ranks cuts for classification; a detection recipe cannot be probed yet', { file: recipe.file, jsonPath: '/task' });
    await selectBackend(recipe.training.backend, log);
    return probeCuts(recipe, { maxImages: cmd.maxImages, onProgress: (done, total) => send({ type: 'progress', phase: 'extract', done, total, message: `probe: features of ${done}/${total} images` }) });
  },
  evaluate: async (cmd, log) => {
    const torch = torchModelFolder(cmd.model);
    if (torch) return evaluateTorchFolder(torch, cmd.data, cmd.python, log);
    await selectBackend(cmd.backend ?? 'auto', log);
    return evaluateSavedModel(cmd.model, cmd.data);
  },
  predict: async (cmd, log) => {
    const torch = torchModelFolder(cmd.model);
    if (torch) return predictTorchFolder(torch, cmd.files, cmd.topK ?? 3, cmd.python, log);
    await selectBackend(cmd.backend ?? 'auto', log);
    return predictFiles(cmd.model, cmd.files, cmd.topK ?? 3);
  },
  thumbnails: (cmd) => thumbnails(cmd.files, cmd.size ?? 96),
  download: async (cmd) => {
    const dest = path.resolve(cmd.dest);
    if (fs.existsSync(path.join(dest, 'model.json'))) return { path: path.join(dest, 'model.json'), cached: true };
    return { path: await downloadModel(cmd.url, dest, { allowLoopbackHttp: cmd.allowLoopbackHttp }), cached: false };
  },
};

export function handleRequest<K extends WorkerRequestKind>(cmd: Extract<WorkerRequest, { type: K }>, send: (e: WorkerEvent) => void): Promise<WorkerReply<K>> {
  const handler = handlers[cmd.type] as Handlers[K];
  return handler(cmd, (message) => send({ type: 'log', level: 'info', message }), send);
}
