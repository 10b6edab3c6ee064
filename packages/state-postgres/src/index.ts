export { PostgresStateStore, PostgresStateStoreOptionsSchema, createStateStore } from './postgres-state-store.js';
export type { PostgresStateStoreOptions, PostgresStoreConfig } from './postgres-state-store.js';
export { describePostgresUrl } from './postgres-errors.js';
export { SCHEMA_VERSION } from './postgres-migrations.js';
