import { closestMatch, isPlainObject, unwrapSchema } from '@llmspell/core';
import { EventsConfigSchema, HooksConfigSchema } from '@llmspell/hooks';
import { z } from 'zod';
import { AgentsConfigSchema } from '../agents/agents-config.js';
import { WORKFLOWS_CONFIG_KEYS } from '../workflows/workflows-config.js';
import { LlmspellConfigSchema, ToolsSectionSchema } from './config-schema.js';

/** A key of the config llmspell does not read. */
export interface UnknownKey {
  /** From the top of the file: `['runtime', 'security', 'allow_file_acess']`. */
  path: string[];
  /** The key of the same table it is a near miss of (a typo, most likely). */
  suggestion?: string;
}

/** Schemas of sections other packages parse, which the config schema keeps as plain records. */
export type SectionSchemas = Record<string, z.ZodType>;

/** An object or a record: a schema a TOML table can be judged against. */
function tableSchema(schema: z.ZodType): z.ZodObject | z.ZodRecord | undefined {
  const inner = unwrapSchema(schema);
  if (inner instanceof z.ZodObject || inner instanceof z.ZodRecord) return inner;
  if (!(inner instanceof z.ZodUnion)) return undefined;
  // `circuit_breaker = true` or a table: a table is judged by the one table-shaped option
  const tables = (inner.options as z.ZodType[]).map(tableSchema).filter((s) => s !== undefined);
  return tables.length === 1 ? tables[0] : undefined;
}

function walk(data: Record<string, unknown>, schema: z.ZodType, path: string[], found: UnknownKey[]): void {
  const table = tableSchema(schema);
  if (table instanceof z.ZodRecord) {
    // the user names a record's entries (providers, MCP servers, agents' prices): only their contents are judged
    for (const [name, value] of Object.entries(data)) if (isPlainObject(value)) walk(value, table.valueType as z.ZodType, [...path, name], found);
    return;
  }
  if (!table) return;
  const shape = table.shape as Record<string, z.ZodType>;
  const catchall = table.def.catchall && tableSchema(table.def.catchall as z.ZodType);
  for (const [key, value] of Object.entries(data)) {
    if (Object.hasOwn(shape, key)) {
      if (isPlainObject(value)) walk(value, shape[key], [...path, key], found);
    } else if (catchall && isPlainObject(value)) {
      walk(value, catchall, [...path, key], found);
    } else {
      found.push({ path: [...path, key], suggestion: closestMatch(key, Object.keys(shape)) });
    }
  }
}

/**
 * What llmspell reads of each section: the config schema, with the sections other code parses
 * replaced by the schemas (or the keys) that code reads them with. `[tools.<tool>]` tables
 * are the settings of a tool, named by the user.
 */
function knownKeysSchema(sections: SectionSchemas): z.ZodType {
  return LlmspellConfigSchema.extend({
    tools: ToolsSectionSchema.catchall(z.record(z.string(), z.unknown())),
    agents: AgentsConfigSchema,
    hooks: HooksConfigSchema,
    events: EventsConfigSchema,
    workflows: z.looseObject(Object.fromEntries(WORKFLOWS_CONFIG_KEYS.map((key) => [key, z.unknown()]))),
    ...sections,
  });
}

const NO_SECTIONS: SectionSchemas = {};
const schemas = new WeakMap<SectionSchemas, z.ZodType>();

/**
 * The keys of raw config data that llmspell does not read, at every level it knows: into
 * each section, each `[providers.providers.<name>]` and `[mcp.servers.<name>]`, and the
 * sections other packages parse (`sections`: e.g. `[observability]` with @llmspell/telemetry's
 * schema; a section without a schema here is not judged). Names the user chooses are never unknown.
 */
export function findUnknownKeys(raw: unknown, sections: SectionSchemas = NO_SECTIONS): UnknownKey[] {
  if (!isPlainObject(raw)) return [];
  let schema = schemas.get(sections);
  if (!schema) schemas.set(sections, (schema = knownKeysSchema(sections)));
  const found: UnknownKey[] = [];
  walk(raw, schema, [], found);
  return found;
}
