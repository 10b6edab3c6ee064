export { parseHookPoint, isHookPointName, hookPointCategory, UNFIRED_HOOK_POINTS } from './hook-points.js';
export { Priority, parsePriority, priorityName } from './priority.js';
export {
  normalizeHookResult, describeHookResult, defaultCacheKey,
  DEFAULT_CACHE_TTL_MS, DEFAULT_RETRY_DELAY_MS, DEFAULT_RETRY_MAX_ATTEMPTS,
} from './hook-result.js';
export { CircuitBreaker, DEFAULT_BREAKER_CONFIG } from './circuit-breaker.js';
export type { BreakerConfig, BreakerSnapshot, BreakerState } from './circuit-breaker.js';
export { HookRegistry } from './hook-registry.js';
export type { HookFilter, HookHandler, HookInfo, HookRegistration, HookStats, RegisteredHook } from './hook-registry.js';
export { HookExecutor, DEFAULT_EXECUTOR_CONFIG, applyModification, assertHookCallLive } from './hook-executor.js';
export type { HookExecutorConfig, HookExecutorOptions, PointStats } from './hook-executor.js';
export { BuiltinHooks, BUILTIN_FACTORIES, builtinHookName } from './builtin/builtin-hooks.js';
export type { BuiltinInfo, EnableOptions } from './builtin/builtin-hooks.js';
export type { BuiltinDeps, BuiltinFactory, BuiltinHook, BuiltinRegistration } from './builtin/builtin-hook.js';
export { DURATION_BUCKETS_MS } from './builtin/metrics-hook.js';
export { DEFAULT_PRICING_PER_1K, extractUsage } from './builtin/cost-tracking-hook.js';
export { DEFAULT_RETRYABLE_PATTERNS } from './builtin/retry-hook.js';
export { compileEventPattern } from './events/event-pattern.js';
export type { EventMatcher } from './events/event-pattern.js';
export { EventBus, DEFAULT_EVENT_BUS_CONFIG } from './events/event-bus.js';
export type { EventBusConfig, EventBusOptions, EventBusStats, SubscribeOptions } from './events/event-bus.js';
export { Subscription, OverflowStrategies, parseOverflowStrategy } from './events/subscription.js';
export type { DeliveryOutcome, FlowNotification, OverflowStrategy, SubscriptionInfo, SubscriptionStats } from './events/subscription.js';
export { EventStore, eventKey } from './events/event-store.js';
export type { EventPersistenceConfig, PersistedQuery } from './events/event-store.js';
export { EVENT_LANGUAGES, isExpired, newEventId, normalizeEventLanguage } from './events/universal-event.js';
export type { EventMetadata, UniversalEvent } from './events/universal-event.js';
export { BoundedQueue } from './events/bounded-queue.js';
export { HooksConfigSchema, EventsConfigSchema, hooksSettingsFromConfig, eventBusConfigFromConfig } from './config.js';
export type { HooksSettings } from './config.js';
export { scriptHookHandler, toScriptContext, toScriptData } from './script-hook.js';
export { ResourceMonitor, DEFAULT_MONITOR_CONFIG } from './resource-monitor.js';
export type { ResourceMonitorConfig, ResourceSample } from './resource-monitor.js';
