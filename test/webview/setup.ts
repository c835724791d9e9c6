// Root hook of the webview suite: the panels run in Debian's Chromium, installed here when a
// fresh machine lacks it (root or passwordless sudo), else the suite stops with the one command to run.
import * as path from 'node:path';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(600000);
    const { ensureSystemPackages } = (await import(path.join(__dirname, '..', '..', 'scripts', 'lib', 'system.mjs'))) as { ensureSystemPackages(o: { which: string[]; log(m: string): void }): string[] };
    ensureSystemPackages({ which: ['chromium'], log: (m) => console.log(`[webview tests] ${m}`) });
  },
};
