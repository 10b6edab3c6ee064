#!/usr/bin/env node
/**
 * `llmspell-mock-llm [--port N]`: runs the mock LLM server until interrupted, so users can
 * try agent scripts without a key:  OPENAI_BASE_URL=<printed url> llmspell run script.lua
 * Every request is answered `Echo: <last user message>`.
 */
import { startMockLlmServer } from './mock-llm-server.js';

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write('usage: llmspell-mock-llm [--port N]\n');
  process.exit(2);
}
const server = await startMockLlmServer({ port });
process.stdout.write(`mock LLM server listening on ${server.url}\n`);
process.stdout.write(`  OPENAI_BASE_URL=${server.openaiBaseUrl}  ANTHROPIC_BASE_URL=${server.anthropicBaseUrl}\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
