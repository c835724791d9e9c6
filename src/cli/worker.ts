/** Starting the worker process from the CLI. */
import * as path from 'node:path';
import { WorkerClient } from '../worker/client';

export function startWorker(): WorkerClient {
  // dist/cli.js and dist/worker.js sit side by side
  return new WorkerClient({ script: process.env.TRANSFER_STUDIO_WORKER ?? path.join(__dirname, 'worker.js'), execArgv: ['--max-old-space-size=8192'] });
}
