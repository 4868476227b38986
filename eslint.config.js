// Flat config: typescript-eslint's recommended rules plus the project's own guard against
// user-facing literals (those belong in locales/; see test/unit/locales.test.ts).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'migrations/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  { files: ['bench/**', 'test/**', 'src/db/seed.ts', 'src/db/migrate.ts', 'src/ops-cli.ts'], rules: { 'no-console': 'off' } },
);
