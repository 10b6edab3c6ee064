import { compileScriptRegex, LlmspellError, type HookContext, type HookResult } from '@llmspell/core';
import { cfgNumber, cfgPoints, cfgString, cfgStrings, type BuiltinFactory, hookAtPoints } from './builtin-hook.js';

const BACKOFFS = ['exponential', 'fixed', 'linear', 'fibonacci'] as const;
const JITTERS = ['none', 'full', 'equal', 'decorrelated'] as const;

export const DEFAULT_RETRYABLE_PATTERNS = [
  'timeout', 'timed out', 'ETIMEDOUT', 'ECONNRESET', 'ECONNREFUSED', 'EAI_AGAIN', 'EPIPE', 'socket hang up',
  'connection', 'service unavailable', 'internal server error', 'bad gateway', 'gateway timeout', 'too many requests',
  'rate.?limit', 'temporar', '\\b(429|500|502|503|504)\\b',
];
const DEFAULT_RETRYABLE_CODES = ['TIMEOUT', 'RATE_LIMITED'];
const NEVER = new Set(['CANCELLED', 'HOOK_CANCELLED', 'INVALID_ARGUMENT', 'PATH_NOT_ALLOWED', 'NETWORK_NOT_ALLOWED', 'PROCESS_NOT_ALLOWED',
  'SECURITY_LEVEL_NOT_ALLOWED', 'TOOL_NOT_FOUND', 'AGENT_NOT_FOUND', 'WORKFLOW_NOT_FOUND', 'MISSING_API_KEY', 'BUDGET_EXCEEDED', 'SIZE_LIMIT_EXCEEDED']);

function fib(n: number): number {
  let a = 1;
  let b = 1;
  for (let i = 1; i < n; i++) [a, b] = [b, a + b];
  return a;
}

/**
 * Retries failed tool, agent (and, DOC, workflow) runs whose error looks transient (CODE
 * RetryHook; DOC RetryHandler): answers `retry` at the error point with a backoff delay.
 * Defaults: 3 attempts, exponential from 100 ms ×2 up to 60 s, no jitter; retryable =
 * timeouts, connection errors, 429/5xx, rate limits. Validation and permission errors never retry.
 */
export const createRetryHook: BuiltinFactory = (cfg, deps) => {
  const name = 'retry';
  const retries = cfgNumber(cfg, name, ['max_retries'], -1, 0);
  const maxAttempts = retries >= 0 ? retries + 1 : cfgNumber(cfg, name, ['max_attempts'], 3, 1);
  const backoff = cfgString(cfg, name, ['backoff', 'backoff_strategy'], BACKOFFS, 'exponential');
  const base = cfgNumber(cfg, name, ['base_delay_ms', 'initial_delay_ms', 'delay_ms'], 100, 0);
  const factor = cfgNumber(cfg, name, ['multiplier', 'exponential_base'], 2, 1);
  const maxDelay = cfgNumber(cfg, name, ['max_delay_ms'], 60_000, 0);
  const maxTotal = cfgNumber(cfg, name, ['max_total_ms', 'max_total_time_ms'], 300_000, 0);
  const jitterRaw = cfg.jitter === true ? 'full' : cfg.jitter === false ? 'none' : cfg.jitter;
  const jitter = cfgString({ jitter: jitterRaw }, name, ['jitter'], JITTERS, 'none');
  const codes = new Set(cfgStrings(cfg, name, ['retryable_codes'], DEFAULT_RETRYABLE_CODES).map((c) => c.toUpperCase()));
  const patterns = cfgStrings(cfg, name, ['retryable_errors', 'retryable_patterns'], DEFAULT_RETRYABLE_PATTERNS).map((p, i) => {
    try {
      // Scripts configure built-ins too: their patterns match on the linear-time engine.
      return compileScriptRegex(p, { parameter: `${name}.retryable_errors[${i + 1}]`, flags: 'i' });
    } catch (e) {
      throw new LlmspellError('CONFIG_INVALID', `${name}.retryable_errors[${i + 1}] is not a valid regular expression: ${(e as LlmspellError).detail}`);
    }
  });
  const statuses = (Array.isArray(cfg.retry_status_codes) ? cfg.retry_status_codes : []).map((s) => String(s));
  const points = cfgPoints(cfg, name, ['ToolError', 'AgentError', 'WorkflowError'], ['ToolError', 'AgentError', 'WorkflowError']);
  let retried = 0;
  let gaveUp = 0;
  let notRetryable = 0;
  let prevDelay = base;

  const delayFor = (attempt: number): number => {
    let d: number;
    switch (backoff) {
      case 'fixed': d = base; break;
      case 'linear': d = base * attempt; break;
      case 'fibonacci': d = base * fib(attempt); break;
      default: d = base * Math.pow(factor, attempt - 1);
    }
    d = Math.min(d, maxDelay);
    switch (jitter) {
      case 'full': d = Math.random() * d; break;
      case 'equal': d = d / 2 + Math.random() * (d / 2); break;
      case 'decorrelated': d = Math.min(maxDelay, base + Math.random() * (prevDelay * 3 - base)); break;
      default: break;
    }
    prevDelay = d;
    return Math.round(d);
  };

  const handler = (ctx: HookContext): HookResult | undefined => {
    const err = (ctx.data.error ?? {}) as { code?: string; message?: string };
    const attempt = typeof ctx.data.attempt === 'number' ? ctx.data.attempt : 1;
    const code = String(err.code ?? '');
    const message = String(err.message ?? '');
    const retryable = !NEVER.has(code) && (codes.has(code) || patterns.some((re) => re.test(message)) || statuses.some((s) => message.includes(s)));
    if (!retryable) {
      notRetryable += 1;
      return undefined;
    }
    if (attempt >= maxAttempts) {
      gaveUp += 1;
      return undefined;
    }
    let planned = 0;
    for (let a = 1; a <= attempt; a++) planned += Math.min(maxDelay, base * Math.pow(factor, a - 1));
    if (planned > maxTotal) {
      gaveUp += 1;
      return undefined;
    }
    retried += 1;
    const delay = delayFor(attempt);
    deps.logger.info(`[retry] ${ctx.component_id.id} attempt ${attempt} failed (${code}); retrying in ${delay} ms`);
    return { type: 'retry', delay_ms: delay, max_attempts: maxAttempts };
  };
  return hookAtPoints({
    name,
    description: 'Retries transient tool/agent/workflow failures with backoff.',
    priority: 'high',
    points,
    handler,
    stats: () => ({ retried, gave_up: gaveUp, not_retryable: notRetryable, max_attempts: maxAttempts, backoff, jitter }),
    reset: () => {
      retried = gaveUp = notRetryable = 0;
    },
  });
};
