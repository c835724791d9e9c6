/**
 * The architecture's import rules (docs/ARCHITECTURE.md), checked by `npm run lint` and a unit test:
 * no import circles; core imports no other layer; the extension host never reaches the engine or
 * the worker process (only the worker client); webviews depend on core alone; engines stay apart.
 */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'import circles make load order and ownership unclear', from: { path: '^(src|webview)/' }, to: { circular: true } },
    { name: 'core-is-the-bottom', severity: 'error', comment: 'src/core depends on nothing else of ours', from: { path: '^src/core/' }, to: { path: '^(src/(engine|worker|cli|extension)|webview)/' } },
    { name: 'core-has-no-vscode-or-tfjs', severity: 'error', from: { path: '^src/core/' }, to: { path: '(^|/)node_modules/(@tensorflow|sharp|h5wasm)|^vscode$' } },
    { name: 'extension-never-loads-the-engine', severity: 'error', comment: 'the extension host never imports TF.js or the engine: heavy work runs in the worker process', from: { path: '^src/extension/' }, to: { path: '^(src/(engine|cli)/|webview/)|(^|/)node_modules/(@tensorflow|sharp|h5wasm)' } },
    { name: 'extension-talks-to-the-worker-through-its-client', severity: 'error', from: { path: '^src/extension/' }, to: { path: '^src/worker/', pathNot: '^src/worker/client\\.ts$' } },
    { name: 'worker-client-imports-only-core', severity: 'error', from: { path: '^src/worker/client\\.ts$' }, to: { path: '^src/(engine|cli|extension)/' } },
    { name: 'webviews-depend-on-core-only', severity: 'error', from: { path: '^webview/' }, to: { path: '^src/(engine|worker|cli|extension)/' } },
    { name: 'nothing-imports-the-webviews', severity: 'error', from: { path: '^src/' }, to: { path: '^webview/' } },
    { name: 'engines-stay-apart', severity: 'error', comment: 'the PyTorch engine reuses the TF.js engine only through its public modules, never the other way round', from: { path: '^src/engine/tfjs/' }, to: { path: '^src/engine/pytorch/' } },
    { name: 'cli-and-extension-are-separate', severity: 'error', from: { path: '^src/cli/' }, to: { path: '^src/extension/' } },
    { name: 'worker-does-not-import-the-cli-or-extension', severity: 'error', from: { path: '^src/worker/' }, to: { path: '^src/(cli|extension)/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^(test|bench|scripts|dist)/' },
  },
};
