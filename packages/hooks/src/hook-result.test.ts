import { parseHookPoint } from './hook-points.js';
import { normalizeHookResult } from './hook-result.js';
import { Priority, parsePriority, priorityName } from './priority.js';
import type { HookContext } from '@llmspell/core';

const ctx: HookContext = {
  point: 'BeforeToolExecution',
  component_id: { id: 'tool:calc', type: 'tool', name: 'calc' },
  data: { input: { b: 2, a: 1 } },
  metadata: {},
  correlation_id: 'c1',
  language: 'native',
  timestamp: new Date().toISOString(),
};

describe('hook points', () => {
  test('accepts built-in names in any spelling and custom points', () => {
    expect(parseHookPoint('BeforeToolExecution')).toBe('BeforeToolExecution');
    expect(parseHookPoint('before_tool_execution')).toBe('BeforeToolExecution');
    expect(parseHookPoint('BEFORETOOLEXECUTION')).toBe('BeforeToolExecution');
    expect(parseHookPoint('custom:my_point')).toBe('custom:my_point');
    expect(parseHookPoint('Custom:x.y')).toBe('custom:x.y');
  });
  test('rejects unknown names with the parameter named', () => {
    expect(() => parseHookPoint('BeforeNothing', 'Hook.register: point')).toThrow(/INVALID_ARGUMENT: Hook.register: point: unknown hook point 'BeforeNothing'/);
    expect(() => parseHookPoint('custom:bad name')).toThrow(/custom hook point name/);
    expect(() => parseHookPoint(3)).toThrow(/INVALID_ARGUMENT/);
  });
});

describe('priorities', () => {
  test('names, numbers and errors', () => {
    expect(parsePriority('highest')).toBe(Priority.HIGHEST);
    expect(parsePriority('HIGH')).toBe(-100);
    expect(parsePriority(undefined)).toBe(0);
    expect(parsePriority('low')).toBe(100);
    expect(parsePriority('lowest')).toBe(Priority.LOWEST);
    expect(parsePriority(-5)).toBe(-5);
    expect(parsePriority('42')).toBe(42);
    expect(() => parsePriority('urgent')).toThrow(/unknown priority 'urgent'/);
    expect(priorityName(-100)).toBe('high');
    expect(priorityName(10)).toBe('normal');
  });
});

describe('normalizeHookResult', () => {
  test('nil, strings and booleans', () => {
    expect(normalizeHookResult(undefined)).toEqual({ type: 'continue' });
    expect(normalizeHookResult(null)).toEqual({ type: 'continue' });
    expect(normalizeHookResult('continue')).toEqual({ type: 'continue' });
    expect(normalizeHookResult('skip')).toEqual({ type: 'skipped', reason: 'skipped by hook' });
    expect(normalizeHookResult('not allowed here')).toEqual({ type: 'cancel', reason: 'not allowed here' });
    expect(normalizeHookResult(false)).toEqual({ type: 'cancel', reason: 'hook returned false' });
  });

  test('CODE spelling (type) and DOC spelling (action)', () => {
    expect(normalizeHookResult({ type: 'modified', data: { x: 1 } })).toEqual({ type: 'modified', data: { x: 1 } });
    expect(normalizeHookResult({ action: 'modify', modified_data: { x: 2 } })).toEqual({ type: 'modified', data: { x: 2 } });
    expect(normalizeHookResult({ action: 'modified' })).toEqual({ type: 'continue' });
    expect(normalizeHookResult({ type: 'cancel', reason: 'no' })).toEqual({ type: 'cancel', reason: 'no' });
    expect(normalizeHookResult({ action: 'cancel' })).toEqual({ type: 'cancel', reason: 'cancelled by hook' });
    expect(normalizeHookResult({ type: 'redirect', target: 'tool:other' })).toEqual({ type: 'redirect', target: 'tool:other' });
    expect(normalizeHookResult({ action: 'redirect', target: { type: 'Agent', name: 'helper' } })).toEqual({ type: 'redirect', target: 'agent:helper' });
    expect(normalizeHookResult({ type: 'replace', data: 7 })).toEqual({ type: 'replace', data: 7 });
    expect(normalizeHookResult({ type: 'retry' })).toEqual({ type: 'retry', delay_ms: 1000, max_attempts: 3 });
    expect(normalizeHookResult({ action: 'retry', backoff_ms: 5, max_retries: 4 })).toEqual({ type: 'retry', delay_ms: 5, max_attempts: 5 });
    expect(normalizeHookResult({ type: 'retry', delay_ms: 0, max_attempts: 2 })).toEqual({ type: 'retry', delay_ms: 0, max_attempts: 2 });
    expect(normalizeHookResult({ type: 'fork', operations: ['tool:a', { operation_type: 'tool:b', parameters: { q: 1 }, id: 9 }] })).toEqual({
      type: 'fork', operations: [{ operation_type: 'tool:a' }, { id: '9', operation_type: 'tool:b', parameters: { q: 1 } }],
    });
    expect(normalizeHookResult({ action: 'fork', branches: [{ tool: 'x' }] })).toEqual({ type: 'fork', operations: [{ operation_type: 'x', id: undefined, parameters: undefined }] });
    expect(normalizeHookResult({ action: 'cache', ttl: 300 }, ctx)).toEqual({ type: 'cache', key: 'tool:calc:{"a":1,"b":2}', ttl_ms: 300_000 });
    expect(normalizeHookResult({ type: 'cache', key: 'k', ttl_ms: 50 })).toEqual({ type: 'cache', key: 'k', ttl_ms: 50 });
    expect(normalizeHookResult({ type: 'cache', key: 'k', ttl_seconds: 2 })).toEqual({ type: 'cache', key: 'k', ttl_ms: 2000 });
    expect(normalizeHookResult({ type: 'skipped', reason: 'n/a' })).toEqual({ type: 'skipped', reason: 'n/a' });
    expect(normalizeHookResult({ Cancel: 'rust says no' })).toEqual({ type: 'cancel', reason: 'rust says no' });
    expect(normalizeHookResult({ unrelated: 1, other: 2 })).toEqual({ type: 'continue' });
  });

  test('malformed results are HOOK_ERROR', () => {
    expect(() => normalizeHookResult({ type: 'explode' })).toThrow(/HOOK_ERROR: invalid hook result: unknown type 'explode'/);
    // Lua and JavaScript hooks both return through here: the message names both languages' nothing
    expect(() => normalizeHookResult(42)).toThrow('expected nothing (nil/undefined), a string or a table/object, got number');
    expect(() => normalizeHookResult({ type: 'redirect' })).toThrow(/redirect needs a `target`/);
    expect(() => normalizeHookResult({ type: 'retry', delay_ms: -1 })).toThrow(/delay_ms must be a non-negative number/);
    expect(() => normalizeHookResult([1, 2])).toThrow(/HOOK_ERROR/);
    expect(() => normalizeHookResult(5)).toThrow(/HOOK_ERROR/);
  });
});
