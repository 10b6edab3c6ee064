import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { defineTool, z } from '@llmspell/core';
import { API_DOCS, LlmspellRuntime, describeGlobals, generateTypes } from './index.js';

const calc = defineTool({
  name: 'calc', aliases: ['calc-tool'], description: 'adds', category: 'utility', securityLevel: 'safe',
  parameters: z.object({ a: z.number().describe('first'), b: z.number().default(1), op: z.enum(['add', 'sub']).optional() }),
  outputSchema: z.object({ sum: z.number(), terms: z.array(z.number()), note: z.string().nullable().optional() }),
  execute: ({ a, b }) => ({ result: { sum: a + b, terms: [a, b] } }),
});

describe('editor types', () => {
  let rt: LlmspellRuntime;
  beforeAll(async () => {
    rt = await LlmspellRuntime.create({ tools: [calc] });
  });
  afterAll(() => rt.close());

  test('every function the runtime builds is documented, and nothing documented is missing (no drift)', () => {
    for (const language of ['lua', 'javascript']) {
      const shapes = describeGlobals(rt.buildGlobals({ language }));
      for (const g of shapes) {
        expect([language, g.name, g.name in API_DOCS]).toEqual([language, g.name, true]);
        if (g.name === 'Streaming') continue;
        const actual = (g.members ?? []).filter((m) => m.kind === 'function' || m.kind === 'method').map((m) => m.name).sort();
        const documented = Object.keys(API_DOCS).filter((k) => k.startsWith(`${g.name}.`)).map((k) => k.slice(g.name.length + 1)).sort();
        expect([language, g.name, actual]).toEqual([language, g.name, documented.filter((d) => actual.includes(d) || language === 'lua')]);
        for (const d of documented) if (language === 'lua') expect([g.name, d, actual.includes(d)]).toEqual([g.name, d, true]);
      }
    }
  });

  test('generates LuaLS and TypeScript definitions with typed tool parameters', () => {
    const types = generateTypes(rt.buildGlobals({ language: 'lua' }), rt.buildGlobals({ language: 'javascript' }), rt.tools.list());
    expect(types.lua.startsWith('---@meta')).toBe(true);
    expect(types.lua).toContain('---@class ToolParams.calc');
    expect(types.lua).toContain('---@field a number first');
    expect(types.lua).toContain('---@overload fun(name: "calc", params: ToolParams.calc): ToolResult.calc');
    expect(types.lua).toContain('---@class ToolResult.calc : ToolResult\n---@field result { sum: number, terms: number[], note?: string|nil }');
    expect(types.lua).toContain('function Tool.invoke(name, params) end');
    expect(types.ts).toContain('"calc": { a: number; b?: number; op?: "add" | "sub" };');
    expect(types.ts).toContain('"calc-tool"');
    expect(types.ts).toContain('"calc": { sum: number; terms: number[]; note?: string | null };');
    expect(types.ts).toContain('invoke<K extends ToolName>(name: K, params?: ToolParamsMap[K]): Promise<ToolResultOf<K>>;');
  });

  test('the TypeScript declarations compile and type-check a script', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-types-'));
    const types = generateTypes(rt.buildGlobals({ language: 'lua' }), rt.buildGlobals({ language: 'javascript' }), rt.tools.list());
    fs.writeFileSync(path.join(dir, 'llmspell.d.ts'), types.ts);
    fs.writeFileSync(path.join(dir, 'ok.ts'), 'const r = await Tool.invoke("calc", { a: 1 });\nconst n: number = r.success ? r.result.sum + r.result.terms[0] : 0;\nconst wf = Workflow.sequential({ steps: [] });\nexport { n, wf };\n');
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'es2022', lib: ['es2022'], types: [] } }));
    fs.writeFileSync(path.join(dir, 'bad.ts'), 'await Tool.invoke("calc", { a: "one" });\nexport {};\n');
    fs.writeFileSync(path.join(dir, 'bad-result.ts'), 'const r = await Tool.invoke("calc", { a: 1 });\nconst s: string = r.result.sum;\nexport { s };\n');
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const check = (file: string) => {
      try {
        fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'es2022', lib: ['es2022'], types: [] }, files: ['llmspell.d.ts', file] }));
        execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
        return '';
      } catch (error) {
        return String((error as { stdout?: string }).stdout);
      }
    };
    expect(check('ok.ts')).toBe('');
    expect(check('bad.ts')).toMatch(/bad\.ts.*Type 'string' is not assignable to type 'number'/s);
    expect(check('bad-result.ts')).toMatch(/bad-result\.ts.*Type 'number' is not assignable to type 'string'/s);
  }, 60_000);
});
