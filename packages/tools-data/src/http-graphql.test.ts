import { SecurityPolicy, createExecutionContext, executeComponent, type ToolResult } from '@llmspell/core';
import { clearIntrospectionCache, graphqlQuery, httpRequest } from './index.js';
import { json, startServer, type TestServer } from '@llmspell/core/testing';

const openCtx = () => createExecutionContext({ policy: new SecurityPolicy({ allowPrivateNetwork: true }) });
const run = (tool: typeof httpRequest, params: Record<string, unknown>, ctx = openCtx()) => executeComponent(tool, params, ctx) as Promise<ToolResult>;

const servers: TestServer[] = [];
afterEach(async () => { await Promise.all(servers.splice(0).map((s) => s.close())); });
async function serve(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const s = await startServer(...args);
  servers.push(s);
  return s;
}

interface HttpResult { status: number; ok: boolean; headers: Record<string, string>; body: unknown; attempts: number; url: string }

describe('http_request', () => {
  test('GET parses a JSON body', async () => {
    const s = await serve((_req, res) => json(res, 200, { hello: 'world', n: [1, 2] }));
    const r = await run(httpRequest, { input: `${s.url}/data` });
    const res = r.result as HttpResult;
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.body).toEqual({ hello: 'world', n: [1, 2] });
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.attempts).toBe(1);
  });

  test('POST sends an object body as JSON; DOC spelling url + operation works', async () => {
    const s = await serve((req, res, body) => json(res, 201, { method: req.method, type: req.headers['content-type'], got: JSON.parse(body) }));
    const r = await run(httpRequest, { url: s.url, operation: 'post', body: { a: 1 } });
    expect((r.result as HttpResult).body).toEqual({ method: 'POST', type: 'application/json', got: { a: 1 } });
    expect((r.result as HttpResult).status).toBe(201);
  });

  test('text bodies stay text; 404 is a result, not an error', async () => {
    const s = await serve((_req, res) => { res.writeHead(404, { 'Content-Type': 'text/plain' }); res.end('nope'); });
    const r = await run(httpRequest, { input: s.url, retry: { max_attempts: 1 } });
    expect(r.result).toMatchObject({ status: 404, ok: false, body: 'nope' });
  });

  test('auth: basic, bearer and api_key (header and query)', async () => {
    const s = await serve((req, res) => json(res, 200, { auth: req.headers.authorization ?? null, key: req.headers['x-api-key'] ?? null, url: req.url }));
    const basic = await run(httpRequest, { input: s.url, auth: { type: 'basic', username: 'u', password: 'pw-123456' } });
    expect(((basic.result as HttpResult).body as { auth: string }).auth).toBe('Basic [REDACTED]');
    expect(s.requests[0].headers.authorization).toBe(`Basic ${Buffer.from('u:pw-123456').toString('base64')}`);
    await run(httpRequest, { input: s.url, auth: { type: 'bearer', token: 'tok-abcdef' } });
    expect(s.requests[1].headers.authorization).toBe('Bearer tok-abcdef');
    await run(httpRequest, { input: s.url, auth: { type: 'api_key', key: 'k-987654' } });
    expect(s.requests[2].headers['x-api-key']).toBe('k-987654');
    const q = await run(httpRequest, { input: `${s.url}/p?x=1`, auth: { type: 'api_key', key: 'k-555555', location: 'query', param: 'apikey' } });
    expect(s.requests[3].url).toBe('/p?x=1&apikey=k-555555');
    // The key the server echoes back does not reach the script.
    expect(JSON.stringify(q.result)).not.toContain('k-555555');
    expect(q.text).not.toContain('k-555555');
  });

  test('retries 503 then succeeds, honouring the retry config', async () => {
    let n = 0;
    const s = await serve((_req, res) => {
      n += 1;
      if (n < 3) json(res, 503, { error: 'busy' });
      else json(res, 200, { ok: true });
    });
    const r = await run(httpRequest, { input: s.url, retry: { max_attempts: 4, initial_delay_ms: 10 } });
    expect((r.result as HttpResult).status).toBe(200);
    expect((r.result as HttpResult).attempts).toBe(3);
    expect(s.requests).toHaveLength(3);
  });

  test('429 honours Retry-After and gives up after max_attempts', async () => {
    const s = await serve((_req, res) => json(res, 429, { error: 'slow down' }, { 'Retry-After': '0' }));
    const r = await run(httpRequest, { input: s.url, retry: { max_attempts: 2, initial_delay_ms: 5000 } });
    // Retry-After: 0 replaced the 5 s backoff, so this finished quickly.
    expect((r.result as HttpResult).status).toBe(429);
    expect((r.result as HttpResult).attempts).toBe(2);
  });

  test('refuses loopback with the default policy', async () => {
    const s = await serve((_req, res) => json(res, 200, {}));
    await expect(run(httpRequest, { input: s.url }, createExecutionContext())).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
    expect(s.requests).toHaveLength(0);
  });

  test('bad parameters are named', async () => {
    await expect(run(httpRequest, {})).rejects.toThrow(/parameter 'input'/);
    await expect(run(httpRequest, { input: 'http://x.test', method: 'BREW' })).rejects.toThrow(/parameter 'method'/);
    await expect(run(httpRequest, { input: 'not a url' })).rejects.toThrow(/INVALID_ARGUMENT: parameter 'input' is not a valid URL/);
    await expect(run(httpRequest, { input: 'http://x.test', auth: { type: 'bearer' } })).rejects.toThrow(/auth.token/);
  });
});

