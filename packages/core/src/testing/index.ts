export { json, startServer } from './loopback-server.js';
export type { TestServer } from './loopback-server.js';
export { SECRET_BEARING_ENV, hasProgram, isProcessDead, waitForProcessExit } from './processes.js';
export { freePort } from './free-port.js';
export { findPgBin, postgresSkipReason, startPostgres } from './postgres-cluster.js';
export type { PgCluster, StartPostgresOptions } from './postgres-cluster.js';
export { redisSkipReason, startRedis } from './redis-server.js';
export type { RedisServer, StartRedisOptions } from './redis-server.js';
