import { serveIsolatedHost } from '@llmspell/runtime/isolation/host';
import { setup } from './script-host.js';
import { markProcessStart, startMark } from './start-marks.js';

/**
 * The entry of the CLI's script host as the build bundles it (dist/host/script-host.js):
 * the setup is built in, so the host loads one file instead of the module graph.
 */
markProcessStart('host');
startMark('host: entry loaded');
process.on('exit', () => startMark('host: exit'));
serveIsolatedHost({ setup });
