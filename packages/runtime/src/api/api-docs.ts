/**
 * Signatures and docs of the script API, for `llmspell types`. A test checks that every
 * function the runtime builds is described here with the same parameter names, so the
 * editor types cannot drift from the globals. Types use TypeScript syntax; the Lua output
 * converts them (`Promise<T>` → `T`, `Record<string, T>` → `table<string, T>`).
 */
export interface ApiParamDoc {
  name: string;
  type: string;
  optional?: boolean;
  doc?: string;
}

export interface ApiFunctionDoc {
  doc: string;
  params: ApiParamDoc[];
  returns: string;
  /** Returns a promise in JavaScript (Lua waits for it). */
  async?: boolean;
}

export interface ApiValueDoc {
  doc: string;
  type: string;
}

export interface ApiTypeDoc {
  fields: Record<string, string>;
}

const p = (name: string, type: string, optional = false, doc?: string): ApiParamDoc => ({ name, type, optional, ...(doc ? { doc } : {}) });
const fn = (doc: string, params: ApiParamDoc[], returns: string, async = false): ApiFunctionDoc => ({ doc, params, returns, ...(async ? { async } : {}) });

export const API_TYPES: Record<string, ApiTypeDoc> = {
  ToolResult: { fields: { text: 'string', metadata: 'Record<string, unknown>', success: 'boolean', result: 'any', error: 'ScriptError | null', message: 'string | null' } },
  ToolInfo: { fields: { name: 'string', description: 'string', version: 'string', category: 'string', security_level: 'string' } },
  ToolParameter: { fields: { name: 'string', type: 'string', description: 'string', required: 'boolean', default: 'any' } },
  ToolSchema: { fields: { name: 'string', description: 'string', parameters: 'ToolParameter[]' } },
  ToolHandle: { fields: { name: 'string', description: 'string', version: 'string', category: 'string', security_level: 'string', schema: 'ToolSchema | null' } },
  ScriptError: { fields: { code: 'string', message: 'string', error_type: 'string?', location: 'string?', details: 'any' } },
  WorkflowResult: { fields: { success: 'boolean', workflow_type: 'string', workflow_name: 'string', run_id: 'string | null', duration_ms: 'number', data: 'Record<string, any>', output: 'any', error: 'ScriptError | null', error_code: 'string | null', error_details: '{ error_type: string; message: string; code?: string; location?: string; details?: any } | null', metadata: 'Record<string, any>' } },
  WorkflowInstance: { fields: { id: 'string', name: 'string', type: 'string' } },
  AgentOutput: { fields: { text: 'string', metadata: 'Record<string, any>', usage: '{ input_tokens: number; output_tokens: number; total_tokens: number } | null', cost: 'number | null' } },
  AgentInstance: { fields: { name: 'string', description: 'string', model: 'string', provider: 'string' } },
  HookHandle: { fields: {} },
  McpClient: { fields: { server: 'string' } },
  McpCallResult: { fields: { content: 'Record<string, any>[]', isError: 'boolean', text: 'string', structuredContent: 'Record<string, any> | null' } },
  ReplayMode: { fields: { name: '() => string' } },
  ReplayModification: { fields: { get_path: '() => string', get_value: '() => any', is_enabled: '() => boolean', set_enabled: '(enabled: boolean) => undefined' } },
  ReplayConfig: { fields: { get_mode: '() => ReplayMode', should_compare_results: '() => boolean', get_timeout_seconds: '() => number', should_stop_on_error: '() => boolean', get_modifications: '() => ReplayModification[]', add_modification: '(path: string | ReplayModification, value?: any, enabled?: boolean) => ReplayModification', apply: '(context: Record<string, any>) => Record<string, any>' } },
  ReplaySchedule: { fields: { type: 'string', type_name: '() => string', delay_seconds: 'number?', initial_delay_seconds: 'number?', interval_seconds: 'number?', max_executions: 'number | null', expression: 'string?' } },
  ReplayDifference: { fields: { path: 'string', kind: '"changed" | "type_changed" | "added" | "removed"', description: 'string', original: 'any', replayed: 'any' } },
  ReplayComparison: { fields: { identical: 'boolean', similarity_score: 'number', summary: 'string', differences: 'ReplayDifference[]', matched: 'number', unmatched: 'number' } },
  ReplayComparator: { fields: { compare_json: '(original: any, replayed: any) => ReplayComparison' } },
  LlmspellEvent: { fields: { id: 'string', event_type: 'string', data: 'any', timestamp: 'string', sequence: 'number', correlation_id: 'string', language: 'string' } },
};

