#!/usr/bin/env node
// `npm run test:vscode`: the extension's integration tests (test/vscode/**/*.vscode.test.ts) inside a
// real VS Code, offline. Builds the extension and the suite, installs the CI tools when missing,
// starts the bundled VS Code server (own process group), runs the mocha suite in its extension host
// through Chromium, and stops the server's whole process group (also on failure or Ctrl-C).
// Env: PORT (default 8082), TEST_TIMEOUT_MS (whole suite, default 900000), VSCODE_TEST_GREP (mocha grep),
//      VSCODE_TEST_VERBOSE=1 (keep the workbench's own log lines), TS_EXTENSION_DIR (run the suite
//      against an unpacked .vsix instead of this checkout: scripts/test-vsix.mjs).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildExtension, buildSuite, ensureTools, makeWorkspace, onExit, reportResult, root, stamper, startServer, suiteEnv, tools } from './lib/vscode-server.mjs';

const stamp = stamper('test:vscode');
try {
  ensureTools({ log: stamp });
} catch (e) {
  console.error(`test:vscode: ${e.message}`);
  process.exit(1);
}
stamp('tools ready');
const extensionDir = process.env.TS_EXTENSION_DIR ? path.resolve(process.env.TS_EXTENSION_DIR) : root;
let suite;
try {
  if (extensionDir === root) buildExtension();
  suite = await buildSuite();
} catch (e) {
  console.error(`test:vscode: the build failed: ${e.message.split('\n')[0]}`);
  process.exit(1);
}
stamp(`${extensionDir === root ? 'built the extension' : `extension from ${extensionDir}`} and ${suite.tests.length} test file(s)${process.env.VSCODE_TEST_GREP ? ` (grep: ${process.env.VSCODE_TEST_GREP})` : ''}`);

const workspace = makeWorkspace();
const resultFile = path.join(root, 'out', 'vscode-result.json');
fs.rmSync(resultFile, { force: true });

let server;
let driver;
let code = 1;
const cleanup = onExit((signal) => {
  driver?.kill('SIGTERM'); // playwright closes its Chromium on SIGTERM
  const keep = code !== 0 && !signal; // keep the evidence of a failure, not of an interruption
  server?.stop({ keep });
  if (!keep) fs.rmSync(workspace, { recursive: true, force: true });
});
try {
  server = await startServer({ env: { ...suiteEnv({ resultFile, workspace }), TS_EXTENSION_DIR: extensionDir } });
  stamp(`VS Code server up at ${server.url}; workspace ${workspace}`);
  const tRun = Date.now();
  code = await new Promise((resolve) => {
    driver = spawn(process.execPath, [path.join(tools, 'driver', 'run-tests.js'), extensionDir, suite.index, workspace], {
      stdio: 'inherit',
      env: { ...process.env, CS_URL: server.url, TEST_TIMEOUT_MS: process.env.TEST_TIMEOUT_MS ?? '900000', SHOT: path.join(root, 'test-output', 'vscode-final.png') },
    });
    driver.on('exit', (c) => resolve(c ?? 1));
  });
  stamp(`suite ran in ${((Date.now() - tRun) / 1000).toFixed(1)}s`);
} catch (e) {
  console.error(`test:vscode: ${e.message}`);
  code = 1;
}
const result = reportResult(resultFile, stamp);
if (code !== 0) {
  if (result?.failed === 0) stamp('the runner failed although no test did (see above)');
  if (server) stamp(`server log kept: ${server.logFile}; workspace kept: ${workspace}; last screenshot: test-output/vscode-final.png`);
}
cleanup();
process.exit(code);
