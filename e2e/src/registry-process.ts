// The local registry's process: verdaccio on a random loopback port, announced on stdout as
// one JSON line. It stops when its parent closes stdin, so a crashed test leaves no server.
import type { AddressInfo } from 'node:net';
import { runServer } from 'verdaccio';

const configFile = process.argv[2];
if (!configFile) {
  process.stderr.write('usage: registry-process <verdaccio config.yaml>\n');
  process.exit(2);
}

const server = await runServer(configFile);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(JSON.stringify({ port }) + '\n');
});
const stop = () => {
  server.close(() => process.exit(0));
  // Keep-alive connections from npm would hold close() open.
  (server as { closeAllConnections?: () => void }).closeAllConnections?.();
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
