import { HookPoints, LlmspellError, ownEntry, type BuiltinHookPoint, type HookPoint } from '@llmspell/core';

const BY_KEY = new Map<string, BuiltinHookPoint>();
for (const p of HookPoints) {
  BY_KEY.set(p, p);
  // "before_tool_execution", "beforetoolexecution", "BEFORE_TOOL_EXECUTION" all name BeforeToolExecution.
  BY_KEY.set(p.toLowerCase(), p);
}

const CUSTOM_NAME = /^[A-Za-z0-9_.:\-]{1,128}$/;

/**
 * The hook point a script or config names: a built-in point (any case, with or without
 * underscores) or `custom:<name>`. Unknown names are an error that lists where to look.
 */
/** Names older scripts and docs use for built-in points. */
const ALIASES: Record<string, HookPoint> = {
  beforeworkflowstep: 'BeforeWorkflowStage',
  afterworkflowstep: 'AfterWorkflowStage',
  workflowsteperror: 'WorkflowError',
  beforeworkflowexecution: 'BeforeWorkflowStart',
  afterworkflowexecution: 'AfterWorkflowComplete',
};

export function parseHookPoint(value: unknown, param = 'point'): HookPoint {
  if (typeof value !== 'string' || value.length === 0) {
    throw new LlmspellError('INVALID_ARGUMENT', `${param} must be a hook point name (e.g. "BeforeToolExecution" or "custom:my_point")`);
  }
  const exact = BY_KEY.get(value) ?? BY_KEY.get(value.replace(/_/g, '').toLowerCase());
  if (exact) return exact;
  const alias = ownEntry(ALIASES, value.replace(/_/g, '').toLowerCase());
  if (alias) return alias;
  const m = /^custom:(.+)$/i.exec(value);
  if (m) {
    if (!CUSTOM_NAME.test(m[1])) {
      throw new LlmspellError('INVALID_ARGUMENT', `${param}: custom hook point name '${m[1]}' may only use letters, digits and _ . : - (at most 128)`);
    }
    return `custom:${m[1]}`;
  }
  throw new LlmspellError('INVALID_ARGUMENT', `${param}: unknown hook point '${value}'; use one of the ${HookPoints.length} built-in points (Hook.points()) or "custom:<name>"`);
}

export function isHookPointName(value: string): boolean {
  try {
    parseHookPoint(value);
    return true;
  } catch {
    return false;
  }
}

/** The category a built-in point belongs to (the spec's table), `custom` otherwise. */
export function hookPointCategory(point: HookPoint): string {
  if (point.startsWith('custom:')) return 'custom';
  if (/Agent/.test(point)) return 'agent';
  if (/Tool/.test(point)) return 'tool';
  if (/Workflow/.test(point)) return 'workflow';
  if (/State/.test(point)) return 'state';
  if (/^System|Configuration|ResourceLimit|SecurityViolation/.test(point)) return 'system';
  if (/Session/.test(point)) return 'session';
  if (/Event/.test(point)) return 'event';
  return 'performance';
}

/**
 * Built-in points that nothing in llmspell fires yet: a hook registered there never runs
 * (`Hook.register` warns). Remove a point from here when a package starts firing it.
 */
export const UNFIRED_HOOK_POINTS: ReadonlySet<HookPoint> = new Set<HookPoint>([
  'BeforeAgentInit', 'AfterAgentInit', 'BeforeAgentShutdown', 'AfterAgentShutdown',
  'BeforeStateRead', 'AfterStateRead', 'StateConflict',
  'SessionStart', 'SessionEnd', 'SessionCheckpoint', 'SessionRestore',
  'ConfigurationChange',
]);
