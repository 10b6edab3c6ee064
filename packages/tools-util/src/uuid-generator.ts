import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { defineTool, z, paramError } from '@llmspell/core';

const NAME = 'uuid_generator';

const STANDARD_NAMESPACES: Record<string, string> = {
  dns: '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
  url: '6ba7b811-9dad-11d1-80b4-00c04fd430c8',
  oid: '6ba7b812-9dad-11d1-80b4-00c04fd430c8',
  x500: '6ba7b814-9dad-11d1-80b4-00c04fd430c8',
  // The reference's component namespaces (llmspell-utils id_generator), so deterministic ids match it.
  agent: '6ba13d5a-3f5d-4a5b-9f7e-3d5a2f4d3a2b',
  tool: '7cb24e6b-4f6e-5b6c-af8f-4e6b3f5e4b3c',
  workflow: '8dc35f7c-5f7f-6c7d-bf9f-5f7c4f6f5c4d',
};

const UUID_RE = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i;

function parseUuid(text: string): Buffer | undefined {
  let t = text.trim();
  if (/^urn:uuid:/i.test(t)) t = t.slice(9);
  if (t.startsWith('{') && t.endsWith('}')) t = t.slice(1, -1);
  if (!UUID_RE.test(t)) return undefined;
  return Buffer.from(t.replace(/-/g, ''), 'hex');
}

