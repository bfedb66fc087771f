// ESLint's flat config must sit at the project root for editors and `eslint .` to find it.
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

/*
 * The rooms of the house and which may import which (README "Development"): each room may import
 * the rooms listed after it, never one listed before it or beside it on the same line.
 *   cli → local → operate | bridge | worker → shared → activities → workflows
 * `local` (dev) composes a bridge, a worker and the dashboard; operate, bridge and worker are
 * peers that share only what is in `shared`.
 */
const ROOMS = [['cli'], ['local'], ['operate', 'bridge', 'worker'], ['shared'], ['activities'], ['workflows']];

/** One zone per room: what it may not import (every room above it, and its peers). */
function layerZones() {
  return ROOMS.flatMap((tier, i) =>
    tier.map((room) => {
      const above = ROOMS.slice(0, i).flat();
      const peers = tier.filter((other) => other !== room);
      return {
        target: `./${room}`,
        from: [...above, ...peers].map((other) => `./${other}`),
        message: `${room}/ may import only the rooms below it (cli → local → operate | bridge | worker → shared → activities → workflows): move what both need into shared/`,
      };
    }),
  ).filter((zone) => zone.from.length > 0);
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.data/**',
      'coverage/**',
      'eslint.config.mjs',
      'test/fixtures/consumer/**',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    // The import rules below need imports resolved to files; our sources are .ts, imported without an extension.
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.mjs', '.json'] })] },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layerZones() }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['scripts/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['scripts/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Workflows run in Temporal's deterministic sandbox: no Node builtins, no I/O modules, and
    // only types from activities (the worker hosts the real functions).
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                'fs',
                'path',
                'os',
                'net',
                'http',
                'https',
                'child_process',
                'crypto',
                'worker_threads',
              ],
              message: 'Workflows run in a deterministic sandbox: no Node builtins.',
            },
            {
              group: ['@nats-io/*', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'],
              message: 'Workflows may not do I/O; call an activity.',
            },
          ],
        },
      ],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/activities', '**/activities/**'],
              allowTypeImports: true,
              message: 'Workflows import only types from activities.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
