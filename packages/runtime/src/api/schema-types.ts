/**
 * JSON Schemas (of tool parameters and results) written as types a script author reads: one
 * line of TypeScript for declarations, one line of LuaLS for Lua annotations, and an indented
 * TypeScript-like block with the field descriptions for `llmspell tools show`.
 */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  description?: string;
  default?: unknown;
  additionalProperties?: boolean | JsonSchema;
}

const MAX_DEPTH = 6;

type Kind =
  | { kind: 'union'; options: JsonSchema[] }
  | { kind: 'literal'; values: unknown[] }
  | { kind: 'object'; fields: Array<{ name: string; optional: boolean; schema: JsonSchema }> }
  | { kind: 'record'; values: JsonSchema | undefined }
  | { kind: 'array'; items: JsonSchema | undefined }
  | { kind: 'scalar'; name: 'string' | 'number' | 'boolean' | 'null' | 'unknown' };

/** What a schema is, independent of the language it is written in. */
function classify(s: JsonSchema): Kind {
  if (s.enum) return { kind: 'literal', values: s.enum };
  if (s.const !== undefined) return { kind: 'literal', values: [s.const] };
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return { kind: 'union', options: alts };
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length > 1) return { kind: 'union', options: types.map((t) => ({ ...s, type: t, description: undefined })) };
  switch (types[0]) {
    case 'string': return { kind: 'scalar', name: 'string' };
    case 'number': case 'integer': return { kind: 'scalar', name: 'number' };
    case 'boolean': return { kind: 'scalar', name: 'boolean' };
    case 'null': return { kind: 'scalar', name: 'null' };
    case 'array': return { kind: 'array', items: s.items };
    case 'object': {
      if (!s.properties) {
        const values = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
        return { kind: 'record', values };
      }
      const req = new Set(s.required ?? []);
      return { kind: 'object', fields: Object.entries(s.properties).map(([name, schema]) => ({ name, optional: !req.has(name) || schema.default !== undefined, schema })) };
    }
    default: return { kind: 'scalar', name: 'unknown' };
  }
}

const key = (name: string) => (/^[A-Za-z_]\w*$/.test(name) ? name : JSON.stringify(name));
const unique = (parts: string[]) => [...new Set(parts)];

/** A JSON Schema as a one-line TypeScript type. */
export function schemaToTs(s: JsonSchema, depth = 0): string {
  if (depth > MAX_DEPTH) return 'unknown';
  const k = classify(s);
  switch (k.kind) {
    case 'literal': return unique(k.values.map((v) => JSON.stringify(v))).join(' | ');
    case 'union': return unique(k.options.map((o) => schemaToTs(o, depth + 1))).join(' | ');
    case 'array': {
      const item = k.items ? schemaToTs(k.items, depth + 1) : 'unknown';
      return /^[\w.]+$/.test(item) ? `${item}[]` : `Array<${item}>`;
    }
    case 'record': return `Record<string, ${k.values ? schemaToTs(k.values, depth + 1) : 'unknown'}>`;
    case 'object': return `{ ${k.fields.map((f) => `${key(f.name)}${f.optional ? '?' : ''}: ${schemaToTs(f.schema, depth + 1)}`).join('; ')} }`;
    default: return k.name;
  }
}

/** A JSON Schema as a one-line lua-language-server type. */
export function schemaToLua(s: JsonSchema, depth = 0): string {
  if (depth > MAX_DEPTH) return 'any';
  const k = classify(s);
  switch (k.kind) {
    case 'literal': return unique(k.values.map((v) => (v === null ? 'nil' : JSON.stringify(v)))).join('|');
    case 'union': return unique(k.options.map((o) => schemaToLua(o, depth + 1))).join('|');
    case 'array': {
      const item = k.items ? schemaToLua(k.items, depth + 1) : 'any';
      return /^[\w.]+$/.test(item) ? `${item}[]` : `(${item})[]`;
    }
    case 'record': return `table<string, ${k.values ? schemaToLua(k.values, depth + 1) : 'any'}>`;
    case 'object': return `{ ${k.fields.map((f) => `${key(f.name)}${f.optional ? '?' : ''}: ${schemaToLua(f.schema, depth + 1)}`).join(', ')} }`;
    case 'scalar': return k.name === 'null' ? 'nil' : k.name === 'unknown' ? 'any' : k.name;
  }
}

