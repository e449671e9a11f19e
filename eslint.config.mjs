// @ts-check
/**
 * ESLint: typescript-eslint's type-aware recommended rules, and the layers of the README's "How it
 * is built" as errors. `services/` decides and acts, so it never reaches up into `bot/` (routing) or
 * `cards/` (rendering); production code (`bot/`, `cards/`, `services/`) never imports the simulated
 * directory, which only `scripts/`, the tests and the benchmarks wire in. The tab (`tab/`) is browser
 * code that reaches the server through its HTTP API only, so it imports none of the server's folders.
 * test/lint/boundaries.test.ts proves the boundary rules on the files in test/lint/fixtures/.
 */
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** A top-level folder that a layer must not import, with the reason ESLint prints. */
const forbidden = (folder, why) => ({ group: [`**/${folder}`, `**/${folder}/**`], message: why });

const BOT = forbidden('bot', 'services/ must not import bot/: rules do not know how they are reached; give services an interface that bot/ implements.');
const CARDS = forbidden('cards', 'services/ must not import cards/: services return models, and bot/ renders them with cards/.');
const SIMULATOR = forbidden('simulator', 'production code must not import simulator/: only scripts/, tests and benchmarks wire the simulated directory in.');
const SERVER_CODE = ['bot', 'cards', 'services', 'simulator', 'scripts'].map((folder) =>
  forbidden(
    folder,
    `tab/ must not import ${folder}/: the tab is browser code that reaches the server through /tab/api, and esbuild would bundle what it imports into the page.`,
  ),
);

export default defineConfig(
  { ignores: ['dist/', 'build/', 'coverage/', 'data/', '.local/', 'test/lint/fixtures/'] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Methods that fulfil an async contract synchronously (SqliteStore behind Store, fakes in tests)
      // stay async on purpose: a throw then reaches the caller as a rejection, as it would from PostgreSQL.
      '@typescript-eslint/require-await': 'off',
      // botbuilder types activity.type as a string and ActivityTypes as a string enum; comparing the two is its idiom.
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      // A leading underscore marks a parameter kept for its place (test.each titles, callbacks),
      // and a rest sibling is how an object is copied without some of its properties.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // jest's asymmetric matchers (expect.any, expect.stringContaining) are typed `any` by @types/jest.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    // Configuration and the pre-build step are plain JavaScript outside the TypeScript project.
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['services/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [BOT, CARDS, SIMULATOR] }] },
  },
  {
    files: ['bot/**/*.ts', 'cards/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [SIMULATOR] }] },
  },
  {
    // The tab runs in the browser, under tab/tsconfig.json (the DOM, not Node), which the project
    // service finds as the nearest configuration of each of its files.
    files: ['tab/**/*.ts'],
    languageOptions: { globals: globals.browser },
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: SERVER_CODE }] },
  },
);
