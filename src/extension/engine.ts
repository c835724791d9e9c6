/**
 * The extension's line to the engine: a long-lived worker process for inspection, checks,
 * dataset reports, thumbnails and predictions. The extension host never loads TF.js itself; if
 * the worker dies it is started again on the next request.
 */
import * as vscode from 'vscode';
import type { ModelSummary } from '../core/modelSummary';
import type { DatasetReport, EvaluationReport, Prediction } from '../core/protocol';
import { WorkerClient, type RequestCommand } from '../core/workerClient';
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

  async request<T>(cmd: RequestCommand): Promise<T> {
    const client = this.client;
    await client.ready;
    return client.request<T>(cmd);
  }

  inspect(model: string, allowLoopbackHttp = false): Promise<ModelSummary> {
    return this.request<ModelSummary>({ type: 'inspect', model, allowLoopbackHttp });
  }

  datasetReport(recipe: string, text?: string): Promise<DatasetReport> {
    return this.request<DatasetReport>({ type: 'datasetReport', recipe, text });
  }

  thumbnails(files: string[], size = 96): Promise<Record<string, string>> {
    return this.request<Record<string, string>>({ type: 'thumbnails', files, size });
  }

  predict(model: string, files: string[], topK = 5): Promise<Prediction[]> {
    return this.request<Prediction[]>({ type: 'predict', model, files, topK });
  }

  evaluate(model: string, data: string): Promise<EvaluationReport> {
    return this.request<EvaluationReport>({ type: 'evaluate', model, data });
  }

  download(url: string, dest: string, allowLoopbackHttp = false): Promise<{ path: string; cached: boolean }> {
    return this.request({ type: 'download', url, dest, allowLoopbackHttp });
  }

  dispose(): void {
    void this.worker?.shutdown(1000);
    this.worker = undefined;
  }
}
