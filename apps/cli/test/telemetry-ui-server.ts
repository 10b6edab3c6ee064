import { spawn, type ChildProcess } from 'node:child_process';
import { bin } from './helpers.js';

export interface UiServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the built `llmspell ui --port 0` and resolves with the URL it prints. */
export function startUi(dir: string, env: Record<string, string>): Promise<UiServer> {
  const child = spawn(process.execPath, [bin, 'ui', '--port', '0'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`llmspell ui did not start: ${out}${err}`)), 20_000);
    child.stderr!.on('data', (d) => (err += d));
    child.on('exit', (code) => reject(new Error(`llmspell ui exited with ${code}: ${out}${err}`)));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /llmspell ui: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: m[1],
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
