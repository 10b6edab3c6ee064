/**
 * `@llmspell/runtime/isolation/host`: what a script host entry needs. A bundled entry calls
 * `serveIsolatedHost({ setup })` with its setup compiled in (see IsolatedSessionOptions.hostEntry).
 */
export { serveIsolatedHost } from './host-loop.js';
export type { ServeIsolatedHostOptions } from './host-loop.js';
export type { IsolatedSetup, IsolatedSetupContext, IsolatedSetupFunction } from './isolated-setup.js';
