/**
 * The extension's line to the engine: a long-lived worker process for inspection, checks,
 * dataset reports, thumbnails and predictions. The extension host never loads TF.js itself; if
 * the worker dies it is started again on the next request.
 */
import * as vscode from 'vscode';
import type { RequestCommand, WorkerReply } from '../core/protocol/worker';
import { isPyTorchModel } from '../core/recipe/modelRef';
import { WorkerClient } from '../worker/client';
import { chosenPython } from './python';
import type { Log } from './log';

export function workerScript(extensionUri: vscode.Uri): string {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'worker.js').fsPath;
}

export function workerEnv(context: vscode.ExtensionContext): NodeJS.ProcessEnv {
  return { TRANSFER_STUDIO_CACHE: vscode.Uri.joinPath(context.globalStorageUri, 'cache').fsPath };
}

export class EngineService implements vscode.Disposable {
  private worker?: WorkerClient;

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: Log) {}

  private get client(): WorkerClient {
    if (!this.worker || !this.worker.isRunning) {
      const w = new WorkerClient({ script: workerScript(this.context.extensionUri), env: workerEnv(this.context), execArgv: ['--max-old-space-size=4096'] });
      w.onEvent((e) => {
        if (e.type === 'log') this.log[e.level === 'warn' ? 'warn' : e.level === 'error' ? 'error' : e.level === 'debug' || e.level === 'trace' ? 'debug' : 'info'](`[engine] ${e.message}`);
        if (e.type === 'error' && e.id === undefined) this.log.error(`[engine] ${e.error.message}${e.error.stack ? `\n${e.error.stack}` : ''}`);
      });
      this.log.info(`engine worker started (pid ${w.pid})`);
      this.worker = w;
    }
    return this.worker;
  }

  async request<C extends RequestCommand>(cmd: C): Promise<WorkerReply<C['type']>> {
    const client = this.client;
    await client.ready;
    return client.request(cmd);
  }

  /** A file or URL; or a PyTorch model (`torchvision:ARCH` with its .pth weights, `torchscript:FILE`), inspected in the chosen Python. */
  async inspect(model: string, allowLoopbackHttp = false, weights?: string): Promise<WorkerReply<'inspect'>> {
    const python = isPyTorchModel(model) ? await chosenPython() : undefined;
    return this.request({ type: 'inspect', model, allowLoopbackHttp, ...(weights ? { weights } : {}), ...(python ? { python } : {}) });
  }

  datasetReport(recipe: string, text?: string): Promise<WorkerReply<'datasetReport'>> {
    return this.request({ type: 'datasetReport', recipe, text });
  }

  thumbnails(files: string[], size = 96): Promise<WorkerReply<'thumbnails'>> {
    return this.request({ type: 'thumbnails', files, size });
  }

  /** `model`: a saved model.json, or a folder the PyTorch engine saved (predicted in the chosen Python). */
  async predict(model: string, files: string[], topK = 5): Promise<WorkerReply<'predict'>> {
    const python = await chosenPython();
    return this.request({ type: 'predict', model, files, topK, ...(python ? { python } : {}) });
  }

  async evaluate(model: string, data: string): Promise<WorkerReply<'evaluate'>> {
    const python = await chosenPython();
    return this.request({ type: 'evaluate', model, data, ...(python ? { python } : {}) });
  }

  download(url: string, dest: string, allowLoopbackHttp = false): Promise<WorkerReply<'download'>> {
    return this.request({ type: 'download', url, dest, allowLoopbackHttp });
  }

  dispose(): void {
    void this.worker?.shutdown(1000);
    this.worker = undefined;
  }
}
