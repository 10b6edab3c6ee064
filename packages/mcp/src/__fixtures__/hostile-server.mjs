#!/usr/bin/env node
/**
 * MCP servers that misbehave, for the fault tests: node hostile-server.mjs <mode>
 *   exit     exits at start with a message on stderr
 *   hang     never answers initialize
 *   garbage  answers every message with lines that are not JSON-RPC
 *   banner   prints one stray line, then behaves
 *   die      works until a tool is called, then dies
 *   flood    its tool returns 10 MB
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

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