function hyphenate(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function v5(namespace: Buffer, name: string): string {
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest().subarray(0, 16);
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  return hyphenate(hash);
}

// RFC 4122 v1: 60-bit count of 100 ns intervals since 1582-10-15, random clock sequence and a
// random node id with the multicast bit set (RFC 4122 §4.5) so no MAC address is exposed.
const GREGORIAN_OFFSET_MS = 12219292800000n;
let lastV1 = 0n;
const v1Node = (() => {
  const n = randomBytes(6);
  n[0] |= 0x01;
  return n;
})();
const v1ClockSeq = randomBytes(2).readUInt16BE(0) & 0x3fff;

function v1(): string {
  // Monotonic within the process: a repeated millisecond gets the next 100 ns tick.
  let ticks = (BigInt(Date.now()) + GREGORIAN_OFFSET_MS) * 10000n;
  if (ticks <= lastV1) ticks = lastV1 + 1n;
  lastV1 = ticks;
  const b = Buffer.alloc(16);
  const timeLow = Number(ticks & 0xffffffffn);
  const timeMid = Number((ticks >> 32n) & 0xffffn);
  const timeHi = Number((ticks >> 48n) & 0x0fffn) | 0x1000;
  b.writeUInt32BE(timeLow, 0);
  b.writeUInt16BE(timeMid, 4);
  b.writeUInt16BE(timeHi, 6);
  b.writeUInt16BE(v1ClockSeq | 0x8000, 8);
  v1Node.copy(b, 10);
  return hyphenate(b);
}

type Format = 'hyphenated' | 'simple' | 'urn' | 'braced';

function formatUuid(uuid: string, format: Format): string {
  switch (format) {
    case 'simple': return uuid.replace(/-/g, '');
    case 'urn': return `urn:uuid:${uuid}`;
    case 'braced': return `{${uuid}}`;
    default: return uuid;
  }
}

function namespaceBytes(ns: string | undefined, parameter: string): Buffer {
  const key = (ns ?? 'dns').toLowerCase();
  const known = Object.hasOwn(STANDARD_NAMESPACES, key) ? STANDARD_NAMESPACES[key] : undefined;
  const bytes = parseUuid(known ?? ns ?? '');
  if (!bytes) paramError(NAME, parameter, `'${ns}' is not a namespace name (${Object.keys(STANDARD_NAMESPACES).join(', ')}) or a UUID`);
  return bytes;
}

function variantName(byte: number): string {
  if ((byte & 0x80) === 0) return 'NCS';
  if ((byte & 0xc0) === 0x80) return 'RFC4122';
  if ((byte & 0xe0) === 0xc0) return 'Microsoft';
  return 'Future';
}

const parameters = z.object({
  operation: z.enum(['generate', 'component_id', 'deterministic', 'custom', 'validate', 'v1', 'v4', 'v5']).default('generate')
    .describe("'generate' a UUID; 'component_id' a prefixed id (prefix_uuid); 'deterministic' a v5 id from namespace+name; 'custom' an id from prefix/timestamp/suffix parts; 'validate' a UUID string. DOC aliases 'v1'/'v4'/'v5' mean generate with that version"),
  version: z.enum(['v1', 'v4', 'v5', '1', '4', '5']).default('v4').describe("UUID version for 'generate': v1 (time-based, random node), v4 (random) or v5 (SHA-1 of namespace + name)"),
  format: z.enum(['standard', 'hyphenated', 'simple', 'urn', 'braced']).default('standard')
    .describe("Output format: 'standard'/'hyphenated' (8-4-4-4-12), 'simple' (32 hex digits), 'urn' (urn:uuid:…), 'braced' ({…})"),
  namespace: z.string().optional()
    .describe("Namespace for v5/deterministic: 'dns', 'url', 'oid', 'x500', 'agent', 'tool', 'workflow' or a UUID. Default 'dns' for v5, 'agent' for deterministic"),
  name: z.string().optional().describe('Name hashed with the namespace (v5 and deterministic)'),
  prefix: z.string().optional().describe("Prefix for component_id (default 'component') and custom ids, e.g. 'agent', 'tool', 'workflow'"),
  short: z.boolean().default(false).describe('component_id/custom: use only the first 8 hex digits of the UUID'),
  timestamp: z.boolean().default(false).describe('custom: include the current Unix time in seconds'),
  suffix: z.string().optional().describe('custom: text appended at the end'),
  uuid: z.string().optional().describe("The UUID to check (validate); hyphenated, simple, braced and urn forms are accepted"),
  input: z.string().optional().describe("Alias of 'uuid' for validate"),
});

export const uuidGenerator = defineTool({
  name: NAME,
  description: 'Generates UUIDs (v1, v4, v5) in several formats, prefixed component ids and deterministic ids, and validates UUIDs.',
  outputSchema: z.union([
    z.object({ valid: z.literal(true), uuid: z.string(), version: z.string().nullable(), variant: z.string(), nil: z.boolean() }).describe('validate'),
    z.object({ valid: z.literal(false), uuid: z.string(), error: z.string() }).describe('validate, not a UUID'),
    z.object({ uuid: z.string(), version: z.string(), format: z.string() }).describe('generate'),
    z.object({ id: z.string(), prefix: z.string(), short: z.boolean() }).describe('component_id'),
    z.object({ id: z.string(), namespace: z.string(), name: z.string() }).describe('deterministic'),
    z.object({ id: z.string(), timestamp: z.boolean(), short: z.boolean() }).describe('custom'),
  ]),
  category: 'utility',
  securityLevel: 'safe',
  tags: ['uuid', 'id', 'identifier'],
  parameters,
  examples: [
    { description: 'Random v4 UUID', params: { operation: 'generate' } },
    { description: 'Name-based v5 UUID', params: { operation: 'generate', version: 'v5', namespace: 'dns', name: 'example.com' } },
    { description: 'Short component id', params: { operation: 'component_id', prefix: 'agent', short: true } },
    { description: 'Validate a UUID', params: { operation: 'validate', uuid: '550e8400-e29b-41d4-a716-446655440000' } },
  ],
  execute(params) {
    let operation: string = params.operation;
    let version = params.version.replace(/^(\d)$/, 'v$1');
    if (operation === 'v1' || operation === 'v4' || operation === 'v5') {
      version = operation;
      operation = 'generate';
    }
    const format: Format = params.format === 'standard' ? 'hyphenated' : params.format;
    const shortUuid = (): string => (params.short ? randomUUID().slice(0, 8) : randomUUID());
    switch (operation) {
      case 'generate': {
        let uuid: string;
        if (version === 'v1') uuid = v1();
        else if (version === 'v5') {
          if (!params.name) paramError(NAME, 'name', 'UUID v5 requires a name');
          uuid = v5(namespaceBytes(params.namespace, 'namespace'), params.name);
        } else uuid = randomUUID();
        return { operation, message: 'UUID generated successfully', result: { uuid: formatUuid(uuid, format), version, format } };
      }
      case 'component_id': {
        const prefix = params.prefix ?? 'component';
        return { operation, message: 'Component ID generated successfully', result: { id: `${prefix}_${shortUuid()}`, prefix, short: params.short } };
      }
      case 'deterministic': {
        if (!params.name) paramError(NAME, 'name', "is required for 'deterministic'");
        const namespace = params.namespace ?? 'agent';
        return {
          operation,
          message: 'Deterministic ID generated successfully',
          result: { id: v5(namespaceBytes(namespace, 'namespace'), params.name), namespace, name: params.name },
        };
      }
      case 'custom': {
        const parts: string[] = [];
        if (params.prefix) parts.push(params.prefix);
        if (params.timestamp) parts.push(String(Math.floor(Date.now() / 1000)));
        parts.push(shortUuid());
        if (params.suffix) parts.push(params.suffix);
        return { operation, message: 'Custom ID generated successfully', result: { id: parts.join('_'), timestamp: params.timestamp, short: params.short } };
      }
      default: {
        const text = params.uuid ?? params.input;
        if (!text) paramError(NAME, 'uuid', "is required for 'validate'");
        const bytes = parseUuid(text);
        if (!bytes) {
          return { operation: 'validate', message: 'Invalid UUID format', result: { valid: false, uuid: text, error: 'Invalid UUID format' } };
        }
        const isNil = bytes.every((b) => b === 0);
        const isMax = bytes.every((b) => b === 0xff);
        const ver = bytes[6] >> 4;
        return {
          operation: 'validate',
          message: 'UUID is valid',
          result: {
            valid: true,
            uuid: hyphenate(bytes),
            version: isNil || isMax || ver < 1 || ver > 8 ? null : `v${ver}`,
            variant: isNil ? 'NCS' : variantName(bytes[8]),
            nil: isNil,
          },
        };
      }
    }
  },
});
