#!/usr/bin/env node
// `npm run test:tools`: installs what the real-VS-Code tests need (Debian's chromium, Node 24,
// code-server's VS Code server, playwright-core) into .ci/tools; `npm test` does it on first use.
import { ensureTools, stamper } from './lib/vscode-server.mjs';

try {
  ensureTools({ log: stamper('test:tools') });
} catch (e) {
  console.error(`test:tools: ${e.message}`);
  process.exit(1);
}
