import { randomUUID } from 'node:crypto';
import {
  LlmspellError, describeParameters, executeComponentNow, hostAsync, hostMethod, isPromiseLike, withIndexFallback,
  type MaybePromise, type ScriptObject, type ScriptValue, type Tool,
} from '@llmspell/core';
import type { GlobalScope } from '../global-scope.js';

const RESERVED = new Set(['list', 'get', 'getByName', 'invoke', 'exists', 'categories', 'discover', 'executeAsync', 'get_schema', 'getSchema']);

function toolSchema(tool: Tool): ScriptObject {
  return {
    name: tool.name,
    description: tool.description,
    parameters: describeParameters(tool.parameters) as unknown as ScriptValue[],
  };
}

function asParams(name: string, params: ScriptValue): Record<string, unknown> {
  if (params === undefined || params === null) return {};
  if (typeof params !== 'object' || Array.isArray(params)) {
    throw new LlmspellError('INVALID_ARGUMENT', `${name}: parameters must be a table/object, got ${Array.isArray(params) ? 'array' : typeof params}`);
  }
  return params as Record<string, unknown>;
}

/**
 * Runs a tool by name through the single execution path. The result comes back within the
 * call when nothing on the path waited (a synchronous tool, no hooks), else as a promise;
 * errors are thrown or rejected alike (see `hostAsync`).
 */
export function invokeToolNow(scope: GlobalScope, name: string, params: ScriptValue): MaybePromise<ScriptValue> {
  if (typeof name !== 'string') throw new LlmspellError('INVALID_ARGUMENT', 'Tool.invoke: tool name must be a string');
  const tool = scope.runtime.tools.get(name);
  if (!tool) throw scope.runtime.tools.notFoundError(name, { noun: 'Tool' });
  const settings = (scope.runtime.config.tools as Record<string, unknown>)[tool.name];
  const ctx = scope.runtime.createContext({
    language: scope.language,
    signal: scope.signal,
    settings: typeof settings === 'object' && settings !== null ? (settings as Record<string, unknown>) : undefined,
  });
  const redact = (result: unknown) => scope.runtime.policy.redactValue(result) as unknown as ScriptValue;
  const result = executeComponentNow(tool, asParams(name, params), ctx);
  return isPromiseLike(result) ? result.then(redact) : redact(result);
}

/** Runs a tool by name through the single execution path; resolves with the redacted result. */
export function invokeTool(scope: GlobalScope, name: string, params: ScriptValue): Promise<ScriptValue> {
  try {
    return Promise.resolve(invokeToolNow(scope, name, params));
  } catch (error) {
    return Promise.reject(error);
  }
}

function toolObject(scope: GlobalScope, tool: Tool, full: boolean): ScriptObject {
  const execute = hostMethod(hostAsync((params?: ScriptValue) => invokeToolNow(scope, tool.name, params ?? null)));
  const base: ScriptObject = {
    name: tool.name,
    description: tool.description,
    version: tool.version,
    category: tool.category,
    security_level: tool.securityLevel,
    execute,
    getSchema: hostMethod(() => toolSchema(tool)),
  };
  if (full) base.schema = toolSchema(tool);
  return base;
}

/**
 * Tool discovery stays synchronous for scripts (`Tool.list()` is a plain value in JS), so its
 * hook points are fired for observers without waiting; their results do not change the list.
 */
function fireDiscovery(scope: GlobalScope, point: 'BeforeToolDiscovery' | 'AfterToolDiscovery', data: Record<string, unknown>): void {
  const hooks = scope.runtime.hooks;
  if (!hooks?.hasHooks(point)) return;
  void hooks.execute(point, {
    point,
    component_id: { id: 'system:tool-registry', type: 'system', name: 'tool-registry' },
    data,
    metadata: {},
    correlation_id: randomUUID(),
    language: scope.language,
    timestamp: new Date().toISOString(),
  }).catch((error: unknown) => scope.runtime.logger.warn(`${point} hook failed`, { error: String(error) }));
}

/** The `Tool` global: list, get, invoke, exists, categories, discover, and `Tool.<name>`. */
export function createToolGlobal(scope: GlobalScope): Record<string, ScriptValue> {
  const registry = scope.runtime.tools;
  const Tool: ScriptObject = {
    list: () => {
      fireDiscovery(scope, 'BeforeToolDiscovery', { filter: null });
      const tools = registry.list().map((t) => ({ name: t.name, description: t.description, version: t.version, category: t.category, security_level: t.securityLevel }));
      fireDiscovery(scope, 'AfterToolDiscovery', { filter: null, tools: tools.map((t) => t.name) });
      return tools;
    },
    get: (name: ScriptValue) => {
      const tool = typeof name === 'string' ? registry.get(name) : undefined;
      return tool ? toolObject(scope, tool, true) : null;
    },
    invoke: hostAsync((name: ScriptValue, params: ScriptValue) => invokeToolNow(scope, name as string, params)),
    exists: (name: ScriptValue) => typeof name === 'string' && registry.has(name),
    categories: () => [...new Set(registry.list().map((t) => t.category))].sort(),
    discover: (filter: ScriptValue) => {
      const f = (filter && typeof filter === 'object' && !Array.isArray(filter) ? filter : {}) as Record<string, unknown>;
      const tag = typeof f.tag === 'string' ? f.tag.toLowerCase() : undefined;
      fireDiscovery(scope, 'BeforeToolDiscovery', { filter: f });
      const found = registry
        .list()
        .filter((t) => (typeof f.category === 'string' ? t.category === f.category : true))
        .filter((t) => (typeof f.security_level === 'string' ? t.securityLevel === f.security_level : true))
        .filter((t) => (tag ? t.description.toLowerCase().includes(tag) || t.tags.some((x) => x.toLowerCase() === tag) : true))
        .map((t) => ({ name: t.name, description: t.description, category: t.category, version: t.version, security_level: t.securityLevel }));
      fireDiscovery(scope, 'AfterToolDiscovery', { filter: f, tools: found.map((t) => t.name) });
      return found;
    },
    get_schema: (name: ScriptValue) => {
      const tool = typeof name === 'string' ? registry.get(name) : undefined;
      return tool ? toolSchema(tool) : null;
    },
  };
  // rs-llmspell's workflow examples call `Tool.getByName(name)`: the same lookup as `Tool.get`.
  Tool.getByName = Tool.get;
  withIndexFallback(Tool, (key) => {
    if (RESERVED.has(key)) return null;
    const tool = registry.get(key);
    return tool ? toolObject(scope, tool, false) : null;
  });
  return { Tool };
}
