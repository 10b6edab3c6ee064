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
  ToolResult: { fields: { text: 'string', metadata: 'Record<string, unknown>', success: 'boolean', result: 'any', error: '{ message: string; code?: string } | null', message: 'string | null' } },
  ToolInfo: { fields: { name: 'string', description: 'string', version: 'string', category: 'string', security_level: 'string' } },
  ToolParameter: { fields: { name: 'string', type: 'string', description: 'string', required: 'boolean', default: 'any' } },
  ToolSchema: { fields: { name: 'string', description: 'string', parameters: 'ToolParameter[]' } },
  ToolHandle: { fields: { name: 'string', description: 'string', version: 'string', category: 'string', security_level: 'string', schema: 'ToolSchema | null' } },
  WorkflowResult: { fields: { success: 'boolean', workflow_type: 'string', workflow_name: 'string', run_id: 'string | null', duration_ms: 'number', data: 'Record<string, any>', output: 'any', error: '{ error_type: string; message: string; location?: string } | null', metadata: 'Record<string, any>' } },
  WorkflowInstance: { fields: { id: 'string', name: 'string', type: 'string' } },
  AgentOutput: { fields: { text: 'string', metadata: 'Record<string, any>', usage: '{ input_tokens: number; output_tokens: number; total_tokens: number } | null', cost: 'number | null' } },
  AgentInstance: { fields: { name: 'string', description: 'string', model: 'string', provider: 'string' } },
  HookHandle: { fields: {} },
  LlmspellEvent: { fields: { id: 'string', event_type: 'string', data: 'any', timestamp: 'string', sequence: 'number', correlation_id: 'string', language: 'string' } },
};

export const API_DOCS: Record<string, ApiFunctionDoc | ApiValueDoc> = {
  ARGS: { doc: 'Script arguments after `--`: positional ones by index (Lua 1-based, JS 0-based) and `--name value` pairs as fields.', type: 'string[] & Record<string, string>' },

  Tool: { doc: 'The built-in and plugin tools.', type: 'any' },
  'Tool.list': fn('Every registered tool.', [], 'ToolInfo[]'),
  'Tool.get': fn('A tool by name (or alias), or nil.', [p('name', 'string')], 'ToolHandle | null'),
  'Tool.invoke': fn('Runs a tool with its parameters; raises `CODE: message` on failure.', [p('name', 'string'), p('params', 'Record<string, any>', true)], 'ToolResult', true),
  'Tool.exists': fn('Whether a tool is registered under this name or alias.', [p('name', 'string')], 'boolean'),
  'Tool.categories': fn('The distinct tool categories.', [], 'string[]'),
  'Tool.discover': fn('Tools filtered by `category`, `security_level` or `tag` (matched in the description).', [p('filter', '{ category?: string; tag?: string; security_level?: string }', true)], 'ToolInfo[]'),
  'Tool.get_schema': fn('A tool\'s parameter schema, or nil.', [p('name', 'string')], 'ToolSchema | null'),

  JSON: { doc: 'JSON for Lua (JavaScript scripts have the language\'s own JSON).', type: 'any' },
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
  'Workflow.loop': fn('Creates a workflow repeating `body` over a range, a collection or while a condition holds.', [p('config', '{ name?: string; iterator: any; body: any; max_iterations?: number; break_conditions?: any[]; aggregation_strategy?: string }')], 'WorkflowInstance'),
  'Workflow.parallel': fn('Creates a workflow running branches concurrently.', [p('config', '{ name?: string; branches?: any[]; steps?: any[]; max_concurrency?: number; fail_fast?: boolean }')], 'WorkflowInstance'),
  'Workflow.types': fn('The workflow types.', [], 'string[]'),
  'Workflow.list': fn('The registered workflows.', [], '{ id: string; name: string; type: string; description: string }[]'),
  'Workflow.get': fn('A workflow by id or name, or nil.', [p('id', 'string')], 'WorkflowInstance | null'),
  'Workflow.remove': fn('Unregisters a workflow.', [p('id', 'string')], 'null'),
  'Workflow.register': fn('Creates and registers a workflow of a type; returns its id.', [p('type', 'string'), p('params', 'Record<string, any>')], 'string'),
  'Workflow.clear': fn('Unregisters every workflow.', [], 'null'),
  'Workflow.resume': fn('Resumes a durable run from its last completed step.', [p('runId', 'string'), p('wfValue', 'WorkflowInstance | string')], 'WorkflowResult', true),
  'Workflow.runs': fn('The durable runs recorded for a workflow.', [p('name', 'WorkflowInstance | string')], '{ run_id: string; status: string; steps_completed: number }[]', true),
  'Workflow.asTool': fn('Registers a workflow as a tool; returns the tool name.', [p('wfValue', 'WorkflowInstance | string'), p('options', '{ tool_name?: string; description?: string }', true)], 'string'),
  'Workflow.wrapAsTool': fn('Alias of Workflow.asTool.', [p('wfValue', 'WorkflowInstance | string'), p('options', '{ tool_name?: string; description?: string }', true)], 'string'),
  'Workflow.setDefaultErrorHandler': fn('A function called with (error, result) when any workflow fails.', [p('fn', '(error: any, result: WorkflowResult) => any')], 'null'),
  'Workflow.enableDebug': fn('Logs each workflow run.', [p('on', 'boolean')], 'null'),
  'Workflow.isDebugEnabled': fn('Whether debug logging is on.', [], 'boolean'),
};
