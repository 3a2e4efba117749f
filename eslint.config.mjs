// typescript-eslint's recommended rules, type-aware, over everything tsc checks.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.venv/', '.cache/', 'build/', 'test-artifacts/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // tfjs ops return Tensor<Rank>, and naming the rank with `as tf.Tensor2D` is tfjs's own
      // idiom; this rule would rewrite each into type arguments.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // node:test's test() and describe() return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
    },
  },
  {
    // A function a reader can hold in mind: past about 60 lines one usually does several jobs.
    files: ['lib/**/*.ts', 'tracer/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }] },
  },
  { files: ['**/*.mjs'], extends: [tseslint.configs.disableTypeChecked] },
  {
    // page.evaluate() callbacks run in the browser, and the DOM's types are not part of this
    // Node project (adding them would let lib/ use browser globals unnoticed).
    files: ['test/integration/e2e/**'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
