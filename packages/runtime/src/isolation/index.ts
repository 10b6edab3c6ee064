/**
 * `@llmspell/runtime/isolation`: run scripts in a child process or worker thread that a
 * watchdog on this side kills at the time limit. Light on purpose (Node built-ins and the
 * core error type only), so a supervisor starts fast.
 */
export { runIsolatedScript } from './run-isolated-script.js';
export type { RunIsolatedScriptOptions } from './run-isolated-script.js';
export { DEFAULT_GRACE_MS, IsolatedSession, stuckHostCount } from './isolated-session.js';
export { IsolatedHostPool } from './isolated-host-pool.js';
export type { IsolatedHostPoolOptions, PooledRunOptions } from './isolated-host-pool.js';
export type { HostEndDetails, IsolatedRunOptions, IsolatedSessionOptions } from './isolated-session.js';
export type { IsolationKind } from './host-transport.js';
export { HOST_MALLOC_TUNABLES, WASM_TIERING_FLAGS } from './host-transport.js';
export type { IsolationLimits } from './protocol.js';
export type { IsolatedSetup, IsolatedSetupContext, IsolatedSetupFunction } from './isolated-setup.js';
export { DEFAULT_SCRIPT_MEMORY_BYTES, HOST_BASE_HEAP_MB, HOST_HEAP_PER_SCRIPT_BYTE, hostHeapMb } from './heap-limit.js';
export { exitProcessNow } from './exit-process-now.js';
export { PrestartedHost, prestartHost } from './prestarted-host.js';
export type { PrestartHostOptions } from './prestarted-host.js';
