import { describeParameters, LlmspellError } from '@llmspell/core';
import { composeRuntime } from '../compose-runtime.js';
import { paint, useColor } from '../io.js';
import { UsageError } from '../parse-args.js';
function luaLiteral(value) {
    if (typeof value === 'string')
        return JSON.stringify(value);
    if (Array.isArray(value))
        return `{${value.map(luaLiteral).join(', ')}}`;
    if (value && typeof value === 'object') {
        return `{${Object.entries(value).map(([k, v]) => `${/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : `[${JSON.stringify(k)}]`} = ${luaLiteral(v)}`).join(', ')}}`;
    }
    return String(value);
}
export async function toolsCommand(args, io) {
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
            if (!name)
                throw new UsageError('llmspell tools show needs a tool name');
            const tool = runtime.tools.get(name);
            if (!tool)
                throw new LlmspellError('TOOL_NOT_FOUND', `Tool '${name}' not found (llmspell tools list shows them all)`);
            const params = describeParameters(tool.parameters);
            if (args.flags.output !== 'text') {
                io.stdout(JSON.stringify({ name: tool.name, aliases: tool.aliases, description: tool.description, category: tool.category, security_level: tool.securityLevel, version: tool.version, parameters: params, examples: tool.examples }, null, 2) + '\n');
                return 0;
            }
            io.stdout(`${paint(color, 1, tool.name)}${tool.aliases.length ? ` (also: ${tool.aliases.join(', ')})` : ''}\n${tool.description}\n`);
            io.stdout(`category: ${tool.category}   security level: ${tool.securityLevel}   version: ${tool.version}\n\nParameters:\n`);
            for (const p of params) {
                const extra = [p.required ? 'required' : 'optional', p.default !== undefined ? `default ${JSON.stringify(p.default)}` : '', p.enum ? `one of ${p.enum.map((e) => JSON.stringify(e)).join(', ')}` : '']
                    .filter(Boolean).join(', ');
                io.stdout(`  ${p.name}: ${p.type} (${extra})${p.description ? `\n      ${p.description}` : ''}\n`);
            }
            const example = tool.examples[0];
            const exampleParams = example?.params ?? Object.fromEntries(params.filter((p) => p.required).map((p) => [p.name, p.enum?.[0] ?? (p.type === 'number' ? 1 : p.type === 'boolean' ? true : '…')]));
            io.stdout(`\nExample (Lua):\n  local r = Tool.invoke(${JSON.stringify(tool.name)}, ${luaLiteral(exampleParams)})\n  print(r.text)\n`);
            io.stdout(`Example (JavaScript):\n  const r = await Tool.invoke(${JSON.stringify(tool.name)}, ${JSON.stringify(exampleParams)});\n`);
            if (example?.description)
                io.stdout(`  -- ${example.description}\n`);
            return 0;
        }
        throw new UsageError(`unknown tools subcommand '${sub}' (list, show)`);
    }
    finally {
        await runtime.close();
    }
}
//# sourceMappingURL=tools.js.map