/**
 * A tiny GraphQL-over-HTTP server: it understands exactly the documents the tests send,
 * plus introspection, and reports unknown fields as GraphQL errors.
 */
function graphqlServer(): Promise<TestServer> {
  const books = [{ id: '1', title: 'Dune' }, { id: '2', title: 'Emma' }];
  return serve((req, res, body) => {
    if (req.method !== 'POST') return json(res, 405, { errors: [{ message: 'POST only' }] });
    const { query, variables, operationName } = JSON.parse(body) as { query: string; variables?: Record<string, unknown>; operationName?: string };
    if (query.includes('__schema')) {
      return json(res, 200, { data: { __schema: { queryType: { name: 'Query' }, mutationType: { name: 'Mutation' }, subscriptionType: null, types: [{ kind: 'OBJECT', name: 'Book' }], directives: [] } } });
    }
    if (/\bbook\s*\(/.test(query)) {
      const b = books.find((x) => x.id === variables?.id) ?? null;
      return json(res, 200, { data: { book: b }, extensions: { op: operationName ?? null } });
    }
    if (/\baddBook\b/.test(query)) {
      const b = { id: String(books.length + 1), title: String(variables?.title) };
      books.push(b);
      return json(res, 200, { data: { addBook: b } });
    }
    if (/\bbooks\b/.test(query)) return json(res, 200, { data: { books } });
    return json(res, 400, { errors: [{ message: 'Cannot query field on type Query', locations: [{ line: 1, column: 3 }] }] });
  });
}

describe('graphql_query', () => {
  beforeEach(() => clearIntrospectionCache());

  test('query with variables and operation name', async () => {
    const s = await graphqlServer();
    const r = await run(graphqlQuery, { endpoint: s.url, input: 'query GetBook($id: ID!) { book(id: $id) { id title } }', variables: { id: '2' }, operation_name: 'GetBook' });
    expect(r.success).toBe(true);
    expect(r.result).toMatchObject({ data: { book: { id: '2', title: 'Emma' } }, extensions: { op: 'GetBook' } });
    expect(JSON.parse(s.requests[0].body)).toEqual({ query: expect.stringContaining('GetBook'), variables: { id: '2' }, operationName: 'GetBook' });
    expect(s.requests[0].headers['content-type']).toBe('application/json');
  });

  test('DOC spelling: document under query', async () => {
    const s = await graphqlServer();
    const r = await run(graphqlQuery, { endpoint: s.url, query: '{ books { title } }' });
    expect((r.result as { data: { books: unknown[] } }).data.books).toHaveLength(2);
  });

  test('mutation must be asked for as a mutation', async () => {
    const s = await graphqlServer();
    const doc = 'mutation Add($title: String!) { addBook(title: $title) { id title } }';
    await expect(run(graphqlQuery, { endpoint: s.url, input: doc, variables: { title: 'Ulysses' } })).rejects.toThrow(/operation = 'mutation'/);
    expect(s.requests).toHaveLength(0);
    const r = await run(graphqlQuery, { operation: 'mutation', endpoint: s.url, input: doc, variables: { title: 'Ulysses' } });
    expect(r.result).toMatchObject({ data: { addBook: { id: '3', title: 'Ulysses' } } });
    await expect(run(graphqlQuery, { operation: 'mutation', endpoint: s.url, input: '{ books { id } }' })).rejects.toThrow(/needs a document with a mutation/);
  });

  test('GraphQL errors come back as a soft failure with the errors list', async () => {
    const s = await graphqlServer();
    const r = await run(graphqlQuery, { endpoint: s.url, input: '{ nothing }' });
    expect(r.success).toBe(false);
    expect(r.error).toMatchObject({ code: 'GRAPHQL_ERROR', message: 'Cannot query field on type Query' });
    expect(r.result).toMatchObject({ data: null, status: 400, errors: [{ message: 'Cannot query field on type Query' }] });
  });

  test('introspection is cached per endpoint', async () => {
    const s = await graphqlServer();
    const first = await run(graphqlQuery, { operation: 'introspection', endpoint: s.url });
    expect(first.metadata.cached).toBe(false);
    expect((first.result as { data: { __schema: { queryType: { name: string } } } }).data.__schema.queryType.name).toBe('Query');
    const second = await run(graphqlQuery, { operation: 'introspection', endpoint: s.url });
    expect(second.metadata.cached).toBe(true);
    expect(second.result).toEqual(first.result);
    expect(s.requests).toHaveLength(1);
    const other = await graphqlServer();
    await run(graphqlQuery, { operation: 'introspection', endpoint: other.url });
    expect(other.requests).toHaveLength(1);
  });

  test('subscriptions are refused; non-JSON answers are errors', async () => {
    await expect(run(graphqlQuery, { operation: 'subscription', endpoint: 'http://x.test', input: 'subscription { a }' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    const s = await serve((_req, res) => res.end('<html>'));
    await expect(run(graphqlQuery, { endpoint: s.url, input: '{ a }' })).rejects.toThrow(/non-JSON body/);
  });

  test('the endpoint goes through the network policy', async () => {
    const s = await graphqlServer();
    await expect(run(graphqlQuery, { endpoint: s.url, input: '{ books { id } }' }, createExecutionContext())).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
    await expect(run(graphqlQuery, { endpoint: s.url, input: '{ books { id } }' }, createExecutionContext({ policy: new SecurityPolicy({ allowPrivateNetwork: true, maxSecurityLevel: 'restricted' }) })))
      .rejects.toMatchObject({ code: 'SECURITY_LEVEL_NOT_ALLOWED' });
    expect(s.requests).toHaveLength(0);
  });
});
