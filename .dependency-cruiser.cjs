// Import-cycle check run by every package's `lint` script (`depcruise src -c ../../.dependency-cruiser.cjs`).
// `tsPreCompilationDeps` keeps `import type` edges: a type-only cycle still ties the files together
// for a reader and for the compiler, so the package graph must flow one way for types too.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Files of a package import one another one way only (value or type imports).',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['node_modules', '(^|/)dist/'] },
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
