import { DEFAULT_SCRIPT_LIMITS, SecurityPolicy, type ScriptLimits } from '@llmspell/core';
import type { LlmspellConfig } from './config-schema.js';

/** The security policy a config describes. */
export function policyFromConfig(config: LlmspellConfig, cwd: string): SecurityPolicy {
  const s = config.runtime.security;
  return new SecurityPolicy({
    cwd,
    allowedPaths: s.allowed_paths,
    allowPrivateNetwork: s.allow_private_network,
    allowNetwork: s.allow_network_access,
    allowProcessSpawn: s.allow_process_spawn,
    allowedExecutables: s.allowed_executables,
    maxSecurityLevel: s.max_security_level,
    maxFileBytes: s.max_file_bytes,
    maxResponseBytes: s.max_response_bytes,
    maxExtractBytes: s.max_extract_bytes,
    allowedDomains: s.allowed_domains,
    blockedDomains: s.blocked_domains,
  });
}

/** Memory and time limits for scripts: the tightest of the settings given. */
export function scriptLimitsFromConfig(config: LlmspellConfig): ScriptLimits {
  const s = config.runtime.security;
  const timeouts = [config.runtime.script_timeout_seconds * 1000];
  if (s.max_execution_time_ms !== undefined) timeouts.push(s.max_execution_time_ms);
  return {
    memoryBytes: s.max_memory_bytes ?? config.engines.lua.max_memory ?? DEFAULT_SCRIPT_LIMITS.memoryBytes,
    timeoutMs: Math.min(...timeouts),
  };
}
