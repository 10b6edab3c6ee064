#!/usr/bin/env node
/**
 * MCP servers that misbehave, for the fault tests: node hostile-server.mjs <mode>
 *   exit     exits at start with a message on stderr
 *   hang     never answers initialize
 *   garbage  answers every message with lines that are not JSON-RPC
 *   banner   prints one stray line, then behaves
 *   die      works until a tool is called, then dies
 *   flood    its tool returns 10 MB
 *   many N   lists N tools and N resources in one page each (default 150000)
 *   raw      a hand-written JSON-RPC server whose tools answer what the SDK's server never
 *            sends: an error reply, a result off the schema, its id as a string, structured
 *            content off the tool's output schema, progress slower in total than the timeout
 */
// The SDK is imported only by the modes that use it: the others start in a bare Node's time,
// so tests with short timeouts measure the fault, not a loaded machine's module loading.
const sdk = async () => ({
  ...(await import('@modelcontextprotocol/sdk/server/mcp.js')),
  ...(await import('@modelcontextprotocol/sdk/server/stdio.js')),
  ...(await import('@modelcontextprotocol/sdk/server/index.js')),
  ...(await import('@modelcontextprotocol/sdk/types.js')),
});

const mode = process.argv[2];
if (mode === 'exit') {
  process.stderr.write(`fatal: the database at /var/db is missing (token ${process.env.DB_TOKEN ?? 'none'})\n`);
  process.exit(3);
} else if (mode === 'hang') {
  process.stderr.write('starting up slowly...\n');
  process.stdin.resume();
} else if (mode === 'garbage') {
  process.stdin.on('data', () => {
    for (let i = 0; i < 30; i++) process.stdout.write(`this is not json ${i}\n`);
  });
} else if (mode === 'many') {
  const n = Number(process.argv[3] ?? 150000);
  const { Server, StdioServerTransport, ListToolsRequestSchema, ListResourcesRequestSchema } = await sdk();
  const server = new Server({ name: 'many', version: '0.0.1' }, { capabilities: { tools: {}, resources: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: Array.from({ length: n }, (_, i) => ({ name: `t${i}`, inputSchema: { type: 'object' } })) }));
  server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: Array.from({ length: n }, (_, i) => ({ uri: `memo://${i}`, name: `r${i}` })) }));
  await server.connect(new StdioServerTransport());
} else if (mode === 'raw') {
  const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
  const tools = [
    { name: 'rpc_error', inputSchema: { type: 'object' } },
    { name: 'bad_result', inputSchema: { type: 'object' } },
    { name: 'string_id', inputSchema: { type: 'object' } },
    { name: 'slow', inputSchema: { type: 'object', properties: { steps: { type: 'number' }, ms: { type: 'number' } } } },
    { name: 'bad_structured', inputSchema: { type: 'object' }, outputSchema: { type: 'object', properties: { sum: { type: 'number' } }, required: ['sum'] } },
  ];
  const answer = (m) => {
    if (m.id === undefined) return;
    const reply = (result) => send({ jsonrpc: '2.0', id: m.id, result });
    if (m.method === 'initialize') return reply({ protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'raw', version: '0.0.1' } });
    if (m.method === 'tools/list') return reply({ tools });
    if (m.method !== 'tools/call') return send({ jsonrpc: '2.0', id: m.id, error: { code: -32601, message: `no method ${m.method}` } });
    const { name, arguments: args = {} } = m.params;
    if (name === 'rpc_error') return send({ jsonrpc: '2.0', id: m.id, error: { code: -32603, message: 'the backend is down', data: { retry: false } } });
    if (name === 'bad_result') return reply({ content: 'not a list' });
    if (name === 'string_id') return send({ jsonrpc: '2.0', id: String(m.id), result: { content: [{ type: 'text', text: 'answered under a string id' }] } });
    if (name === 'bad_structured') return reply({ content: [{ type: 'text', text: '{"sum":"two"}' }], structuredContent: { sum: 'two' } });
    if (name === 'slow') {
      const token = m.params._meta?.progressToken;
      let step = 0;
      const timer = setInterval(() => {
        step++;
        if (token !== undefined) send({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: step, total: args.steps } });
        if (step < args.steps) return;
        clearInterval(timer);
        reply({ content: [{ type: 'text', text: `slow done after ${step} steps` }] });
      }, args.ms);
      return;
    }
    return send({ jsonrpc: '2.0', id: m.id, error: { code: -32602, message: `unknown tool ${name}` } });
  };
  let pending = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    pending += chunk;
    for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim()) answer(JSON.parse(line));
    }
  });
} else {
  if (mode === 'banner') process.stdout.write('Hostile server v1 starting (a stray banner)\n');
  const { McpServer, StdioServerTransport } = await sdk();
  const server = new McpServer({ name: 'hostile', version: '0.0.1' });
  server.registerTool('crash', { description: 'Dies mid-call' }, async () => {
    process.stderr.write('panic: out of cheese\n');
    process.exit(7);
  });
  server.registerTool('flood', { description: 'Returns 10 MB' }, async () => ({ content: [{ type: 'text', text: 'x'.repeat(10 * 1024 * 1024) }] }));
  server.registerTool('ok', { description: 'Answers' }, async () => ({ content: [{ type: 'text', text: 'fine' }] }));
  await server.connect(new StdioServerTransport());
}
