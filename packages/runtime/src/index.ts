export { LlmspellRuntime } from './runtime.js';
export type { RunScriptOptions, RuntimeOptions } from './runtime.js';
export type { GlobalFactory, GlobalScope, RuntimeFeature, RuntimeHost, ScriptArgs, ScriptRunInfo } from './global-scope.js';
export { HandleTable } from './handles.js';
export { invokeTool } from './globals/tool.js';
export {
  LlmspellConfigSchema, ProviderConfigSchema, defaultConfig, normalizeProviders,
} from './config/config-schema.js';
export type { LlmspellConfig, McpSectionConfig, McpServerConfig, ProviderConfig, SecurityConfig, StatePersistenceConfig } from './config/config-schema.js';
export { policyFromConfig, protectedConfigFiles, protectedStatePaths, scriptLimitsFromConfig } from './config/derive.js';
export { applyStateLocation, findProjectDir, PROJECT_STATE_DIR, stateLocation } from './config/state-location.js';
export type { StateLocation } from './config/state-location.js';
export type { PolicyFromConfigOptions } from './config/derive.js';
export { applyEnvOverrides, configSearchPaths, findKeyLine, loadConfig, validateConfig } from './config/load-config.js';
export type { LoadConfigOptions, LoadedConfig } from './config/load-config.js';
export { findUnknownKeys } from './config/unknown-keys.js';
export type { SectionSchemas, UnknownKey } from './config/unknown-keys.js';
export { generateTypes, luaType } from './api/generate-types.js';
export { formatSchemaType, schemaToLua, schemaToTs } from './api/schema-types.js';
export type { JsonSchema } from './api/schema-types.js';
export type { GeneratedTypes } from './api/generate-types.js';
export { describeGlobals, parameterNames } from './api/describe-globals.js';
export { API_DOCS, API_TYPES } from './api/api-docs.js';
export { SCRIPT_PRELUDES } from './preludes/index.js';
export { builtinFeatures } from './features/index.js';
export { createMcpGlobal } from './mcp/mcp-global.js';
export { createMcpSampler } from './mcp/mcp-sampling.js';
export { mcpFeature } from './mcp/mcp-feature.js';
// also at `@llmspell/runtime/isolation`, which loads only this (a supervisor starts fast)
export { DEFAULT_GRACE_MS, HOST_BASE_HEAP_MB, HOST_HEAP_PER_SCRIPT_BYTE, IsolatedSession, exitProcessNow, hostHeapMb, runIsolatedScript, stuckHostCount } from './isolation/index.js';
export type {
  HostEndDetails, IsolatedRunOptions, IsolatedSessionOptions, IsolatedSetup, IsolatedSetupContext, IsolatedSetupFunction, IsolationKind,
  IsolationLimits, RunIsolatedScriptOptions,
} from './isolation/index.js';
