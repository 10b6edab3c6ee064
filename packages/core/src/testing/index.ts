export { json, startServer } from './loopback-server.js';
export type { TestServer } from './loopback-server.js';
export { SECRET_BEARING_ENV, hasProgram, isProcessDead, waitForProcessExit } from './processes.js';
