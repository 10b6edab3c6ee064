import { getEventListeners } from 'node:events';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecurityPolicy } from '@llmspell/core';
import { McpClientConnector } from '../mcp-client-connector.js';
import { rejection as failure } from '../testing/index.js';
// @ts-expect-error a plain ESM fixture without types
import { serveHttp } from '../__fixtures__/fixture-server.mjs';

type Served = http.Server;

describe('HTTP servers', () => {
  let streamable: Served;
  let sseOnly: Served;
  let url: string;
  let sseUrl: string;
  beforeAll(async () => {
    streamable = (await serveHttp(0, false)) as Served;
    sseOnly = (await serveHttp(0, true)) as Served;
    url = `http://127.0.0.1:${(streamable.address() as AddressInfo).port}/mcp`;
    sseUrl = `http://127.0.0.1:${(sseOnly.address() as AddressInfo).port}/mcp`;
  });
  afterAll(async () => {
    for (const s of [streamable, sseOnly]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  test('a configured URL server: tools over Streamable HTTP, its headers sent to it alone', async () => {
    const policy = new SecurityPolicy();
    const mcp = new McpClientConnector({ servers: { remote: { url, headers: { Authorization: 'Bearer remote-token-abcdef123456' } } } }, { policy });
    try {
      const { tools, failures } = await mcp.loadTools();
      expect(failures).toEqual([]);
      expect(tools.map((t) => t.name)).toContain('remote.echo');
      const session = await mcp.connect({ server: 'remote' });
      expect((await session.callTool('echo', { message: 'over http' })).text).toBe('echo: over http');
      const headers = JSON.parse((await session.callTool('headers', {})).text) as Record<string, string>;
      expect(headers.authorization).toBe('Bearer remote-token-abcdef123456');
      expect(policy.redact('token remote-token-abcdef123456')).toBe('token [REDACTED]');
    } finally {
      await mcp.close();
    }
  });

  test('a script URL chooses how elicitation is answered: declined by default, the defaults when it says so', async () => {
    const mcp = new McpClientConnector({}, { policy: new SecurityPolicy({ allowPrivateNetwork: true }) });
    try {
      const plain = await mcp.connect({ url });
      expect(JSON.parse((await plain.callTool('elicit', {})).text)).toEqual({ action: 'decline' });
      const answering = await mcp.connect({ url, elicitation: 'defaults' });
      expect(JSON.parse((await answering.callTool('elicit', {})).text)).toEqual({ action: 'accept', content: { city: 'Paris', days: 3 } });
    } finally {
      await mcp.close();
    }
  });

  test('a script URL goes through the network policy: loopback refused unless allowed', async () => {
    const strict = new McpClientConnector({}, { policy: new SecurityPolicy() });
    const error = await failure(strict.connect({ url }));
    expect(error.code).toBe('NETWORK_NOT_ALLOWED');
    const open = new McpClientConnector({}, { policy: new SecurityPolicy({ allowPrivateNetwork: true }) });
    try {
      const session = await open.connect({ url });
      expect((await session.callTool('add', { a: 20, b: 22 })).structuredContent).toEqual({ sum: 42 });
      await session.close();
    } finally {
      await open.close();
    }
  });

  test('blocked domains apply to script URLs', async () => {
    const mcp = new McpClientConnector({}, { policy: new SecurityPolicy({ allowPrivateNetwork: true, blockedDomains: ['127.0.0.1'] }) });
    expect((await failure(mcp.connect({ url }))).code).toBe('NETWORK_NOT_ALLOWED');
  });

  test('an older HTTP+SSE server is reached through the fallback', async () => {
    const mcp = new McpClientConnector({}, { policy: new SecurityPolicy({ allowPrivateNetwork: true }) });
    try {
      const session = await mcp.connect({ url: sseUrl });
      expect((await session.callTool('echo', { message: 'legacy' })).text).toBe('echo: legacy');
    } finally {
      await mcp.close();
    }
  });

  test('an oversized HTTP answer is MCP_PROTOCOL_ERROR', async () => {
    const mcp = new McpClientConnector({ max_response_bytes: 64 * 1024 }, { policy: new SecurityPolicy({ allowPrivateNetwork: true }) });
    try {
      const session = await mcp.connect({ url });
      const error = await failure(session.callTool('big', { bytes: 200 * 1024 }));
      expect(error.code).toBe('MCP_PROTOCOL_ERROR');
      expect(error.message).toContain('more than 65536 bytes');
    } finally {
      await mcp.close();
    }
  });

  test("connects, failing or not, leave no listener on the caller's signal", async () => {
    const mcp = new McpClientConnector({}, { policy: new SecurityPolicy({ allowPrivateNetwork: true }) });
    const script = new AbortController();
    try {
      for (let i = 0; i < 20; i++) expect((await failure(mcp.connect({ url: 'http://127.0.0.1:9/mcp' }, { signal: script.signal }))).code).toBe('MCP_CONNECT_FAILED');
      const session = await mcp.connect({ url }, { signal: script.signal });
      await session.close();
      expect(getEventListeners(script.signal, 'abort')).toHaveLength(0);
    } finally {
      await mcp.close();
    }
  });

  test('nothing listening: MCP_CONNECT_FAILED', async () => {
    const mcp = new McpClientConnector({ servers: { gone: { url: 'http://127.0.0.1:9/mcp' } } }, { policy: new SecurityPolicy() });
    const error = await failure(mcp.connect({ server: 'gone' }));
    expect(error.code).toBe('MCP_CONNECT_FAILED');
    expect(error.message).toContain("server 'gone'");
  });
});
