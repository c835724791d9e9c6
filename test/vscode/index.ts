// The mocha entry the extension host loads (extensionTestsPath): runs every *.vscode.test.js beside it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, reporter: 'spec', grep: process.env.TS_VSCODE_GREP || undefined });
  for (const f of fs.readdirSync(__dirname).filter((f) => f.endsWith('.vscode.test.js')).sort()) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    const failures: string[] = [];
    const runner = mocha.run((failed) => {
      const passed = runner.stats ? runner.stats.passes : 0;
      console.log(`MOCHA-RESULT: ${passed} passed, ${failed} failed`);
      if (process.env.TS_VSCODE_RESULT) fs.writeFileSync(process.env.TS_VSCODE_RESULT, JSON.stringify({ passed, failed, failures }, null, 2));
      if (failed) reject(new Error(`${failed} test(s) failed`));
      else resolve();
    });
    runner.on('fail', (test, err: Error) => failures.push(`${test.fullTitle()}: ${err.message}`));
  });
}
