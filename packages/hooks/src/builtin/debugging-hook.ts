import { HookPoints, type HookContext } from '@llmspell/core';
import { cfgBool, cfgNumber, cfgPoints, preview, type BuiltinFactory, hookAtPoints } from './builtin-hook.js';

export interface DebugTrace {
  point: string;
  component: string;
  correlation_id: string;
  timestamp: string;
  duration_ms?: number;
  data?: string;
  metadata?: Record<string, string>;
  stack?: string;
}

/** Keeps the last `max_traces` hook contexts for inspection (CODE DebuggingHook; DOC DebugLogger). Priority lowest. */
export const createDebuggingHook: BuiltinFactory = (cfg, deps) => {
  const name = 'debugging';
  const maxTraces = cfgNumber(cfg, name, ['max_traces'], 1000, 1);
  const includeData = cfgBool(cfg, name, ['include_data', 'log_context'], true);
  const includeMetadata = cfgBool(cfg, name, ['include_metadata'], true);
  const captureStack = cfgBool(cfg, name, ['capture_stack_traces', 'include_stack_trace'], false);
  const logToConsole = cfgBool(cfg, name, ['log_to_console', 'log_all_hooks'], false);
  const minDuration = cfgNumber(cfg, name, ['min_duration_ms'], 0);
  const maxData = cfgNumber(cfg, name, ['max_data_size'], 2048, 16);
  const points = cfgPoints(cfg, name, [...HookPoints], [...HookPoints]);
  const traces: DebugTrace[] = [];
  let seen = 0;
  const handler = (ctx: HookContext) => {
    const ms = typeof ctx.data.duration_ms === 'number' ? ctx.data.duration_ms : undefined;
    if (minDuration > 0 && (ms === undefined || ms < minDuration)) return undefined;
    seen += 1;
    const trace: DebugTrace = {
      point: ctx.point,
      component: ctx.component_id.id,
      correlation_id: ctx.correlation_id,
      timestamp: ctx.timestamp,
      ...(ms !== undefined ? { duration_ms: ms } : {}),
      ...(includeData ? { data: preview(ctx.data, maxData, deps.redact) } : {}),
      ...(includeMetadata ? { metadata: { ...ctx.metadata } } : {}),
      ...(captureStack ? { stack: new Error('trace').stack?.split('\n').slice(2, 12).join('\n') } : {}),
    };
    if (traces.length >= maxTraces) traces.shift();
    traces.push(trace);
    if (logToConsole) deps.logger.debug(`[debug hook] ${ctx.point} ${ctx.component_id.id}`, { ...trace });
    return undefined;
  };
  return hookAtPoints({
    name,
    description: 'Records recent hook contexts (and optionally stacks) for debugging.',
    priority: 'lowest',
    points,
    handler,
    stats: () => ({ traced: seen, kept: traces.length, traces: traces.map((t) => ({ ...t })) }),
    reset: () => {
      traces.length = 0;
      seen = 0;
    },
  });
};
