import { z } from 'zod';

export interface ParameterDescription {
  name: string;
  type: string;
  description: string;
  required: boolean;
  default?: unknown;
  enum?: unknown[];
}

export type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
};

const cache = new WeakMap<object, { json: JsonSchema; params: ParameterDescription[] }>();

// Seeded schemas also ride on the stand-in itself under a registry symbol: an add-on (the MCP
// server, a plugin) describes tools through its own copy of this module, whose caches are
// not the ones the CLI's bundled copy seeded.
const SEEDED_JSON = Symbol.for('llmspell.schema.seededJson');
type Seeded = { [SEEDED_JSON]?: { parameters?: JsonSchema; output?: JsonSchema } };

function typeOf(s: JsonSchema): string {
  if (typeof s.type === 'string') return s.type === 'integer' ? 'number' : s.type;
  if (Array.isArray(s.type)) return s.type.filter((t) => t !== 'null').map((t) => (t === 'integer' ? 'number' : t)).join('|') || 'null';
  const alts = s.anyOf ?? s.oneOf;
  if (alts) {
    const types = [...new Set(alts.map(typeOf).filter((t) => t !== 'null'))];
    return types.length ? types.join('|') : 'any';
  }
  if (s.enum) return typeof s.enum[0] === 'number' ? 'number' : 'string';
  if (s.const !== undefined) return typeof s.const;
  return 'any';
}

/** The JSON Schema of a tool's zod parameters (input side: defaults are optional). */
export function parametersJsonSchema(schema: z.ZodType): JsonSchema {
  const hit = cache.get(schema);
  if (hit) return hit.json;
  const json = (schema as Seeded)[SEEDED_JSON]?.parameters ?? (z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
  cache.set(schema, { json, params: describeFromJson(json) });
  return json;
}

function describeFromJson(json: JsonSchema): ParameterDescription[] {
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, s]) => {
    const d: ParameterDescription = {
      name,
      type: typeOf(s),
      description: s.description ?? '',
      required: required.has(name) && s.default === undefined,
    };
    if (s.default !== undefined) d.default = s.default;
    const e = s.enum ?? (s.anyOf ?? []).flatMap((a) => a.enum ?? []);
    if (e.length) d.enum = e;
    return d;
  });
}

const outputCache = new WeakMap<object, JsonSchema>();

/**
 * Gives a stand-in schema the JSON Schemas of the real one, computed ahead (a tool manifest):
 * describing the stand-in then never needs the real zod schema.
 */
export function seedSchemaDescriptions(standIn: object, parameters: JsonSchema | undefined, output: JsonSchema | undefined): void {
  if (parameters) cache.set(standIn, { json: parameters, params: describeFromJson(parameters) });
  if (output) outputCache.set(standIn, output);
  Object.defineProperty(standIn, SEEDED_JSON, { value: { parameters, output } });
}

/**
 * The JSON Schema of a tool's `outputSchema` (output side: what `result` holds). Objects list
 * every field they have (`additionalProperties: false`), so the schema says the whole shape.
 */
export function outputJsonSchema(schema: z.ZodType): JsonSchema {
  const hit = outputCache.get(schema);
  if (hit) return hit;
  const json = (schema as Seeded)[SEEDED_JSON]?.output ?? (z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as JsonSchema);
  outputCache.set(schema, json);
  return json;
}

/** The reference's parameter list: `[{name, type, description, required, default?}]`. */
export function describeParameters(schema: z.ZodType): ParameterDescription[] {
  parametersJsonSchema(schema);
  return cache.get(schema)!.params;
}
