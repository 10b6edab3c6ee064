import { createHash } from 'node:crypto';
import { aliasOf, LlmspellError, defineTool, guardedRequest, redactUrl, z } from '@llmspell/core';
import { redactStrings, settingNumber, stringHeaders } from './http-support.js';

export const INTROSPECTION_QUERY = `query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`;

const INTROSPECTION_TTL_MS = 5 * 60_000;
const introspectionCache = new Map<string, { expires: number; value: unknown }>();

/** Drops cached introspection results (tests, or after a schema change). */
export function clearIntrospectionCache(): void {
  introspectionCache.clear();
}

/** The operation kinds a document defines, ignoring comments and strings. */
function operationKinds(document: string): Set<string> {
  const stripped = document.replace(/"""[\s\S]*?"""/g, '""').replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/#[^\n]*/g, '');
  const kinds = new Set<string>();
  let depth = 0;
  const re = /[{}]|\b(query|mutation|subscription|fragment)\b/g;
  let sawTopLevel = false;
  for (const m of stripped.matchAll(re)) {
    if (m[0] === '{') {
      if (depth === 0 && !sawTopLevel) kinds.add('query');
      depth++;
      sawTopLevel = false;
    } else if (m[0] === '}') depth--;
    else if (depth === 0) {
      sawTopLevel = true;
      if (m[1] !== 'fragment') kinds.add(m[1]);
    }
  }
  return kinds;
}

export const graphqlQuery = defineTool({
  name: 'graphql_query',
  aliases: ['graphql-query'],
  description: 'GraphQL client over HTTP: queries, mutations and schema introspection (cached per endpoint)',
  outputSchema: z.object({
    data: z.unknown().describe('The response data (null when the server gave none)'), status: z.number(),
    errors: z.array(z.record(z.string(), z.unknown())).optional().describe('GraphQL errors; then success is false'), extensions: z.unknown().optional(),
  }),
  examples: [
    { description: 'Query with variables', params: { endpoint: 'https://countries.trevorblades.com/graphql', input: 'query ($code: ID!) { country(code: $code) { name capital } }', variables: { code: 'NO' } } },
    { description: 'The schema (cached per endpoint)', params: { operation: 'introspection', endpoint: 'https://countries.trevorblades.com/graphql' } },
  ],
  category: 'api',
  // CODE level of the reference (DOC: Restricted).
  securityLevel: 'privileged',
  tags: ['graphql', 'api', 'network'],
  parameters: z.object({
    operation: z.enum(['query', 'mutation', 'subscription', 'introspection']).default('query'),
    endpoint: z.string().describe('GraphQL endpoint URL'),
    input: z.string().optional().describe('The GraphQL document (required except for introspection)'),
    query: aliasOf('input'),
    variables: z.record(z.string(), z.unknown()).optional(),
    operation_name: z.string().optional(),
    headers: z.record(z.string(), z.unknown()).optional(),
    timeout: z.number().positive().max(600).optional().describe('Seconds (default 30)'),
  }),
  async execute(params, ctx) {
    const { operation } = params;
    if (operation === 'subscription') {
      throw new LlmspellError('UNSUPPORTED', "parameter 'operation': subscriptions need a WebSocket transport; only query, mutation and introspection work over HTTP");
    }
    const document = operation === 'introspection' ? INTROSPECTION_QUERY : params.input ?? params.query;
    if (!document || document.trim() === '') throw new LlmspellError('INVALID_ARGUMENT', `parameter 'input' (the GraphQL document) is required for operation '${operation}'`);
    if (operation !== 'introspection') {
      const kinds = operationKinds(document);
      if (operation === 'query' && kinds.has('mutation') && !params.operation_name) {
        throw new LlmspellError('INVALID_ARGUMENT', "parameter 'operation': the document contains a mutation; call with operation = 'mutation'");
      }
      if (operation === 'mutation' && !kinds.has('mutation')) {
        throw new LlmspellError('INVALID_ARGUMENT', "parameter 'input': operation 'mutation' needs a document with a mutation");
      }
    }
    const headers = stringHeaders(params.headers);
    for (const [k, v] of Object.entries(headers)) if (/^(authorization|x-api-key|api-key|cookie)$/i.test(k)) ctx.policy.secrets.add(v.replace(/^(Bearer|Basic)\s+/i, ''));
    const cacheKey = `${params.endpoint}\n${createHash('sha256').update(JSON.stringify(Object.entries(headers).sort())).digest('hex')}`;
    if (operation === 'introspection') {
      const hit = introspectionCache.get(cacheKey);
      if (hit && hit.expires > Date.now()) {
        return { operation, result: hit.value, metadata: { cached: true, endpoint: redactUrl(params.endpoint) } };
      }
    }
    const payload: Record<string, unknown> = { query: document };
    if (params.variables) payload.variables = params.variables;
    if (params.operation_name) payload.operationName = params.operation_name;
    const res = await guardedRequest(ctx.policy, {
      url: params.endpoint,
      parameter: 'endpoint',
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json, application/json', ...headers },
      body: JSON.stringify(payload),
      timeoutMs: (params.timeout ?? settingNumber(ctx, 'timeout_seconds', 30)) * 1000,
      signal: ctx.signal,
    });
    let json: { data?: unknown; errors?: Array<{ message?: string }>; extensions?: unknown };
    try {
      json = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw new LlmspellError('TOOL_EXECUTION_FAILED', `graphql_query: ${redactUrl(params.endpoint)} answered HTTP ${res.status} with a non-JSON body`, {
        details: { status: res.status },
      });
    }
    if (typeof json !== 'object' || json === null || (!('data' in json) && !('errors' in json))) {
      throw new LlmspellError('TOOL_EXECUTION_FAILED', `graphql_query: ${redactUrl(params.endpoint)} answered HTTP ${res.status} without data or errors`);
    }
    const errors = Array.isArray(json.errors) ? json.errors : undefined;
    const result: Record<string, unknown> = redactStrings({ data: json.data ?? null, status: res.status }, (t) => ctx.policy.redact(t));
    if (errors) result.errors = redactStrings(errors, (t) => ctx.policy.redact(t));
    if (json.extensions !== undefined) result.extensions = json.extensions;
    const ok = !errors || errors.length === 0;
    if (operation === 'introspection' && ok && res.status < 400) {
      // Bounded: oldest entries go first, so a script cycling endpoints cannot grow it forever.
      if (introspectionCache.size >= 100) introspectionCache.delete(introspectionCache.keys().next().value as string);
      introspectionCache.set(cacheKey, { expires: Date.now() + INTROSPECTION_TTL_MS, value: result });
    }
    return {
      operation,
      success: ok,
      result,
      ...(ok ? {} : { error: { message: errors!.map((e) => e.message ?? 'error').join('; '), code: 'GRAPHQL_ERROR', details: errors } }),
      metadata: { cached: false, status: res.status, endpoint: redactUrl(params.endpoint) },
    };
  },
});
