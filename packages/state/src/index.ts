export { StateManager } from './state-manager.js';
export type { StateCallOptions, StateManagerOptions } from './state-manager.js';
export { createStateManager, resolveBackupDir } from './manager-from-config.js';
export type { ManagerFromConfigOptions, StatePersistenceSettings } from './manager-from-config.js';
export { defaultDataDir, openStateStore, resolveBackend } from './open-state-store.js';
export type { Env, OpenStateStoreOptions, StoreConfig } from './open-state-store.js';
export { STATE_NAMESPACE, parseScope, splitPhysicalKey } from './scope.js';
export type { ScopeKind, StateScope } from './scope.js';
export { MAX_KEY_BYTES, MAX_PHYSICAL_KEY_BYTES, validateKey } from './validate-key.js';
export { applySecretPolicy, checkStorable, decodeValue, encodeValue } from './value-codec.js';
export type { SecretValuePolicy } from './value-codec.js';
export { SCHEMA_VERSION_KEY } from './internal-keys.js';
export { MigrationEngine } from './migration/migration-engine.js';
export type {
  FieldSchema, MigrateOptions, MigrationDefinition, MigrationResult, MigrationStatus, StateSchema, ValidationLevel,
} from './migration/migration-engine.js';
export { CONVERTERS, MERGERS, compileMigrationSteps } from './migration/migration-steps.js';
export type { Converter, CustomTransform, ItemInfo, Merger, MigrationStep } from './migration/migration-steps.js';
export type { ValidationRule, ValueType } from './migration/validation-rules.js';
export { compareVersions, normalizeVersion } from './migration/semver.js';
export { BackupManager } from './backup/backup-manager.js';
export type {
  BackupManagerOptions, CreateBackupOptions, CreateBackupResult, RestoreOptions, RestoreResult, RetentionReport, StorageUsage, ValidationReport,
} from './backup/backup-manager.js';
export type { BackupMetadata, BackupType } from './backup/backup-format.js';
export { decideRetention } from './backup/retention.js';
export type { RetentionDecision, RetentionLimits, RetentionPriority } from './backup/retention.js';
