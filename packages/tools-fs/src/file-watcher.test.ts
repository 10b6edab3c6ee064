import fs from 'node:fs';
import path from 'node:path';
import { fileWatcherTool as tool, type WatchEvent } from './index.js';
import { type Sandbox, eventWaiter, expectCode, sandbox } from './__fixtures__/helpers.js';

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
});
afterEach(() => sb.cleanup());

const events = (r: { result: unknown }) => (r.result as { events: WatchEvent[] }).events;

describe('file_watcher', () => {
  it('collects a created file in a subdirectory, then stops at max_events', async () => {
    fs.mkdirSync(path.join(sb.dir, 'sub'));
    const { sink, ready } = eventWaiter('file_watcher.ready');
    const result = sb.run(tool, { operation: 'watch', input: ['.'], max_events: 1, timeout_ms: 10_000, debounce_ms: 20 }, { events: sink });
    await ready;
    fs.writeFileSync(path.join(sb.dir, 'sub/new.txt'), 'hello');
    const r = await result;
    expect((r.result as { stopped_by: string }).stopped_by).toBe('max_events');
    expect(events(r)).toEqual([
      expect.objectContaining({ event_type: 'created', path: path.join(sb.dir, 'sub/new.txt'), relative_path: path.join('sub', 'new.txt') }),
    ]);
  });

  it('reports modified and deleted files', async () => {
    sb.file('existing.txt', 'v1');
    sb.file('gone.txt', 'x');
    const { sink, ready } = eventWaiter('file_watcher.ready');
    const result = sb.run(tool, { operation: 'watch', input: sb.dir, max_events: 2, timeout_seconds: 10, debounce_ms: 20 }, { events: sink });
    await ready;
    fs.appendFileSync(path.join(sb.dir, 'existing.txt'), 'v2');
    fs.unlinkSync(path.join(sb.dir, 'gone.txt'));
    const r = await result;
    const byName = Object.fromEntries(events(r).map((e) => [e.relative_path, e.event_type]));
    expect(byName).toEqual({ 'existing.txt': 'modified', 'gone.txt': 'deleted' });
  });

  it('filters by glob pattern and merges bursts for one path (debounce)', async () => {
    const { sink, ready } = eventWaiter('file_watcher.ready');
    const result = sb.run(tool, { operation: 'watch', path: '.', pattern: '*.log', max_events: 2, timeout_ms: 10_000, debounce_ms: 50 }, { events: sink });
    await ready;
    fs.writeFileSync(path.join(sb.dir, 'ignored.txt'), 'x');
    for (let i = 0; i < 5; i += 1) fs.appendFileSync(path.join(sb.dir, 'app.log'), `line ${i}\n`);
    fs.writeFileSync(path.join(sb.dir, 'other.log'), 'x');
    const r = await result;
    expect(events(r).map((e) => `${e.relative_path}:${e.event_type}`).sort()).toEqual(['app.log:created', 'other.log:created']);
  });

  it('returns what it has when the timeout passes', async () => {
    const r = await sb.run(tool, { operation: 'watch', input: ['.'], timeout_ms: 30 });
    expect(r.result).toMatchObject({ events: [], count: 0, stopped_by: 'timeout' });
  });

  it('stops and reports CANCELLED when the signal aborts', async () => {
    const controller = new AbortController();
    const { sink, ready } = eventWaiter('file_watcher.ready');
    const result = sb.run(tool, { operation: 'watch', input: ['.'], timeout_seconds: 60 }, { events: sink, signal: controller.signal });
    await ready;
    controller.abort();
    await expectCode(result, 'CANCELLED');
  });

  it('returns its configuration', async () => {
    const r = await sb.run(tool, { operation: 'config' });
    expect(r.result).toMatchObject({ default_timeout_seconds: 300, default_debounce_ms: 100, default_max_events: 1000 });
  });

  it('refuses paths outside the sandbox and missing paths', async () => {
    await expectCode(sb.run(tool, { operation: 'watch', input: ['../outside'], timeout_ms: 10 }), 'PATH_NOT_ALLOWED');
    fs.symlinkSync('/etc', path.join(sb.dir, 'etc'));
    await expectCode(sb.run(tool, { operation: 'watch', input: ['etc'], timeout_ms: 10 }), 'PATH_NOT_ALLOWED');
    await expectCode(sb.run(tool, { operation: 'watch', input: ['nope'], timeout_ms: 10 }), 'NOT_FOUND');
    await expectCode(sb.run(tool, { operation: 'watch' }), 'INVALID_ARGUMENT');
  });
});
