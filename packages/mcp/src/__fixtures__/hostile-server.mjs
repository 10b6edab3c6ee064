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
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ListResourcesRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

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
  const server = new Server({ name: 'many', version: '0.0.1' }, { capabilities: { tools: {}, resources: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: Array.from({ length: n }, (_, i) => ({ name: `t${i}`, inputSchema: { type: 'object' } })) }));
  server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: Array.from({ length: n }, (_, i) => ({ uri: `memo://${i}`, name: `r${i}` })) }));
  await server.connect(new StdioServerTransport());
} else {
  if (mode === 'banner') process.stdout.write('Hostile server v1 starting (a stray banner)\n');
  const server = new McpServer({ name: 'hostile', version: '0.0.1' });
  server.registerTool('crash', { description: 'Dies mid-call' }, async () => {
    process.stderr.write('panic: out of cheese\n');
    process.exit(7);
  });
  server.registerTool('flood', { description: 'Returns 10 MB' }, async () => ({ content: [{ type: 'text', text: 'x'.repeat(10 * 1024 * 1024) }] }));
  server.registerTool('ok', { description: 'Answers' }, async () => ({ content: [{ type: 'text', text: 'fine' }] }));
  await server.connect(new StdioServerTransport());
}