/**
 * A JSON Schema as an indented TypeScript-like type, a field per line with its description as
 * a comment; the alternatives of a union each on their own line (`| { … }  // evaluate`).
 */
export function formatSchemaType(s: JsonSchema, indent = ''): string {
  return block(s, indent, 0);
}

const describe = (s: JsonSchema) => s.description?.replace(/\s*\n\s*/g, ' ');

/** `text` with the schema's description: trailing on a one-line text, on a line above a longer one. */
function described(s: JsonSchema, indent: string, text: string): string {
  const d = describe(s);
  if (!d) return `${indent}${text}`;
  return text.includes('\n') ? `${indent}// ${d}\n${indent}${text}` : `${indent}${text}  // ${d}`;
}

function block(s: JsonSchema, indent: string, depth: number): string {
  if (depth > MAX_DEPTH) return 'unknown';
  const k = classify(s);
  const inner = `${indent}  `;
  if (k.kind === 'object') {
    const oneLine = schemaToTs(s, depth);
    if (oneLine.length <= 60 && k.fields.every((f) => !f.schema.description)) return oneLine;
    const lines = k.fields.map((f) => described(f.schema, inner, `${key(f.name)}${f.optional ? '?' : ''}: ${block(f.schema, inner, depth + 1)}`));
    return `{\n${lines.join('\n')}\n${indent}}`;
  }
  if (k.kind === 'union' && k.options.some((o) => classify(o).kind === 'object' || o.description)) {
    const lines = k.options.map((o) => described(o, inner, `| ${block(o, `${inner}  `, depth + 1)}`));
    return `\n${lines.join('\n')}`;
  }
  if (k.kind === 'array' && k.items && classify(k.items).kind === 'object') return `Array<${block(k.items, indent, depth + 1)}>`;
  if (k.kind === 'record' && k.values && classify(k.values).kind === 'object') return `Record<string, ${block(k.values, indent, depth + 1)}>`;
  return schemaToTs(s, depth);
}

/**
 * The schema with every union of objects folded into one object whose fields are those of all
 * alternatives, optional unless every alternative has them. Declarations use it so that a
 * script reads `r.result.valid` without first proving which operation's shape it got.
 */
export function mergeObjectUnions(s: JsonSchema, depth = 0): JsonSchema {
  if (depth > MAX_DEPTH) return s;
  const k = classify(s);
  const next = (x: JsonSchema) => mergeObjectUnions(x, depth + 1);
  switch (k.kind) {
    case 'union': {
      const options = k.options.map(next);
      if (options.length < 2 || !options.every((o) => classify(o).kind === 'object')) return { ...s, anyOf: options, oneOf: undefined };
      const properties: Record<string, JsonSchema[]> = {};
      const counts: Record<string, number> = {};
      for (const o of options) {
        const req = new Set(o.required ?? []);
        for (const [name, field] of Object.entries(o.properties ?? {})) {
          (properties[name] ??= []).push(field);
          if (req.has(name)) counts[name] = (counts[name] ?? 0) + 1;
        }
      }
      const merged: Record<string, JsonSchema> = {};
      for (const [name, fields] of Object.entries(properties)) {
        const distinct = [...new Map(fields.map((f) => [JSON.stringify({ ...f, description: undefined }), f])).values()];
        merged[name] = distinct.length === 1 ? distinct[0] : { anyOf: distinct };
      }
      return { type: 'object', properties: merged, required: Object.keys(merged).filter((n) => counts[n] === options.length), description: s.description };
    }
    case 'object':
      return { ...s, properties: Object.fromEntries(Object.entries(s.properties ?? {}).map(([n, f]) => [n, next(f)])) };
    case 'array':
      return k.items ? { ...s, items: next(k.items) } : s;
    case 'record':
      return k.values ? { ...s, additionalProperties: next(k.values) } : s;
    default:
      return s;
  }
}
