import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type SecurityLevel, SecurityPolicy, type Tool, createExecutionContext, executeComponent, parametersJsonSchema, securityLevelRank,
} from '@llmspell/core';
import { mediaTools } from '@llmspell/tools-media';
import { loadTools } from '../src/load-tools.js';

/**
 * Walks every tool the CLI registers (and the optional media tools) and checks, from each
 * tool's own schema, that a parameter naming a file, path, URL or command cannot be used
 * under a security level below what such access needs (`restricted`: "files under allowed
 * dirs, network with checks"), and that `allow_file_access = false` switches off every
 * parameter that names a file.
 */

type Access = 'file' | 'network' | 'process';

const NEEDS: Record<Access, SecurityLevel> = { file: 'restricted', network: 'restricted', process: 'restricted' };

interface Property {
  type?: string | string[];
  anyOf?: Property[];
  items?: Property;
  description?: string;
}

/** What a parameter reaches, read from its name and description. */
function accessOf(name: string, prop: Property): Access | undefined {
  const text = prop.description ?? '';
  if (/^(command|executable|cmd)$/.test(name)) return 'process';
  if (/(^|_)(url|urls|endpoint|webhook)(_|$)/.test(name) || /\bURL\b/.test(text)) return 'network';
  if (/(^|_)(file|files|path|paths|dir|directory|destination)(_|$)/.test(name)) return 'file';
  if (/\b(files?|paths?|director(y|ies))\b/i.test(text) && !/not a path/i.test(text)) return 'file';
  return undefined;
}

function typesOf(prop: Property): string[] {
  if (prop.anyOf) return prop.anyOf.flatMap(typesOf);
  return Array.isArray(prop.type) ? prop.type : prop.type ? [prop.type] : [];
}

/** A value of the parameter's own type that names the thing it reaches. */
function probeValue(prop: Property, access: Access, probe: string): unknown {
  const text = access === 'network' ? 'http://127.0.0.1:9/probe' : access === 'process' ? 'cat' : probe;
  const types = typesOf(prop);
  if (types.includes('string')) return text;
  if (types.includes('array')) return [text];
  if (types.includes('integer') || types.includes('number')) return 1;
  if (types.includes('boolean')) return true;
  return text;
}

/** Base arguments that pass validation: the tool's first example, or its required parameters filled in. */
function baseArguments(tool: Tool, properties: Record<string, Property>, required: string[]): Record<string, unknown> {
  const params: Record<string, unknown> = { ...(tool.examples[0]?.params ?? {}) };
  for (const name of required) {
    if (params[name] !== undefined) continue;
    const types = typesOf(properties[name] ?? {});
    params[name] = types.includes('string') ? 'x' : types.includes('number') || types.includes('integer') ? 1 : types.includes('boolean') ? false : {};
  }
  return params;
}

let tools: Tool[];
let dir: string;
const SECRET = 'PROBE-CONTENT-7f3a';

beforeAll(async () => {
  tools = [...(await loadTools({ tools: { packages: [], plugins: [] } })), ...mediaTools];
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-levels-')));
  fs.writeFileSync(path.join(dir, 'probe.txt'), SECRET);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Case {
  tool: Tool;
  parameter: string;
  access: Access;
  params: Record<string, unknown>;
}

/** Every (tool, parameter) pair that reaches a file, the network or a process, with arguments using it. */
function cases(): Case[] {
  const out: Case[] = [];
  for (const tool of tools) {
    const schema = parametersJsonSchema(tool.parameters) as { properties?: Record<string, Property>; required?: string[] };
    const properties = schema.properties ?? {};
    const base = baseArguments(tool, properties, schema.required ?? []);
    const booleans = Object.entries(properties).filter(([, p]) => typesOf(p).includes('boolean')).map(([n]) => n);
    for (const [parameter, prop] of Object.entries(properties)) {
      const access = accessOf(parameter, prop);
      if (!access) continue;
      const params = { ...base, [parameter]: probeValue(prop, access, 'probe.txt') };
      out.push({ tool, parameter, access, params });
      // Every switch a user can write: the same call with every boolean turned on.
      out.push({ tool, parameter, access, params: { ...params, ...Object.fromEntries(booleans.map((b) => [b, true])) } });
    }
  }
  return out;
}

async function outcome(tool: Tool, params: Record<string, unknown>, policy: SecurityPolicy): Promise<{ code?: string; message?: string; text?: string }> {
  try {
    const r = await executeComponent(tool, params, createExecutionContext({ policy, settings: {} }), { timeoutMs: 20_000 });
    return { text: r.text };
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  }
}

test('the walk finds the parameters the issue names', () => {
  const found = new Set(cases().map((c) => `${c.tool.name}.${c.parameter}`));
  for (const p of ['base64_encoder.input_file', 'base64_encoder.output_file', 'diff_calculator.old_file', 'diff_calculator.new_file',
    'file_operations.path', 'archive_handler.input', 'hash_calculator.file', 'http_request.url', 'process_executor.command']) {
    expect(found).toContain(p);
  }
  expect(tools.length).toBeGreaterThanOrEqual(34);
});

test('no parameter that reaches a file, the network or a process works below the level it needs', async () => {
  const problems: string[] = [];
  for (const c of cases()) {
    const below = securityLevelRank(NEEDS[c.access]) - 1;
    const level = (['safe', 'restricted', 'privileged'] as const)[below];
    // Every kind of access is switched off as well: if the level let the call through, whatever
    // it then reached would show as a refusal of that switch, and the test names it.
    const policy = new SecurityPolicy({ cwd: dir, allowedPaths: [dir], maxSecurityLevel: level, allowFileAccess: false, allowNetwork: false, allowProcessSpawn: false });
    const r = await outcome(c.tool, c.params, policy);
    if (r.code === 'SECURITY_LEVEL_NOT_ALLOWED') continue;
    if (r.code === undefined && !r.text?.includes(SECRET)) continue; // ran without reaching anything
    problems.push(`${c.tool.name}.${c.parameter} (${c.access}) under '${level}': ${r.code ?? 'succeeded'} ${r.message ?? ''}`.slice(0, 300));
  }
  expect(problems).toEqual([]);
});

test('allow_file_access = false switches off every parameter that names a file', async () => {
  const before = fs.readdirSync(dir).sort();
  const problems: string[] = [];
  let refused = 0;
  for (const c of cases().filter((x) => x.access === 'file')) {
    const policy = new SecurityPolicy({ cwd: dir, allowedPaths: [dir], allowFileAccess: false, allowNetwork: false, allowProcessSpawn: true });
    const r = await outcome(c.tool, c.params, policy);
    if (r.code === 'PATH_NOT_ALLOWED' && /allow_file_access = false/.test(r.message ?? '')) {
      refused += 1;
      continue;
    }
    if (r.text?.includes(SECRET) || r.message?.includes(SECRET) || (r.code === undefined && /"(file_path|path|target)"/.test(r.text ?? ''))) {
      problems.push(`${c.tool.name}.${c.parameter}: ${r.code ?? 'succeeded'} ${(r.message ?? r.text ?? '').slice(0, 200)}`);
    }
  }
  expect(problems).toEqual([]);
  expect(refused).toBeGreaterThanOrEqual(20);
  expect(fs.readdirSync(dir).sort()).toEqual(before);
});
