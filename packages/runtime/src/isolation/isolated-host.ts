import { serveIsolatedHost } from './host-loop.js';

/** The plain host entry: its setup is the module the supervisor names in the setup message. */
serveIsolatedHost();
