// ESLint flat config: typescript-eslint (type-aware, so floating promises are caught) for
// the Node and renderer code, eslint-plugin-vue for the components, Prettier for layout.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import prettier from 'eslint-config-prettier'
import globals from 'globals'

export default tseslint.config(
  { ignores: ['out/**', 'native/**', 'node_modules/**', 'artifacts/**', 'coverage/**', 'engine/workloads/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.ts', '**/*.mts', '**/*.vue'],
    languageOptions: {
      parserOptions: {
        parser: tseslint.parser,
        projectService: true,
        extraFileExtensions: ['.vue'],
        tsconfigRootDir: import.meta.dirname
      }
    },
    rules: {
      // The checks a reviewer would otherwise have to catch by eye.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // The engine's generators yield control without a value (CHECKPOINT) by design.
      'require-yield': 'off',
      // TypeScript itself reports undefined names, with the right globals per tsconfig.
      'no-undef': 'off'
    }
  },
  {
    // Test doubles and browser-side callbacks in tests handle untyped objects on purpose.
    files: ['**/*.test.ts', 'e2e/**', '**/testing/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' }
  },
  {
    files: ['**/*.vue'],
    rules: {
      // Views keep one root per file but short names (Runs, Compare) are the app's own vocabulary.
      'vue/multi-word-component-names': 'off'
    }
  },
  {
    files: ['**/*.mjs', '**/*.cjs', 'scripts/**', 'bin/**'],
    languageOptions: { globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  },
  prettier
)
