export { json, startServer } from './loopback-server.js';
export type { TestServer } from './loopback-server.js';
