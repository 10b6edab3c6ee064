import fs from 'node:fs';
import path from 'node:path';
import { cli, scratch, write } from './helpers.js';

/** The switches for finding where a cold start goes (see the README): off, a run prints nothing of them. */
describe('cold-start diagnostics', () => {
  test('LLMSPELL_START_MARKS=1: marks of the CLI and of its script host, on one clock, in order', async () => {
    const dir = scratch();
    write(dir, 'hi.lua', 'return Tool.invoke("calculator", { input = "1+1" }).result.result');
    const plain = await cli(['run', 'hi.lua'], { cwd: dir });
    expect([plain.code, plain.stdout.trim(), plain.stderr]).toEqual([0, '2', '']);
    const marked = await cli(['run', 'hi.lua'], { cwd: dir, env: { LLMSPELL_START_MARKS: '1' } });
    expect(marked.stdout.trim()).toBe('2');
    const marks = marked.stderr.trim().split('\n').map((line) => {
      const [tag, t, pid, cpu, ...name] = line.split(' ');
      return { tag, t: Number(t), pid, cpu: Number(cpu), name: name.join(' ') };
    });
    expect(marks.every((m) => m.tag === '[start]' && m.t > 0 && m.cpu >= 0)).toBe(true);
    const main = marks.filter((m) => m.name.startsWith('main: '));
    const host = marks.filter((m) => m.name.startsWith('host: '));
    expect(new Set(main.map((m) => m.pid)).size).toBe(1);
    expect(new Set(host.map((m) => m.pid)).size).toBe(1);
    expect(main[0].pid).not.toBe(host[0].pid);
    const at = (name: string) => marks.find((m) => m.name === name)!.t;
    for (const name of ['main: starting host', 'host: process start', 'host: config loaded', 'host: tools loaded', 'host: engine ready', 'main: host done']) expect(at(name)).toBeGreaterThan(0);
    expect(at('main: starting host')).toBeLessThanOrEqual(at('host: config loaded'));
    expect(at('host: config loaded')).toBeLessThanOrEqual(at('host: engine ready'));
    expect(at('host: engine ready')).toBeLessThanOrEqual(at('main: host done'));
  });

  test('run and exec start their script host from the launcher, before the rest of the CLI loads, unless a flag changes how it starts', async () => {
    const dir = scratch();
    write(dir, 'hi.lua', 'return 6 * 7');
    const names = (stderr: string) => stderr.trim().split('\n').map((line) => line.split(' ').slice(4).join(' '));
    const early = await cli(['run', 'hi.lua'], { cwd: dir, env: { LLMSPELL_START_MARKS: '1' } });
    expect([early.code, early.stdout.trim()]).toEqual([0, '42']);
    const marks = names(early.stderr);
    expect(marks.indexOf('main: host prestarted')).toBeGreaterThan(marks.indexOf('main: process start'));
    expect(marks.indexOf('main: host prestarted')).toBeLessThan(marks.indexOf('main: bin loaded'));
    // the rest of the CLI took the launcher's host: no second early start, and one host ran the script
    expect(marks.filter((m) => m === 'main: host prestarted')).toHaveLength(1);
    const hostPids = new Set(early.stderr.trim().split('\n').filter((line) => line.split(' ')[4] === 'host:').map((line) => line.split(' ')[2]));
    expect(hostPids.size).toBe(1);
    const exec = await cli(['exec', 'return 1 + 1'], { cwd: dir, env: { LLMSPELL_START_MARKS: '1' } });
    expect([exec.code, exec.stdout.trim(), names(exec.stderr).includes('main: host prestarted')]).toEqual([0, '2', true]);
    // the heap follows --max-memory: that run starts its own host, with the same result
    const sized = await cli(['run', '--max-memory', '200', 'hi.lua'], { cwd: dir, env: { LLMSPELL_START_MARKS: '1' } });
    expect([sized.code, sized.stdout.trim(), names(sized.stderr).includes('main: host prestarted'), names(sized.stderr).includes('host: engine ready')]).toEqual([0, '42', false, true]);
    // an early host no run takes (the script is missing) is ended, and the CLI exits as before
    const missing = await cli(['run', 'nope.lua'], { cwd: dir });
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('Script file not found: nope.lua')]);
  });

  test('LLMSPELL_HOST_CPU_PROF=<dir>: the script host writes a V8 CPU profile there', async () => {
    const dir = scratch();
    write(dir, 'hi.lua', 'return 1');
    const profiles = path.join(dir, 'profiles');
    const r = await cli(['run', 'hi.lua'], { cwd: dir, env: { LLMSPELL_HOST_CPU_PROF: 'profiles' } });
    expect([r.code, r.stdout.trim()]).toEqual([0, '1']);
    const files = fs.readdirSync(profiles).filter((f) => f.endsWith('.cpuprofile'));
    expect(files).toHaveLength(1);
    const profile = JSON.parse(fs.readFileSync(path.join(profiles, files[0]), 'utf8')) as { nodes: Array<{ callFrame: { url: string } }> };
    // the host's own code (the CLI's process is not profiled: it has no --cpu-prof)
    expect(profile.nodes.some((n) => n.callFrame.url.startsWith('file:') && n.callFrame.url.includes('/dist/'))).toBe(true);
  });
});
