// Lint for every layer: typescript-eslint's recommended rules, Vue's for the renderer, and the
// layering rules from STYLE.md (shared/ and renderer/ never reach into Node or main/; only
// main/store imports better-sqlite3).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-output/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  {
    files: ['renderer/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', '**/main/**', 'electron', 'better-sqlite3'] }],
    },
  },
  {
    // The store owns the database (docs/database.md): everything else receives a Store.
    files: ['main/**/*.ts', 'bench/**/*.ts'],
    ignores: ['main/store/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'better-sqlite3', message: 'only main/store opens the database: take a Store (main/store/store.ts) instead' }] }],
    },
  },
  {
    // The command line writes through main/cli/output.ts, which escapes control characters once.
    files: ['main/cli/**/*.ts'],
    ignores: ['main/cli/output.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[property.name='write'][object.property.name=/^(stdout|stderr)$/]", message: 'write through main/cli/output.ts (say, warn, drawProgress, writeData)' },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', '**/main/**', '**/renderer/**', 'electron', 'better-sqlite3'] }],
    },
  },
);
