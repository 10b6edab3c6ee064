import { createLogger, executeComponent } from '@llmspell/core';
import { BuiltinHooks, builtinHookName } from './builtin-hooks.js';
import { component, context, echoTool, flakyTool, setup } from '../__fixtures__/helpers.js';

function withBuiltins(logLines: string[] = []) {
  const s = setup();
  const logger = createLogger({ level: 'debug', sink: (l) => logLines.push(l) });
  const builtins = new BuiltinHooks(s.registry, { logger, events: s.bus, redact: (t) => t.replace(/sk-[a-z0-9]+/g, '[REDACTED]') }, s.executor);
  return { ...s, builtins, logger };
}

describe('built-in hooks', () => {
  test('names: ours, the CODE struct names and DOC names', () => {
    expect(builtinHookName('logging')).toBe('logging');
    expect(builtinHookName('LoggingHook')).toBe('logging');
    expect(builtinHookName('CostTracker')).toBe('cost_tracking');
    expect(builtinHookName('RateLimiter')).toBe('rate_limit');
    expect(builtinHookName('rate-limit')).toBe('rate_limit');
    expect(builtinHookName('MetricsCollector')).toBe('metrics');
    expect(builtinHookName('DebugLogger')).toBe('debugging');
    expect(builtinHookName('SecurityValidator')).toBe('security');
    expect(builtinHookName('CachingOptimizer')).toBe('caching');
    expect(builtinHookName('RetryHandler')).toBe('retry');
    expect(() => builtinHookName('MockProvider')).toThrow(/UNSUPPORTED: unknown built-in hook 'MockProvider'; available: logging/);
  });

  test('enable, list, disable; bad config names the key', () => {
    const { builtins, registry } = withBuiltins();
    builtins.enable('logging');
    expect(builtins.isEnabled('LoggingHook')).toBe(true);
    expect(registry.list({ tag: 'builtin' }).length).toBeGreaterThan(5);
    expect(registry.list({ tag: 'logging' })[0].priority_name).toBe('low');
    expect(builtins.list().find((b) => b.name === 'logging')).toMatchObject({ enabled: true });
    expect(builtins.disable('logging')).toBe(true);
    expect(registry.size).toBe(0);
    expect(() => builtins.enable('logging', { level: 'loud' })).toThrow(/CONFIG_INVALID: logging.level must be one of debug, info, warn, error/);
    expect(() => builtins.enable('retry', { max_attempts: 'many' })).toThrow(/retry.max_attempts must be a number/);
    expect(registry.size).toBe(0);
  });

  test('logging logs operations with secrets masked', async () => {
    const lines: string[] = [];
    const { builtins, executor } = withBuiltins(lines);
    builtins.enable('logging', { level: 'info' });
    await executeComponent(echoTool, { text: 'key sk-abc123' }, context(executor));
    expect(lines.some((l) => l.includes('[hook] BeforeToolExecution tool:echo') && l.includes('[REDACTED]') && !l.includes('sk-abc123'))).toBe(true);
    await executeComponent(component('agent', 'a', () => 'ok'), { password: 'hunter2hunter2', q: 1 }, context(executor));
    expect(lines.join('\n')).not.toContain('hunter2hunter2');
    expect(lines.some((l) => l.includes('AfterToolExecution') && l.includes('duration_ms'))).toBe(true);
    expect(builtins.stats('logging')).toMatchObject({ logged: 4, by_point: { BeforeToolExecution: 1, AfterAgentExecution: 1 } });
  });

  test('metrics counts runs, failures and durations', async () => {
    const { builtins, executor } = withBuiltins();
    builtins.enable('MetricsCollector');
    const ctx = context(executor);
    await executeComponent(echoTool, { text: 'a' }, ctx);
    await executeComponent(echoTool, { text: 'b' }, ctx);
    await expect(executeComponent(flakyTool(1), {}, ctx)).rejects.toThrow();
    const s = builtins.stats('metrics') as any;
    expect(s.by_point).toMatchObject({ BeforeToolExecution: 3, AfterToolExecution: 2, ToolError: 1 });
    expect(s.components['tool:echo']).toMatchObject({ calls: 2, successes: 2, failures: 0, success_rate: 1 });
    expect(s.components['tool:flaky']).toMatchObject({ calls: 1, failures: 1, success_rate: 0 });
    expect(Object.values(s.duration_histogram as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(2);
  });

  test('debugging keeps the last max_traces contexts', async () => {
    const { builtins, executor } = withBuiltins();
    builtins.enable('debugging', { max_traces: 3 });
    for (let i = 0; i < 3; i++) await executeComponent(echoTool, { text: String(i) }, context(executor));
    const s = builtins.stats('debugging') as any;
    expect(s.traced).toBe(9); // ToolValidation, Before, After per call
    expect(s.traces).toHaveLength(3);
    expect(s.traces[2]).toMatchObject({ point: 'AfterToolExecution', component: 'tool:echo' });
  });

  test('security audits by default and blocks when asked; fires SecurityViolation', async () => {
    const { builtins, executor, registry, bus } = withBuiltins();
    const sub = bus.subscribe('security.violation');
    const violations: unknown[] = [];
    registry.register({ point: 'SecurityViolation', handler: (c) => { violations.push(c.data.violations); } });
    builtins.enable('security');
    const r = await executeComponent(echoTool, { text: "x'; DROP TABLE users; --" }, context(executor));
    expect(r.result).toContain('DROP');
    expect(builtins.stats('security')).toMatchObject({ violations: 1, blocked: 0, by_rule: { sql_injection: 1 } });
    expect((await bus.receive(sub.id, 0))!.data).toMatchObject({ rule: 'sql_injection', component: 'tool:echo', blocked: false });
    expect(violations).toHaveLength(1);
    builtins.enable('SecurityValidator', { strict_mode: true, blocked_patterns: ['forbidden'] });
    await expect(executeComponent(echoTool, { text: '../../etc/passwd' }, context(executor))).rejects.toMatchObject({ code: 'HOOK_CANCELLED', message: expect.stringContaining('path traversal') });
    await expect(executeComponent(echoTool, { text: 'this is forbidden' }, context(executor))).rejects.toMatchObject({ code: 'HOOK_CANCELLED' });
    expect((await executeComponent(echoTool, { text: 'fine' }, context(executor))).result).toBe('fine');
    const agent = component('agent', 'a', () => 'ok');
    await executeComponent(agent, { api_key: 'sk-1', password: 'p' }, context(executor));
    const s = builtins.stats('security') as any;
    expect(s.by_rule.sensitive_parameter).toBe(1);
    expect(JSON.stringify(s)).not.toContain('sk-1');
  });

  test('security matches script-supplied blocked patterns in linear time', async () => {
    const { builtins, executor } = withBuiltins();
    builtins.enable('security', { block_on_violations: true, blocked_patterns: ['^(a+)+$'], max_parameter_length: 100_000 });
    expect((await executeComponent(echoTool, { text: `${'a'.repeat(34)}!` }, context(executor))).result).toBe(`${'a'.repeat(34)}!`);
    await expect(executeComponent(echoTool, { text: 'a'.repeat(34) }, context(executor))).rejects.toMatchObject({ code: 'HOOK_CANCELLED' });
    // The built-in checks scan long runs of whitespace without backtracking.
    expect((await executeComponent(echoTool, { text: `;${' '.repeat(50_000)}x` }, context(executor))).result).toBe(`;${' '.repeat(50_000)}x`);
    expect(() => builtins.enable('security', { blocked_patterns: ['(a)\\1'] })).toThrow(/security.blocked_patterns\[1\] is not a valid regular expression: .*backreference/);
  });

  test('security blocks oversized parameters when blocking', async () => {
    const { builtins, executor } = withBuiltins();
    builtins.enable('security', { block_on_violations: true, max_parameter_length: 50 });
    await expect(executeComponent(echoTool, { text: 'y'.repeat(100) }, context(executor))).rejects.toMatchObject({ message: expect.stringContaining('parameters are') });
  });

  test('caching serves repeated tool calls from its LRU', async () => {
    const { builtins, executor } = withBuiltins();
    builtins.enable('caching', { min_duration_ms: 0 });
    const t = flakyTool(0);
    const ctx = context(executor);
    const a = await executeComponent(t, {}, ctx);
    const b = await executeComponent(t, {}, ctx);
    expect(b).toEqual(a);
    expect(t.runs).toBe(1);
    expect(builtins.stats('caching')).toMatchObject({ hits: 1, misses: 1, stores: 1, entries: 1 });
    builtins.enable('caching', { min_duration_ms: 0, exclude: ['flaky'] });
    await executeComponent(t, {}, ctx);
    expect(t.runs).toBe(2);
  });

  test('caching skips fast calls by default (min_duration_ms 10) and agents unless asked', async () => {
    const { builtins, executor } = withBuiltins();
    builtins.enable('caching');
    const t = flakyTool(0);
    await executeComponent(t, {}, context(executor));
    await executeComponent(t, {}, context(executor));
    expect(t.runs).toBe(2);
    builtins.enable('caching', { min_duration_ms: 0, cache_agents: true });
    const agent = component('agent', 'a', () => `r${agent.runs}`);
    expect(await executeComponent(agent, { q: 1 }, context(executor))).toBe('r1');
    expect(await executeComponent(agent, { q: 1 }, context(executor))).toBe('r1');
  });

  test('caching keys an input by its JSON: key order and undefined-valued keys do not matter', async () => {
    const { builtins, executor } = withBuiltins();
    builtins.enable('caching', { min_duration_ms: 0, cache_agents: true });
    const agent = component('agent', 'a', () => `r${agent.runs}`);
    expect(await executeComponent(agent, { q: 1, opts: { b: 2, a: 1 } }, context(executor))).toBe('r1');
    expect(await executeComponent(agent, { opts: { a: 1, b: 2 }, q: 1, extra: undefined }, context(executor))).toBe('r1');
    expect(await executeComponent(agent, { q: 1, opts: { a: 1, b: 2 }, extra: null }, context(executor))).toBe('r2');
  });

  test('rate limiting cancels past the bucket and fires ResourceLimitExceeded', async () => {
    const { builtins, executor, registry } = withBuiltins();
    const limits: unknown[] = [];
    registry.register({ point: 'ResourceLimitExceeded', handler: (c) => { limits.push(c.data.resource); } });
    builtins.enable('RateLimiter', { capacity: 2, burst: 0, refill_tokens: 0 });
    const ctx = context(executor);
    await executeComponent(echoTool, { text: '1' }, ctx);
    await executeComponent(echoTool, { text: '2' }, ctx);
    await expect(executeComponent(echoTool, { text: '3' }, ctx)).rejects.toMatchObject({ code: 'HOOK_CANCELLED', message: expect.stringContaining('RATE_LIMITED: rate limit exceeded for global') });
    expect(limits).toEqual(['rate_limit']);
    expect(builtins.stats('rate_limit')).toMatchObject({ allowed: 2, limited: 1 });
  });

  test('rate limiting per component, and delay instead of cancel', async () => {
    const { builtins, executor } = withBuiltins();
    builtins.enable('rate_limit', { capacity: 1, burst: 0, refill_tokens: 1, refill_interval_ms: 30, strategy: 'per_component', action: 'delay' });
    const ctx = context(executor);
    const t0 = Date.now();
    await executeComponent(echoTool, { text: '1' }, ctx);
    await executeComponent(flakyTool(0), {}, ctx);
    await executeComponent(echoTool, { text: '2' }, ctx);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(15);
    expect(builtins.stats('rate_limit')).toMatchObject({ allowed: 3, delayed: 1, limited: 0 });
  });

  test('retry retries transient errors with backoff, not permanent ones', async () => {
    const { builtins, executor } = withBuiltins();
    builtins.enable('RetryHandler', { initial_delay_ms: 1, max_retries: 2 });
    const t = flakyTool(2, 'ETIMEDOUT while calling upstream');
    expect((await executeComponent(t, {}, context(executor))).result).toBe('ok after 3');
    const t2 = flakyTool(9, 'ETIMEDOUT');
    await expect(executeComponent(t2, {}, context(executor))).rejects.toThrow();
    expect(t2.runs).toBe(3);
    const t3 = flakyTool(1, 'division by zero');
    await expect(executeComponent(t3, {}, context(executor))).rejects.toThrow(/division by zero/);
    expect(t3.runs).toBe(1);
    expect(builtins.stats('retry')).toMatchObject({ retried: 4, gave_up: 1, not_retryable: 1 });
  });

  test('cost tracking adds up usage, alerts and blocks past the budget', async () => {
    const { builtins, executor, bus } = withBuiltins();
    const sub = bus.subscribe('cost.**');
    builtins.enable('CostTracker', { alert_threshold: 0.05, warning_threshold: 0.5, budget_limit: 0.1 });
    const agent = component('agent', 'writer', () => ({ text: 'hi', metadata: { model: 'openai/gpt-4', usage: { prompt_tokens: 1000, completion_tokens: 500 } } }));
    const ctx = context(executor);
    await executeComponent(agent, {}, ctx);
    expect((builtins.stats('cost_tracking') as any).total_cost_usd).toBeCloseTo(0.06, 6);
    expect((await bus.receive(sub.id, 0))!).toMatchObject({ event_type: 'cost.threshold.warning', data: { level: 'info' } });
    await executeComponent(agent, {}, ctx);
    await expect(executeComponent(agent, {}, ctx)).rejects.toMatchObject({ code: 'HOOK_CANCELLED', message: expect.stringContaining('BUDGET_EXCEEDED') });
    const reported = component('agent', 'r', () => ({ text: 'x', cost_usd: 0.5, usage: { input_tokens: 1, output_tokens: 1 }, model: 'mystery' }));
    builtins.enable('cost_tracking');
    await executeComponent(reported, {}, ctx);
    expect(builtins.stats('cost_tracking')).toMatchObject({ total_cost_usd: 0.5, by_component: { r: 0.5 }, input_tokens: 1 });
  });
});
