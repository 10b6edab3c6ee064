import { describeParameters, outputJsonSchema, type Tool, type ToolExample } from '@llmspell/core';
import { formatSchemaType, type JsonSchema } from '@llmspell/runtime';
import { composeRuntime } from '../compose-runtime.js';
import type { CliIo } from '../io.js';
import { paint, useColor } from '../io.js';
import { type ParsedArgs } from '../parse-args.js';
import { UsageError } from '../usage-error.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LUA_KEYWORDS = new Set([
  'and', 'break', 'do', 'else', 'elseif', 'end', 'false', 'for', 'function', 'goto', 'if', 'in', 'local', 'nil', 'not', 'or', 'repeat', 'return', 'then',
  'true', 'until', 'while',
]);

/** A value as a Lua literal (tables for objects and lists). */
export function luaLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `{${value.map(luaLiteral).join(', ')}}`;
  if (typeof value === 'object') {
    // `end = …` is a syntax error in Lua: keywords are written as `["end"] = …`.
    return `{${Object.entries(value).map(([k, v]) => `${IDENTIFIER.test(k) && !LUA_KEYWORDS.has(k) ? k : `[${JSON.stringify(k)}]`} = ${luaLiteral(v)}`).join(', ')}}`;
  }
  return String(value);
}

/** A value as a JavaScript literal, keys unquoted where they can be. */
export function jsLiteral(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(jsLiteral).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => `${IDENTIFIER.test(k) ? k : JSON.stringify(k)}: ${jsLiteral(v)}`);
    return entries.length ? `{ ${entries.join(', ')} }` : '{}';
  }
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

/** The examples `tools show` prints: the tool's own, or one built from its required parameters. */
export function toolExamples(tool: Tool): ToolExample[] {
  if (tool.examples.length > 0) return [...tool.examples];
  const params = describeParameters(tool.parameters).filter((p) => p.required);
  const filled = Object.fromEntries(params.map((p) => [p.name, p.enum?.[0] ?? (p.type === 'number' ? 1 : p.type === 'boolean' ? true : '…')]));
  return [{ description: 'The required parameters (the tool declares no example: fill in real values)', params: filled }];
}

/** A runnable Lua snippet for one example, printing the result as JSON. */
export function luaExample(tool: Tool, example: ToolExample): string {
  return `local r = Tool.invoke(${JSON.stringify(tool.name)}, ${luaLiteral(example.params)})\nprint(JSON.stringify(r.result))`;
}

/** A runnable JavaScript snippet for one example, printing the result as JSON. */
export function jsExample(tool: Tool, example: ToolExample): string {
  return `const r = await Tool.invoke(${JSON.stringify(tool.name)}, ${jsLiteral(example.params)});\nprint(JSON.stringify(r.result));`;
}

const indent = (text: string, by = '  ') => text.split('\n').map((l) => by + l).join('\n');

function showTool(tool: Tool, io: CliIo, color: boolean): void {
  const params = describeParameters(tool.parameters);
  io.stdout(`${paint(color, 1, tool.name)}${tool.aliases.length ? ` (also: ${tool.aliases.join(', ')})` : ''}\n${tool.description}\n`);
  io.stdout(`category: ${tool.category}   security level: ${tool.securityLevel}   version: ${tool.version}\n\nParameters:\n`);
  for (const p of params) {
    const extra = [p.required ? 'required' : 'optional', p.default !== undefined ? `default ${JSON.stringify(p.default)}` : '', p.enum ? `one of ${p.enum.map((e) => JSON.stringify(e)).join(', ')}` : '']
      .filter(Boolean).join(', ');
    io.stdout(`  ${p.name}: ${p.type} (${extra})${p.description ? `\n      ${p.description}` : ''}\n`);
  }
  if (tool.ignoredParameters?.length) io.stdout(`  Accepted and ignored (names older scripts pass): ${tool.ignoredParameters.join(', ')}\n`);
  if (tool.outputSchema) {
    const type = formatSchemaType(outputJsonSchema(tool.outputSchema) as JsonSchema, '  ');
    io.stdout(`\nResult (r.result):${type.startsWith('\n') ? type : `\n  ${type}`}\n`);
  }
  const [first, ...more] = toolExamples(tool);
  const needs = (e: ToolExample) => (e.needs ? ` (needs ${e.needs})` : '');
  io.stdout(`\nExample: ${first.description}${needs(first)}\n  -- Lua\n${indent(luaExample(tool, first), '  ')}\n  // JavaScript\n${indent(jsExample(tool, first), '  ')}\n`);
  if (more.length) {
    io.stdout('\nMore examples (Lua):\n');
    for (const e of more) io.stdout(`  -- ${e.description}${needs(e)}\n  Tool.invoke(${JSON.stringify(tool.name)}, ${luaLiteral(e.params)})\n`);
  }
}

export async function toolsCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const sub = args.positionals[1] ?? 'list';
  const { runtime } = await composeRuntime(args.flags, io, { state: false });
  try {
    const color = useColor(io);
    if (sub === 'list') {
      const category = typeof args.options.category === 'string' ? args.options.category : undefined;
      const tools = runtime.tools.list().filter((t) => !category || t.category === category);
      if (args.flags.output !== 'text') {
        io.stdout(JSON.stringify(tools.map((t) => ({ name: t.name, aliases: t.aliases, category: t.category, security_level: t.securityLevel, description: t.description })), null, 2) + '\n');
        return 0;
      }
      const width = Math.max(...tools.map((t) => t.name.length), 4);
      let last = '';
      for (const t of [...tools].sort((a, b) => a.category.localeCompare(b.category) || a.name.localeCompare(b.name))) {
        if (t.category !== last) {
          io.stdout(`${last ? '\n' : ''}${paint(color, 1, t.category)}\n`);
          last = t.category;
        }
        io.stdout(`  ${t.name.padEnd(width)}  ${paint(color, 2, `[${t.securityLevel}]`)} ${t.description}\n`);
      }
      io.stdout(`\n${tools.length} tools. Details: llmspell tools show <name>\n`);
      return 0;
    }
    if (sub === 'show') {
      const name = args.positionals[2];
      if (!name) throw new UsageError('llmspell tools show needs a tool name');
      const tool = runtime.tools.get(name);
      if (!tool) throw runtime.tools.notFoundError(name, { noun: 'Tool', hint: 'llmspell tools list shows them all' });
      if (args.flags.output !== 'text') {
        io.stdout(JSON.stringify({
          name: tool.name, aliases: tool.aliases, description: tool.description, category: tool.category, security_level: tool.securityLevel,
          version: tool.version, parameters: describeParameters(tool.parameters), ignored_parameters: tool.ignoredParameters ?? [],
          output_schema: tool.outputSchema ? outputJsonSchema(tool.outputSchema) : null, examples: toolExamples(tool),
        }, null, 2) + '\n');
        return 0;
      }
      showTool(tool, io, color);
      return 0;
    }
    throw new UsageError(`unknown tools subcommand '${sub}' (list, show)`);
  } finally {
    await runtime.close();
  }
}
