/**
 * A server started from a worker thread that is then terminated (as a run stopped by a
 * watchdog is): no exit hook runs in such a thread, so the guard shell around the server must
 * see its lifeline close and kill the group.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { FIXTURE_SERVER as fixture, processAlive as alive, processesGone } from '../testing/index.js';

const dist = new URL('../../dist/index.js', import.meta.url).pathname;
const core = new URL('../../../core/dist/index.js', import.meta.url).pathname;

test('terminating the worker that started a server kills the server and its children', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-mcp-worker-')), 'worker.mjs');
  fs.writeFileSync(file, `
    import { parentPort } from 'node:worker_threads';
    const { createMcpConnector } = await import(${JSON.stringify(dist)});
    const { SecurityPolicy } = await import(${JSON.stringify(core)});
    const mcp = createMcpConnector({ servers: { f: { command: process.execPath, args: [${JSON.stringify(fixture)}] } } }, { policy: new SecurityPolicy() });
    const session = await mcp.connect({ server: 'f' });
    parentPort.postMessage((await session.callTool('pids', {})).text);
    for (;;) {} // a runaway script: only terminate() stops this thread
  `);
  const worker = new Worker(file);
  const pids = JSON.parse(await new Promise<string>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  })) as { pid: number; grandchild: number };
  expect(alive(pids.pid) && alive(pids.grandchild)).toBe(true);
  await worker.terminate();
  expect(await processesGone([pids.pid, pids.grandchild])).toBe(true);
});
