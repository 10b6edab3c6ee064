// Type-aware lint for every TypeScript package (each package's `lint` runs `eslint src`; import
// cycles are checked by dependency-cruiser, see .dependency-cruiser.cjs). The rules chosen catch
// bugs, not style: promises nobody awaits, promises passed where a callback's result is ignored,
// conditions the types say are always true or false, switches that miss a case, dead bindings.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/__fixtures__/**', '**/*.d.ts'] },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.cts'],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // TODO(issue 16): 'error' once the ~290 findings (boundary checks typed too narrowly, map lookups) are fixed.
      '@typescript-eslint/no-unnecessary-condition': 'warn',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrors: 'none',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    // The trace viewer's browser app is typed by its own tsconfig (DOM, JSX), which no
    // tsconfig.json names: point the type-aware rules at it.
    files: ['packages/trace-viewer/src/app/**'],
    languageOptions: {
      parserOptions: {
        projectService: false,
        project: './packages/trace-viewer/tsconfig.app.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
);
