import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // TypeScript checks names; for the plain .js/.mjs files (Node scripts, the dashboard's
      // browser script) the runtime globals differ per file, so ESLint's guess would only mislead.
      'no-undef': 'off',
      'no-console': 'off',
    },
  },
);
