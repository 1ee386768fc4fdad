// Type-aware lint for every workspace. In queue code a forgotten promise is a lost
// job, so floating and misused promises are errors, not warnings.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const PUBLIC_SURFACE = {
  group: ['@logcluster/*/src/*', '@logcluster/*/dist/*'],
  message: 'Import a package by its name; its exports map is its public surface.',
};

/** The folders of packages/core/src, lowest first: each imports only those before it (docs/architecture.md). */
const CORE_LAYERS = [
  'contract',
  'matching',
  'chunking',
  'insight',
  'records',
  'joins',
  'redis',
  'chunk-bytes',
  'metrics',
  'runs',
  'dead-letter',
  'config',
];

/** Refuses imports of `folders` of core, written from where `prefix` (`../`, `./`) reaches them. */
function refused(folders, prefix) {
  if (folders.length === 0) return [];
  const message = `A folder of core imports only the folders below it: ${CORE_LAYERS.join(' < ')}.`;
  return [{ group: folders.map((folder) => `${prefix}${folder}/*`), message }];
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', 'bench-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [PUBLIC_SURFACE] }],
    },
  },
  // The layers of core: a folder imports no folder above it; the files at the top of src
  // (errors, units, char codes…) import none, but index.ts and counting.ts, which export
  // them all. Cycles between files are madge's to find, in each package's lint.
  ...CORE_LAYERS.map((folder, i) => ({
    files: [`packages/core/src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: [PUBLIC_SURFACE, ...refused(CORE_LAYERS.slice(i + 1), '../')] }],
    },
  })),
  {
    files: ['packages/core/src/*.ts'],
    ignores: ['packages/core/src/index.ts', 'packages/core/src/counting.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [PUBLIC_SURFACE, ...refused(CORE_LAYERS, './')] }] },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
);
