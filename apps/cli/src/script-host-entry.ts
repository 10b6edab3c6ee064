import { serveIsolatedHost } from '@llmspell/runtime/isolation/host';
import { BUNDLED_HOST_ENTRY, setup } from './script-host.js';
import { markProcessStart, startMark } from './start-marks.js';

/**
 * The entry of the CLI's script host as the build bundles it (dist/host/script-host.mjs):
 * the setup is built in, so the host loads no setup module. (LLMSPELL_HOST_BUNDLE=0 starts
 * the runtime's own entry instead, which imports the setup module dist/script-host.js.)
 */
markProcessStart('host');
startMark('host: entry loaded');
process.on('exit', () => startMark('host: exit'));
(globalThis as Record<symbol, unknown>)[BUNDLED_HOST_ENTRY] = true;
serveIsolatedHost({ setup });
