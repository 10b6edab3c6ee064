import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bin, cli, scratch, write } from './helpers.js';

/** The REPL keeps history only on a terminal: `script` gives it one. */
const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Types each line at the REPL's next prompt, then leaves; resolves with what the terminal showed. */
function replOnTerminal(home: string, lines: string[], extra = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} repl ${extra}`, '/dev/null'], {
      cwd: home,
      env: { PATH: process.env.PATH ?? '', HOME: home, XDG_DATA_HOME: path.join(home, '.data'), XDG_CACHE_HOME: path.join(home, '.cache'), NO_COLOR: '1', TERM: 'dumb' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let shown = '';
    let prompts = 0;
    const queue = [...lines, '.exit'];
    child.stdout.on('data', (d) => {
      shown += d;
      const count = shown.split(/(?:lua|\.\.\.)> /).length - 1;
      while (prompts < count && queue.length > 0) {
        prompts++;
        child.stdin.write(queue.shift() + '\r');
      }
      if (queue.length === 0) child.stdin.end();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the REPL did not finish: ${shown}`));
    }, 60_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(shown);
    });
  });
}

const mode = (file: string) => fs.statSync(file).mode & 0o777;

(hasScript && process.platform !== 'win32' ? describe : describe.skip)('REPL history', () => {
  test('is owner-only, and keeps each line of a multi-line input (a comment swallows nothing)', async () => {
    const home = scratch();
    const shown = await replOnTerminal(home, ['for i=1,2 do -- loop', 'print(i * 10)', 'end']);
    expect(shown).toMatch(/10\r?\n20/);
    const file = path.join(home, '.llmspell_history');
    expect(fs.readFileSync(file, 'utf8')).toBe('for i=1,2 do -- loop\nprint(i * 10)\nend\n');
    expect(mode(file)).toBe(0o600);
  });

  test('a default history file readable by others is narrowed to the owner', async () => {
    const home = scratch();
    const file = write(home, '.llmspell_history', 'x = 1\n');
    fs.chmodSync(file, 0o644);
    await replOnTerminal(home, ['print(2)']);
    expect(mode(file)).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toBe('x = 1\nprint(2)\n');
  });
});

(process.platform === 'win32' ? describe.skip : describe)('project state', () => {
  test('the state directory and the database files are created owner-only', async () => {
    const project = scratch();
    write(project, 'llmspell.toml', '');
    write(project, 'main.lua', 'State.save("global", "k", "secret")\n');
    const run = await cli(['run', 'main.lua'], { cwd: project });
    expect(run.stderr).toBe('');
    const dir = path.join(project, '.llmspell');
    const files = fs.readdirSync(dir).filter((name) => name.startsWith('state.db'));
    expect(files).toContain('state.db');
    expect(mode(dir)).toBe(0o700);
    for (const name of files) expect([name, mode(path.join(dir, name))]).toEqual([name, 0o600]);
  });

  test('llmspell types makes the project state folder owner-only when it is first', async () => {
    const project = scratch();
    write(project, 'llmspell.toml', '');
    expect((await cli(['types'], { cwd: project })).code).toBe(0);
    expect(mode(path.join(project, '.llmspell'))).toBe(0o700);
  });
});
