import { spawn, type ChildProcess } from 'node:child_process';
import { bin } from './helpers.js';

export interface UiServer {
  /** The server's root, `http://127.0.0.1:PORT/`, without the token. */
  url: string;
  /** The URL `llmspell ui` printed to open: the root with `?token=…` (the root itself with --no-auth). */
  openUrl: string;
  /** The token made for this run; undefined with --no-auth. */
  token?: string;
  /** Headers that let a request in: `Authorization: Bearer <token>`, or none with --no-auth. */
  auth: Record<string, string>;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the built `llmspell ui --port 0` (plus `extra` arguments) and resolves with the URL it prints. */
export function startUi(dir: string, env: Record<string, string>, extra: string[] = []): Promise<UiServer> {
  const child = spawn(process.execPath, [bin, 'ui', '--port', '0', ...extra], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`llmspell ui did not start: ${out}${err}`)), 20_000);
    child.stderr!.on('data', (d) => (err += d));
    child.on('exit', (code) => reject(new Error(`llmspell ui exited with ${code}: ${out}${err}`)));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /llmspell ui: (http:\/\/127\.0\.0\.1:\d+\/)(\?token=([A-Za-z0-9_-]+))?\s/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const token = m[3] as string | undefined;
      resolve({
        url: m[1],
        openUrl: token ? `${m[1]}?token=${token}` : m[1],
        token,
        auth: token ? { authorization: `Bearer ${token}` } : {},
        child,
        stop: () => new Promise<void>((done) => {
          child.removeAllListeners('exit');
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
      });
    });
  });
}
