import { HookPoints, type HookContext, type LogLevel } from '@llmspell/core';
import {
  EXECUTION_POINTS, cfgBool, cfgNumber, cfgPoints, cfgString, hookAtPoints, preview, type BuiltinFactory,
} from './builtin-hook.js';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Logs each operation it sees (CODE LoggingHook; DOC AuditLogger). Priority low. */
export const createLoggingHook: BuiltinFactory = (cfg, deps) => {
  const name = 'logging';
  const level = cfgString<LogLevel>(cfg, name, ['level', 'log_level'], LEVELS, 'info');
  const includeData = cfgBool(cfg, name, ['include_data', 'include_context_data', 'include_input'], true);
  const includeMetadata = cfgBool(cfg, name, ['include_metadata'], true);
  const logPerformance = cfgBool(cfg, name, ['log_performance', 'log_timing'], true);
  const maxData = cfgNumber(cfg, name, ['max_data_size'], 1024, 16);
  const points = cfgPoints(cfg, name, [...EXECUTION_POINTS, 'SystemStartup', 'SystemShutdown', 'SecurityViolation'], [...HookPoints]);
  const counts: Record<string, number> = {};
  let logged = 0;
  const handler = (ctx: HookContext) => {
    logged += 1;
    counts[ctx.point] = (counts[ctx.point] ?? 0) + 1;
    const fields: Record<string, unknown> = {
      point: ctx.point,
      component: ctx.component_id.id,
      correlation_id: ctx.correlation_id,
      language: ctx.language,
    };
    if (logPerformance && typeof ctx.data.duration_ms === 'number') fields.duration_ms = Math.round(ctx.data.duration_ms * 1000) / 1000;
    if (ctx.data.error !== undefined) fields.error = preview(ctx.data.error, maxData, deps.redact);
    if (includeData) fields.data = preview(ctx.data.output ?? ctx.data.input ?? ctx.data, maxData, deps.redact);
    if (includeMetadata && Object.keys(ctx.metadata).length > 0) fields.metadata = ctx.metadata;
    deps.logger[level](`[hook] ${ctx.point} ${ctx.component_id.id}`, fields);
    return undefined;
  };
  return hookAtPoints({
    name,
    description: 'Logs every operation at the chosen points through the runtime logger (secrets masked).',
    priority: 'low',
    points,
    handler,
    stats: () => ({ logged, by_point: { ...counts } }),
    reset: () => {
      logged = 0;
      for (const k of Object.keys(counts)) delete counts[k];
    },
  });
};
