import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', 'coverage/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { project: ['./tsconfig.tests.json', './packages/*/tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Import direction: the protocol imports nothing of ours; the domain knows no transport.
    files: ['packages/protocol/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@parta/*'], message: 'protocol imports nothing of ours' }] }],
    },
  },
  {
    files: ['packages/server/src/domain/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/transport/**', 'fastify', 'ws'],
              message: 'domain code knows no HTTP or WebSocket: move this to transport/',
            },
            { group: ['kysely', 'pg', 'better-sqlite3'], message: 'domain code holds no SQL: move this to storage/' },
          ],
        },
      ],
    },
  },
  {
    // Storage holds queries over the schema; what it shares with the domain lives below both, in model/.
    files: ['packages/server/src/storage/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/domain/**'],
              message: 'storage knows no domain: move what both need to packages/server/src/model/',
            },
            { group: ['**/transport/**', 'fastify', 'ws'], message: 'storage knows no HTTP or WebSocket' },
          ],
        },
      ],
    },
  },
  {
    // model/ holds the plain types and functions both domain and storage use; it depends on neither.
    files: ['packages/server/src/model/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/domain/**', '**/storage/**', '**/transport/**'],
              message: 'model/ sits below domain, storage and transport: it imports none of them',
            },
            { group: ['kysely', 'pg', 'better-sqlite3', 'fastify', 'ws'], message: 'model/ holds plain types and functions' },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/sdk/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@parta/server', '@parta/testkit', 'node:*'], message: 'the SDK runs in browsers: only the protocol' },
          ],
        },
      ],
    },
  },
  {
    // The web client runs in browsers and talks to the server only through the SDK.
    files: ['packages/web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@parta/server', '@parta/testkit', 'node:*'],
              message: 'the web client talks to the server only through @parta/sdk',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
