// Lint: typescript-eslint's recommended rules, plus the project's boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.ci/tools/**', 'scratch/**', 'test/fixtures/**', 'examples/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', require: 'readonly', module: 'readonly', __dirname: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', fetch: 'readonly', AbortSignal: 'readonly', performance: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly', setImmediate: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // The extension host never imports TF.js or the engine: heavy work runs in the worker process.
    files: ['src/extension/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@tensorflow/*', 'sharp', 'h5wasm', 'h5wasm/*', '**/engine/**'], message: 'the extension host never imports TF.js or the engine; go through the worker' }] }],
    },
  },
  {
    // Core logic has no VS Code and no TF.js.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['vscode', '@tensorflow/*', '**/engine/**', '**/extension/**'], message: 'src/core has no VS Code and no TF.js import' }] }],
    },
  },
  {
    files: ['webview/**/*.ts'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', HTMLElement: 'readonly', customElements: 'readonly', requestAnimationFrame: 'readonly', ResizeObserver: 'readonly' } },
  },
  {
    files: ['**/*.mjs', 'scripts/**', 'bench/**'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