export const API_DOCS: Readonly<Record<string, ApiFunctionDoc | ApiValueDoc | undefined>> = {
  ARGS: { doc: 'Script arguments after `--`: positional ones by index (Lua 1-based, JS 0-based) and `--name value` pairs as fields.', type: 'string[] & Record<string, string>' },

  Tool: { doc: 'The built-in and plugin tools.', type: 'any' },
  'Tool.list': fn('Every registered tool.', [], 'ToolInfo[]'),
  'Tool.get': fn('A tool by name (or alias), or nil.', [p('name', 'string')], 'ToolHandle | null'),
  'Tool.getByName': fn('Same as Tool.get (the spelling of rs-llmspell\'s examples).', [p('name', 'string')], 'ToolHandle | null'),
  'Tool.invoke': fn('Runs a tool with its parameters; raises `CODE: message` on failure.', [p('name', 'string'), p('params', 'Record<string, any>', true)], 'ToolResult', true),
  'Tool.exists': fn('Whether a tool is registered under this name or alias.', [p('name', 'string')], 'boolean'),
  'Tool.categories': fn('The distinct tool categories.', [], 'string[]'),
  'Tool.discover': fn('Tools filtered by `category`, `security_level` or `tag` (matched in the description).', [p('filter', '{ category?: string; tag?: string; security_level?: string }', true)], 'ToolInfo[]'),
  'Tool.get_schema': fn('A tool\'s parameter schema, or nil.', [p('name', 'string')], 'ToolSchema | null'),

  JSON: { doc: 'JSON text to values and back (JavaScript scripts get the language\'s own JSON, which also takes a reviver and a replacer).', type: 'any' },
  'JSON.parse': fn('Parses JSON text; arrays become 1-based tables, null becomes nil.', [p('text', 'string')], 'any'),
  'JSON.stringify': fn('Serialises a value; an empty table becomes {}.', [p('value', 'any'), p('pretty', 'boolean', true)], 'string'),

  Logger: { doc: 'Log lines on stderr, secrets masked.', type: 'any' },
  'Logger.debug': fn('Logs at debug level (shown with --verbose).', [p('message', 'string'), p('data', 'Record<string, any>', true)], 'null'),
  'Logger.info': fn('Logs at info level.', [p('message', 'string'), p('data', 'Record<string, any>', true)], 'null'),
  'Logger.warn': fn('Logs a warning.', [p('message', 'string'), p('data', 'Record<string, any>', true)], 'null'),
  'Logger.error': fn('Logs an error.', [p('message', 'string'), p('data', 'Record<string, any>', true)], 'null'),

  Config: { doc: 'Read-only access to the merged configuration, secrets masked.', type: 'any' },
  'Config.get': fn('A config value by dotted path (`"runtime.script_timeout_seconds"`), or `fallback`.', [p('path', 'string', true), p('fallback', 'any', true)], 'any'),
  'Config.has': fn('Whether a dotted config path exists.', [p('path', 'string')], 'boolean'),

  Utils: { doc: 'Small helpers.', type: 'any' },
  'Utils.uuid': fn('A random UUID v4.', [], 'string'),
  'Utils.timestamp': fn('Unix time in seconds (with milliseconds).', [], 'number'),
  'Utils.hash': fn('Hex digest of a string (md5, sha1, sha256 default, sha512).', [p('data', 'string'), p('algorithm', '"md5" | "sha1" | "sha256" | "sha512"', true)], 'string'),
  'Utils.sleep': fn('Waits without blocking other work.', [p('seconds', 'number')], 'null', true),

  Workflow: { doc: 'Sequential, conditional, loop and parallel workflows of tools, agents, workflows and functions.', type: 'any' },
  'Workflow.sequential': fn('Creates a workflow running `steps` in order.', [p('config', '{ name?: string; steps: any[]; error_strategy?: any; timeout_ms?: number; description?: string }')], 'WorkflowInstance'),
  'Workflow.conditional': fn('Creates a workflow running the first branch whose condition holds (or `default_branch`).', [p('config', '{ name?: string; branches: any[]; default_branch?: any; execute_all_matching?: boolean }')], 'WorkflowInstance'),
  'Workflow.loop': fn('Creates a workflow repeating `body` over a range, a collection or while a condition holds.', [p('config', '{ name?: string; iterator: any; body: any; max_iterations?: number; break_conditions?: any[]; aggregation_strategy?: string; distributed?: boolean; max_concurrency?: number }')], 'WorkflowInstance'),
  'Workflow.parallel': fn('Creates a workflow running branches concurrently.', [p('config', '{ name?: string; branches?: any[]; steps?: any[]; max_concurrency?: number; fail_fast?: boolean; distributed?: boolean }')], 'WorkflowInstance'),
  'Workflow.types': fn('The workflow types.', [], 'string[]'),
  'Workflow.list': fn('The registered workflows.', [], '{ id: string; name: string; type: string; description: string }[]'),
  'Workflow.get': fn('A workflow by id or name, or nil.', [p('id', 'string')], 'WorkflowInstance | null'),
  'Workflow.remove': fn('Unregisters a workflow.', [p('id', 'string')], 'null'),
  'Workflow.register': fn('Creates and registers a workflow of a type; returns its id.', [p('type', 'string'), p('params', 'Record<string, any>')], 'string'),
  'Workflow.clear': fn('Unregisters every workflow.', [], 'null'),
  'Workflow.execute': fn('Runs a workflow: `Workflow.execute(wf, input)` (same as `wf:execute(input)`).', [p('wfValue', 'WorkflowInstance | string'), p('input', 'any', true)], 'WorkflowResult', true),
  'Workflow.resume': fn('Resumes a durable run from its last completed step.', [p('runId', 'string'), p('wfValue', 'WorkflowInstance | string')], 'WorkflowResult', true),
  'Workflow.runs': fn('The durable runs recorded for a workflow.', [p('name', 'WorkflowInstance | string')], '{ run_id: string; status: string; steps_completed: number }[]', true),
  'Workflow.asTool': fn('Registers a workflow as a tool; returns the tool name.', [p('wfValue', 'WorkflowInstance | string'), p('options', '{ tool_name?: string; description?: string }', true)], 'string'),
  'Workflow.wrapAsTool': fn('Alias of Workflow.asTool.', [p('wfValue', 'WorkflowInstance | string'), p('options', '{ tool_name?: string; description?: string }', true)], 'string'),
  'Workflow.setDefaultErrorHandler': fn('A function called with (error, result) when any workflow fails; error is result.error (its fields, and its message wherever it is used as text).', [p('fn', '(error: ScriptError, result: WorkflowResult) => any')], 'null'),
  'Workflow.enableDebug': fn('Logs each workflow run.', [p('on', 'boolean')], 'null'),
  'Workflow.isDebugEnabled': fn('Whether debug logging is on.', [], 'boolean'),

  State: { doc: 'Persistent scoped state: scopes "global", "agent:<id>", "workflow:<id>", "step:<wf>:<step>", "session:<id>", "custom:<name>".', type: 'any' },
  'State.save': fn('Stores a JSON-like value under a key in a scope.', [p('scope', 'string'), p('key', 'string'), p('value', 'any')], 'null', true),
  'State.load': fn('The value stored under a key, or nil.', [p('scope', 'string'), p('key', 'string')], 'any', true),
  'State.delete': fn('Deletes a key: `(scope, key)` or `(key)` in the global scope.', [p('scope', 'string'), p('key', 'string', true)], 'boolean', true),
  'State.list_keys': fn('The keys of a scope (default "global").', [p('scope', 'string', true)], 'string[]', true),
  'State.set': fn('DOC form: `State.set(key, value)` in the global scope, or `State.set(scope, key, value)`.', [p('scopeOrKey', 'string'), p('keyOrValue', 'any'), p('value', 'any', true)], 'null', true),
  'State.get': fn('DOC form: `State.get(key)` in the global scope, or `State.get(scope, key)`.', [p('scopeOrKey', 'string'), p('key', 'string', true)], 'any', true),
  'State.list': fn('Alias of list_keys.', [p('scope', 'string', true)], 'string[]', true),
  'State.exists': fn('Whether a key exists: `(scope, key)` or `(key)`.', [p('scope', 'string'), p('key', 'string', true)], 'boolean', true),
  'State.clear': fn('Deletes every key of a scope; returns how many.', [p('scope', 'string')], 'number', true),
  'State.increment': fn('Atomically adds `delta` (default 1) to a number, across processes; returns the new value.', [p('scope', 'string'), p('key', 'string'), p('delta', 'number', true)], 'number', true),
  'State.update': fn('Atomically replaces a value with fn(current), retrying if another writer got there first.', [p('scope', 'string'), p('key', 'string'), p('fn', '(current: any) => any')], 'any', true),
  'State.migrate': fn('Migrates stored values to a schema version (or `{to=…, dry_run=true}`).', [p('target', 'string | { to: string; dry_run?: boolean; backup?: boolean }')], 'Record<string, any>', true),
  'State.migration_status': fn('Current schema version and available migrations.', [], 'Record<string, any>', true),
  'State.schema_versions': fn('Registered schema versions.', [], 'string[]'),
  'State.register_schema': fn('Registers a versioned schema `{version, fields}`.', [p('schema', 'Record<string, any>')], 'Record<string, any>'),
  'State.register_migration': fn('Registers a migration `{from, to, steps}`.', [p('definition', 'Record<string, any>')], 'Record<string, any>'),
  'State.set_schema_version': fn('Marks the stored data as being at a version.', [p('version', 'string')], 'null', true),
  'State.create_backup': fn('Takes a full or incremental (`true`) backup of every scope.', [p('incremental', 'boolean | { incremental?: boolean; description?: string; important?: boolean }', true)], 'Record<string, any>', true),
  'State.list_backups': fn('Backups, oldest first.', [], 'Record<string, any>[]', true),
  'State.validate_backup': fn('Verifies a backup\'s checksum and chain.', [p('id', 'string')], '{ valid: boolean; errors: string[] }', true),
  'State.restore_backup': fn('Restores state to exactly the backup\'s snapshot, atomically.', [p('id', 'string'), p('options', '{ dry_run?: boolean; backup_current?: boolean }', true)], 'Record<string, any>', true),
  'State.backup_info': fn('A backup\'s metadata.', [p('id', 'string')], 'Record<string, any>', true),
  'State.get_storage_usage': fn('Backup and state sizes.', [], 'Record<string, any>', true),
  'State.cleanup_backups': fn('Applies retention (count, age, importance); `true` for a dry run.', [p('dryRun', 'boolean', true)], 'Record<string, any>', true),

  Hook: { doc: 'Hooks on every tool, agent, workflow, state and system operation.', type: 'any' },
  'Hook.register': fn('Registers a function at a hook point ("BeforeToolExecution", "custom:x"…); it returns nil/"continue" or a result table `{type="modified"|"cancel"|"replace"|"retry"|"redirect"|"cache"|"skipped", …}`.', [p('point', 'string'), p('fn', '(context: Record<string, any>) => any'), p('priority', '"highest" | "high" | "normal" | "low" | "lowest" | number | Record<string, any>', true)], 'HookHandle'),
  'Hook.unregister': fn('Removes a hook by handle or id.', [p('handle', 'HookHandle | string')], 'boolean'),
  'Hook.list': fn('Registered hooks, optionally filtered by point name or `{hook_point, language, priority, tag}`.', [p('filter', 'string | Record<string, any>', true)], 'Record<string, any>[]'),
  'Hook.enable': fn('Re-enables a hook.', [p('handle', 'HookHandle | string')], 'boolean'),
  'Hook.disable': fn('Disables a hook without removing it.', [p('handle', 'HookHandle | string')], 'boolean'),
  'Hook.fire': fn('Runs the hooks of a (custom) point with data; returns the folded result.', [p('point', 'string'), p('data', 'Record<string, any>', true)], 'Record<string, any>', true),
  'Hook.points': fn('Every built-in hook point.', [], 'string[]'),
  'Hook.enable_builtin': fn('Turns on a built-in hook (logging, metrics, debugging, security, caching, rate_limit, retry, cost_tracking).', [p('name', 'string'), p('config', 'Record<string, any>', true)], 'boolean'),
  'Hook.disable_builtin': fn('Turns off a built-in hook.', [p('name', 'string')], 'boolean'),
  'Hook.disable_all_builtin': fn('Turns off every built-in hook.', [], 'number'),
  'Hook.is_builtin_enabled': fn('Whether a built-in hook is on.', [p('name', 'string')], 'boolean'),
  'Hook.list_builtin': fn('The built-in hooks and their state.', [], 'Record<string, any>[]'),
  'Hook.builtin_stats': fn('What a built-in hook has recorded (metrics, costs…).', [p('name', 'string')], 'Record<string, any> | null'),
  'Hook.stats': fn('Registry and executor statistics (incl. circuit breakers).', [], 'Record<string, any>'),

  Event: { doc: 'A pattern event bus: publish, subscribe with globs ("agent.*", "*.error"), receive.', type: 'any' },
  'Event.publish': fn('Publishes an event; opts: language, correlation_id, ttl_seconds, source, tags.', [p('type', 'string'), p('data', 'any', true), p('options', 'Record<string, any>', true)], 'boolean', true),
  'Event.subscribe': fn('Subscribes to a glob pattern; opts: max_queue_size, overflow ("drop_oldest", "drop_newest", "reject", "block").', [p('pattern', 'string'), p('options', 'Record<string, any>', true)], 'string'),
  'Event.receive': fn('The next event of a subscription, waiting up to timeout_ms (default 5000); nil on timeout.', [p('id', 'string'), p('timeoutMs', 'number', true)], 'LlmspellEvent | null', true),
  'Event.receive_batch': fn('Up to `max` queued events.', [p('id', 'string'), p('max', 'number', true), p('timeoutMs', 'number', true)], 'LlmspellEvent[]', true),
  'Event.unsubscribe': fn('Ends a subscription.', [p('id', 'string')], 'boolean'),
  'Event.list_subscriptions': fn('Active subscriptions.', [], 'Record<string, any>[]'),
  'Event.get_stats': fn('Bus and subscription statistics.', [], 'Record<string, any>'),
  'Event.query': fn('Persisted events matching a pattern.', [p('pattern', 'string', true), p('options', 'Record<string, any>', true)], 'LlmspellEvent[]', true),
  'Event.replay': fn('Re-publishes persisted events matching a pattern.', [p('pattern', 'string', true), p('options', 'Record<string, any>', true)], 'Record<string, any>', true),

  Replay: { doc: 'rs-llmspell\'s hook-replay helpers: configs whose modifications apply to a hook context copy, and a structural JSON comparator. `Replay.modes` (exact, modified, simulate, debug; `mode:name()`) and `Replay.schedules.once(delay)` / `.interval(initial, interval, max?)` / `.cron(expression)` (`type_name()`) are values to read back. Nothing is recorded, re-run or scheduled (see the runtime README, "Replay").', type: 'any' },
  'Replay.create_config': fn('A replay config (mode default exact, compare_results true, timeout 30 s, stop_on_error true) with add_modification, get_modifications and apply(context).', [p('mode', 'ReplayMode | "exact" | "modified" | "simulate" | "debug"', true)], 'ReplayConfig'),
  'Replay.create_modification': fn('A modification setting `value` at `context.data.<key>` or `context.metadata.<key>` (dots for nested keys; nil removes the key).', [p('path', 'string'), p('value', 'any'), p('enabled', 'boolean', true)], 'ReplayModification'),
  'Replay.create_comparator': fn('A comparator whose compare_json(original, replayed) is a structural diff with a similarity score (share of leaf values equal at the same place); `ignore_paths` leaves paths such as "metadata.timestamp" out.', [p('options', '{ ignore_paths?: string[] }', true)], 'ReplayComparator'),

  Agent: { doc: 'LLM agents on any provider ("openai/gpt-4o-mini", "anthropic/…", "ollama/llama3.2", or a base_url).', type: 'any' },
  'Agent.create': fn('Creates an agent: `{model, name?, system_prompt?, temperature?, max_tokens?, tools?, base_url?, api_key?, provider?, max_steps?, timeout_ms?}`.', [p('config', 'Record<string, any>')], 'AgentInstance', true),
  'Agent.createAsync': fn('Alias of Agent.create (older scripts).', [p('config', 'Record<string, any>')], 'AgentInstance', true),
  'Agent.get': fn('An agent by name, or nil.', [p('name', 'string')], 'AgentInstance | null'),
  'Agent.list': fn('The agents, as `{name, …}` tables.', [], 'Record<string, any>[]'),
  'Agent.listInstances': fn('Agent names.', [], 'string[]'),
  'Agent.discover': fn('Agent types.', [], '{ type: string }[]'),
  'Agent.listTemplates': fn('Agent templates (none built in).', [], 'string[]'),
  'Agent.register': fn('Registers an agent from a config table (or `(name, config)`); returns its name.', [p('first', 'Record<string, any> | string'), p('second', 'Record<string, any>', true)], 'string', true),
  'Agent.getInfo': fn('An agent\'s name, model, provider, tools and capabilities.', [p('name', 'string')], 'Record<string, any>'),
  'Agent.getDetails': fn('Like getInfo, with config and metrics.', [p('name', 'string')], 'Record<string, any>'),
  'Agent.listCapabilities': fn('Capabilities by agent.', [], 'Record<string, string[]>'),
  'Agent.discoverByCapability': fn('Agents having a capability ("tool_use", "streaming"…).', [p('cap', 'string')], 'string[]'),
  'Agent.wrapAsTool': fn('Registers an agent as a tool `{tool_name?, description?}`; returns the tool name.', [p('name', 'string'), p('config', 'Record<string, any>', true)], 'string'),
  'Agent.destroy': fn('Removes an agent.', [p('name', 'string')], 'boolean'),
  'Agent.setBudget': fn('Caps the USD spent by agents in this run; further calls fail with BUDGET_EXCEEDED.', [p('usd', 'number | null')], 'null'),
  'Agent.getBudget': fn('The budget and what was spent.', [], 'Record<string, any>'),
  'Agent.getUsage': fn('Tokens and cost used in this run.', [], 'Record<string, any>'),
  'Agent.providers': fn('Providers and whether they are configured.', [], 'Record<string, any>[]'),
  'Agent.createFromTemplate': fn('Not supported (the reference stubbed it): raises UNSUPPORTED.', [], 'never'),
  'Agent.createComposite': fn('Not supported: raises UNSUPPORTED.', [], 'never'),
  'Agent.getHierarchy': fn('Not supported: raises UNSUPPORTED.', [], 'never'),
  'Agent.createContext': fn('Not supported: raises UNSUPPORTED.', [], 'never'),
  'Agent.createChildContext': fn('Not supported: raises UNSUPPORTED.', [], 'never'),
  'Agent.updateContext': fn('Not supported: raises UNSUPPORTED.', [], 'never'),
  'Agent.getContextData': fn('Not supported: raises UNSUPPORTED.', [], 'never'),
  'Agent.removeContext': fn('Not supported: raises UNSUPPORTED.', [], 'never'),
  'Agent.setSharedMemory': fn('Not supported: raises UNSUPPORTED.', [], 'never'),
  'Agent.getSharedMemory': fn('Not supported: raises UNSUPPORTED.', [], 'never'),

  MCP: { doc: 'Model Context Protocol servers: the configured ones ([mcp.servers.NAME]) and HTTP servers by URL. Their tools are also tools named `server.tool`.', type: 'any' },
  'MCP.servers': fn('The configured server names.', [], 'string[]'),
  'MCP.connect': fn('Opens a configured server by name, or an HTTP server `{url=…, headers=…}` under the network policy; returns a client with listTools, callTool(name, args), listResources, readResource(uri), listPrompts, getPrompt(name, args), close.', [p('target', 'string | { url: string; headers?: Record<string, string> }')], 'McpClient', true),

  Streaming: { doc: 'Pull streams over a Lua coroutine or a JS generator (defined in script code, see runtime/src/preludes/streaming.ts).', type: 'any' },
  'Streaming.create': fn('Wraps a generator function as a stream with next(), isDone() and collect().', [p('fn', '() => any')], '{ next(): any; isDone(): boolean; collect(): any[] }'),
  'Streaming.yield': fn('Lua: yields a value from inside the stream\'s function (coroutine.yield works too).', [p('value', 'any')], 'any'),
};
