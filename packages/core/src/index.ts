export { ErrorCodes, LlmspellError, MAX_ERROR_DETAIL_LENGTH, isLlmspellError, toLlmspellError, truncateMiddle } from './errors.js';
export type { ErrorCode, LlmspellErrorOptions } from './errors.js';
export {
  ASYNC_ITERATOR_KEY, HANDLE_KEY, HOST_ASYNC, HOST_METHOD, INDEX_FALLBACK, SCRIPT_CALLBACK, getIndexFallback, hostAsync, hostMethod, isHostAsync, isHostMethod, isPlainObject,
  isScriptAsyncIterator, isScriptCallback, isScriptError, isScriptSnapshot, markScriptError, markScriptSnapshot, scriptSnapshotFields, withIndexFallback,
} from './script-values.js';
export type { HostFunction, ScriptAsyncIterator, ScriptCallback, ScriptErrorFields, ScriptObject, ScriptValue } from './script-values.js';
export { createLogger, shouldLog, silentLogger } from './logger.js';
export type { LogLevel, Logger } from './logger.js';
export { SecurityLevels, securityLevelRank } from './security/security-levels.js';
export type { SecurityLevel } from './security/security-levels.js';
export { classifyPrivateAddress, isLocalHostname, isPrivateAddress } from './security/network.js';
export {
  REDACTED, REDACTOR_REMEMBERED_TEXT_LENGTH, SecretRedactor, looksLikeHighEntropySecret, looksLikeSecretEnvName, looksLikeSecretEnvVar, looksLikeSecretName, looksLikeSecretValue,
  urlCredentials,
} from './security/secrets.js';
export {
  MAX_SCRIPT_REGEX_LENGTH, MAX_SCRIPT_REGEX_PROGRAM, ScriptRegex, compileScriptRegex, escapeScriptRegex,
} from './security/script-regex.js';
export type { ScriptRegexMatch, ScriptRegexOptions } from './security/script-regex.js';
export { compileGlob, globToRegexSource } from './glob.js';
export type { GlobMatcher, GlobOptions } from './glob.js';
export { DEFAULT_ALLOWED_EXECUTABLES, SecurityPolicy } from './security/security-policy.js';
export type { ResolvedHost, SecurityPolicyOptions } from './security/security-policy.js';
export { FileAccess, isEnvFileName, isInside, readCapped } from './security/file-access.js';
export type { FileAccessOptions, LocateOptions, LocatedEntry } from './security/file-access.js';
export { VerifiedDirectory, handleReadStream, handleWriteStream, hasDescriptorPaths, tempName } from './security/verified-directory.js';
export type { FileOpenMode, VerifiedFile } from './security/verified-directory.js';
export { linkStaysInside } from './security/link-target.js';
export { CONTINUE, ErrorHookPoints, HookPoints, isErrorHookPoint, isWholeRecord, modifiedField } from './hooks-contract.js';
export type {
  BuiltinHookPoint, ComponentCallTrace, ComponentKind, EventSink, HookComponentId, HookContext, HookExecutor, HookPoint, HookResult, PublishOptions,
} from './hooks-contract.js';
export { ToolCategories } from './component.js';
export type {
  Component, ComponentLookup, ExecutionContext, MediaItem, StateAccess, Tool, ToolCategory, ToolDefinition, ToolExample, ToolOutput,
  ToolParameters, ToolResult,
} from './component.js';
export { defineTool, isTool, toToolResult } from './tool.js';
export { defineLazyTool, loadToolCode, toolManifestEntry, type ToolManifestEntry } from './lazy-tool.js';
export { describeParameters, outputJsonSchema, parametersJsonSchema } from './describe-parameters.js';
export { aliasOf, emptyTableAsList, missingParameter, normaliseOperation, paramError, urlParameters } from './operation-parameters.js';
export type { JsonSchema, ParameterDescription } from './describe-parameters.js';
export { createExecutionContext, deriveContext } from './execution-context.js';
export type { ExecutionContextInit } from './execution-context.js';
export { ComponentRegistry } from './registry.js';
export { closestMatch, didYouMean, editDistance } from './suggest.js';
export { OPTIONAL_TOOL_PACKAGES, optionalToolHint, optionalToolPackage } from './optional-tools.js';
export { checkParameterKeys, declaredKeys, unwrapSchema } from './parameter-keys.js';
export type { DeclaredKeys } from './parameter-keys.js';
export { executeComponent, executeComponentNow, newCorrelationId } from './execution/execute-component.js';
export { isPromiseLike, runMaybeSync, type MaybePromise } from './execution/maybe-sync.js';
export { RUN_NOW } from './component.js';
export { MAX_TIMER_MS, abortableDelay, timerDelay } from './abortable-delay.js';
export { MAX_JSON_DEPTH, jsonTooDeepAt } from './json-depth.js';
export { stableJson } from './stable-json.js';
export { ownEntry } from './own-entry.js';
export type { ExecuteOptions } from './execution/execute-component.js';
export { checkStoreKey, checkStoreValue } from './state-store.js';
export type { StateBatchOperation, StateStore } from './state-store.js';
export { prefixUpperBound } from './prefix-upper-bound.js';
export { DEFAULT_SCRIPT_LIMITS } from './script-engine.js';
export type {
  ScriptContext, ScriptContextOptions, ScriptEngine, ScriptLimits, ScriptOutput, ScriptRunOptions, ScriptSyntaxProblem,
} from './script-engine.js';
export { z } from 'zod';
export { decodeHttpBody, guardedFetch, guardedRequest, isCredentialHeader, redactStrings, redactUrl, stringHeaders } from './security/guarded-http.js';
export type { GuardedFetchOptions, GuardedRequestOptions, GuardedResponse } from './security/guarded-http.js';
export { MCP_CONNECTOR_SERVICE } from './mcp-connector.js';
export type {
  McpCallResult, McpConnector, McpElicitation, McpRequestOptions, McpSamplingRequest, McpSamplingResult, McpSession, McpTarget,
} from './mcp-connector.js';
