// Flat config: typescript-eslint's type-checked recommended rules plus the project's own guard against
// user-facing literals (those belong in locales/; see test/unit/locales.test.ts).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'migrations/**', 'coverage/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  { files: ['**/*.js', '**/*.mjs', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  // typescript-eslint's base config makes every file an ES module; .cjs files are CommonJS (module, require).
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
  // Tests read untyped data on purpose (postgres.js rows, JSON.parse, recorded Bot API params, expect.any()); src/ and bench/ keep these.
  {
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  // The sandbox page's scripts run in the browser (src/sandbox/web/, plain ES modules).
  {
    files: ['src/sandbox/web/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'navigator',
          'localStorage',
          'location',
          'fetch',
          'EventSource',
          'FormData',
          'DOMParser',
          'Node',
          'URLSearchParams',
          'Intl',
          'confirm',
          'prompt',
          'setTimeout',
          'clearTimeout',
          'console',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  { files: ['bench/**', 'test/**', 'src/db/seed.ts', 'src/db/migrate.ts', 'src/ops-cli.ts'], rules: { 'no-console': 'off' } },
);
