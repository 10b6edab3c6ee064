import { compileScriptRegex, LlmspellError, type HookContext, type HookResult } from '@llmspell/core';
import { cfgBool, cfgNumber, cfgPoints, cfgStrings, publishSafe, type BuiltinFactory, type BuiltinRegistration } from './builtin-hook.js';

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

export interface SecurityEvent {
  rule: string;
  severity: Severity;
  point: string;
  component: string;
  correlation_id: string;
  timestamp: string;
  /** What was found, never the offending value itself. */
  detail: string;
  blocked: boolean;
}

const DEFAULT_SENSITIVE = ['password', 'passwd', 'token', 'key', 'secret', 'api_key', 'apikey', 'auth', 'authorization', 'credential'];

/** Input checks of the DOC SecurityValidator: what each catches, as patterns over string values. */
type Check = { rule: string; flag: string; severity: Severity; re: { test(text: string): boolean } };

const CHECK_SOURCES = [
  { rule: 'sql_injection', flag: 'check_sql_injection', severity: 'high', re: /('|;|--)\s*(drop|delete|truncate|insert|update|alter)\s+\w|\bunion\s+(all\s+)?select\b|'\s*or\s+'?\d+'?\s*=\s*'?\d+/i },
  { rule: 'command_injection', flag: 'check_command_injection', severity: 'high', re: /(^|[;&|`]\s*|\$\()\s*(rm\s+-|curl\s|wget\s|nc\s|bash\s|sh\s+-c|chmod\s|mkfifo|python\s+-c)|`[^`]+`|\$\([^)]+\)/ },
  { rule: 'path_traversal', flag: 'check_path_traversal', severity: 'medium', re: /(^|[\\/])\.\.([\\/]|$)|%2e%2e[\\/%]/i },
  { rule: 'xss', flag: 'check_xss', severity: 'medium', re: /<script\b|javascript:|\bon(error|load|click)\s*=/i },
] as Array<{ rule: string; flag: string; severity: Severity; re: RegExp }>;

let compiledChecks: Check[] | undefined;
/** Compiled when a security hook is first made, not when the package loads (every run loads it). */
function linearChecks(): Check[] {
  // They scan script-supplied values: on the linear-time engine (`\s*\s*` runs would backtrack on V8's).
  compiledChecks ??= CHECK_SOURCES.map((c) => ({ ...c, re: compileScriptRegex(c.re.source, { parameter: `security.${c.flag}`, flags: c.re.flags }) }));
  return compiledChecks;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

function* strings(value: unknown, depth = 0): Generator<string> {
  if (depth > 8) return;
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* strings(v, depth + 1);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) yield* strings(v, depth + 1);
}

function* keysOf(value: unknown, depth = 0): Generator<string> {
  if (depth > 8 || typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const v of value) yield* keysOf(v, depth + 1);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    yield k;
    yield* keysOf(v, depth + 1);
  }
}

/**
 * Audits inputs before tools and agents run (CODE SecurityHook + DOC SecurityValidator):
 * parameter size, sensitive parameter names, SQL/command injection, path traversal, XSS,
 * custom `blocked_patterns`, and SecurityViolation events. By default it only records and
 * logs (the reference's `block_on_violations = false`); with `block_on_violations` (or DOC
 * `strict_mode`) a violation of at least `block_severity` cancels the operation.
 */
export const createSecurityHook: BuiltinFactory = (cfg, deps) => {
  const name = 'security';
  const block = cfgBool(cfg, name, ['block_on_violations', 'strict_mode'], false);
  const maxParam = cfgNumber(cfg, name, ['max_parameter_length', 'max_input_length'], 10_000, 1);
  const maxEvents = cfgNumber(cfg, name, ['max_events'], 10_000, 1);
  const sensitive = cfgStrings(cfg, name, ['sensitive_parameters', 'sensitive_params'], DEFAULT_SENSITIVE).map((s) => s.toLowerCase());
  const blockSeverity = (cfg.block_severity as Severity | undefined) ?? 'medium';
  if (!(blockSeverity in SEVERITY_RANK)) throw new LlmspellError('CONFIG_INVALID', `${name}.block_severity must be one of ${Object.keys(SEVERITY_RANK).join(', ')}`);
  const blocked = cfgStrings(cfg, name, ['blocked_patterns'], []).map((p, i) => {
    try {
      // Scripts configure built-ins too: their patterns match parameters on the linear-time engine.
      return compileScriptRegex(p, { parameter: `${name}.blocked_patterns[${i + 1}]`, flags: 'i' });
    } catch (e) {
      throw new LlmspellError('CONFIG_INVALID', `${name}.blocked_patterns[${i + 1}] is not a valid regular expression: ${(e as LlmspellError).detail}`);
    }
  });
  const checks = linearChecks().filter((c) => cfgBool(cfg, name, [c.flag], true));
  const points = cfgPoints(cfg, name, ['BeforeToolExecution', 'BeforeAgentExecution', 'BeforeStateWrite'], ['BeforeToolExecution', 'BeforeAgentExecution', 'BeforeWorkflowStart', 'BeforeWorkflowStage', 'BeforeStateWrite']);
  const audit: SecurityEvent[] = [];
  const byRule: Record<string, number> = {};
  let blockedCount = 0;
  let inspected = 0;

  const record = (ctx: HookContext, rule: string, severity: Severity, detail: string, willBlock: boolean): SecurityEvent => {
    const ev: SecurityEvent = {
      rule, severity, point: ctx.point, component: ctx.component_id.id, correlation_id: ctx.correlation_id,
      timestamp: new Date().toISOString(), detail, blocked: willBlock,
    };
    byRule[rule] = (byRule[rule] ?? 0) + 1;
    if (audit.length >= maxEvents) audit.shift();
    audit.push(ev);
    const log = severity === 'critical' || severity === 'high' ? deps.logger.warn : deps.logger.info;
    log.call(deps.logger, `[security] ${rule} at ${ctx.point} ${ctx.component_id.id}: ${detail}`, { severity, blocked: willBlock });
    publishSafe(deps.events, 'security.violation', { ...ev }, ctx);
    return ev;
  };

  const inspect = async (ctx: HookContext): Promise<HookResult | undefined> => {
    inspected += 1;
    const input = ctx.point === 'BeforeStateWrite' ? ctx.data.value : ctx.data.input;
    const found: SecurityEvent[] = [];
    let size = 0;
    try {
      size = JSON.stringify(input ?? null)?.length ?? 0;
    } catch {
      size = 0;
    }
    const wouldBlock = (s: Severity) => block && SEVERITY_RANK[s] >= SEVERITY_RANK[blockSeverity];
    if (size > maxParam) found.push(record(ctx, 'parameter_size', 'medium', `parameters are ${size} characters (max ${maxParam})`, wouldBlock('medium')));
    const names = new Set<string>();
    for (const k of keysOf(input)) {
      const lk = k.toLowerCase();
      if (sensitive.some((s) => lk === s || lk.endsWith(`_${s}`) || lk.startsWith(`${s}_`))) names.add(k);
    }
    if (names.size > 0) found.push(record(ctx, 'sensitive_parameter', 'low', `sensitive parameter name(s): ${[...names].join(', ')}`, wouldBlock('low')));
    const hit = new Set<string>();
    for (const text of strings(input)) {
      for (const c of checks) if (!hit.has(c.rule) && c.re.test(text)) {
        hit.add(c.rule);
        found.push(record(ctx, c.rule, c.severity, `input matches the ${c.rule.replace(/_/g, ' ')} pattern`, wouldBlock(c.severity)));
      }
      blocked.forEach((re, i) => {
        const rule = `blocked_pattern_${i + 1}`;
        if (!hit.has(rule) && re.test(text)) {
          hit.add(rule);
          found.push(record(ctx, rule, 'high', `input matches blocked pattern ${i + 1}`, wouldBlock('high')));
        }
      });
    }
    if (found.length === 0) return undefined;
    if (deps.fire) {
      await deps.fire('SecurityViolation', { violations: found.map((f) => ({ ...f })), point: ctx.point }, ctx).catch(() => undefined);
    }
    const stop = found.find((f) => f.blocked);
    if (stop) {
      blockedCount += 1;
      return { type: 'cancel', reason: `security: ${stop.detail}` };
    }
    return undefined;
  };

  const onViolation = (ctx: HookContext) => {
    if (ctx.metadata.fired_by === 'security') return undefined;
    const violations = Array.isArray(ctx.data.violations) ? ctx.data.violations.length : 1;
    deps.logger.error(`[security] violation reported at ${ctx.component_id.id}`, { violations });
    return undefined;
  };

  // Blocking, its inspections are guards: a slow scan of a large input must not open the breaker
  // and let the next input through unchecked.
  const registrations: BuiltinRegistration[] = points.map((point) => ({ point, handler: inspect, guard: block }));
  registrations.push({ point: 'SecurityViolation', handler: onViolation });
  return {
    name,
    description: 'Audits operation inputs (size, secrets, injection, traversal, XSS, blocked patterns); blocks when configured.',
    priority: 'highest',
    registrations,
    stats: () => ({ inspected, violations: audit.length, blocked: blockedCount, by_rule: { ...byRule }, recent: audit.slice(-50).map((e) => ({ ...e })) }),
    reset: () => {
      audit.length = 0;
      blockedCount = 0;
      inspected = 0;
      for (const k of Object.keys(byRule)) delete byRule[k];
    },
  };
};
