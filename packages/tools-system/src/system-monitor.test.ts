import os from 'node:os';
import { systemMonitorTool as tool } from './index.js';
import { type Sandbox, expectCode, sandbox } from './__fixtures__/helpers.js';

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
});
afterEach(() => sb.cleanup());

describe('system_monitor', () => {
  it('reports cpu usage sampled over a short window', async () => {
    const r = await sb.run(tool, { operation: 'cpu', sample_ms: 50 });
    const cpu = r.result as { cores: number; usage_percent: number; load_average: { one: number }; per_core_usage_percent: number[] };
    expect(cpu.cores).toBe(os.cpus().length);
    expect(cpu.usage_percent).toBeGreaterThanOrEqual(0);
    expect(cpu.usage_percent).toBeLessThanOrEqual(100);
    expect(cpu.per_core_usage_percent).toHaveLength(cpu.cores);
    expect(typeof cpu.load_average.one).toBe('number');
  });

  it('reports memory that adds up', async () => {
    const m = (await sb.run(tool, { operation: 'memory' })).result as { total_bytes: number; used_bytes: number; available_bytes: number; process: { rss_bytes: number } };
    expect(m.total_bytes).toBe(os.totalmem());
    expect(m.used_bytes + m.available_bytes).toBe(m.total_bytes);
    expect(m.process.rss_bytes).toBeGreaterThan(0);
  });

  it('reports disks including the one holding the temp dir', async () => {
    const d = (await sb.run(tool, { operation: 'disk' })).result as { disks: Array<{ mount_point: string; total_bytes: number; used_bytes: number; free_bytes: number }> };
    expect(d.disks.length).toBeGreaterThan(0);
    for (const disk of d.disks) {
      expect(disk.total_bytes).toBeGreaterThan(0);
      expect(disk.used_bytes + disk.free_bytes).toBe(disk.total_bytes);
    }
  });

  it('reports system stats, and everything for all (the default)', async () => {
    const s = (await sb.run(tool, { operation: 'stats' })).result as { hostname: string; platform: string; uptime_seconds: number };
    expect(s).toMatchObject({ hostname: os.hostname(), platform: process.platform });
    const all = await sb.run(tool, { sample_ms: 0 });
    expect(Object.keys(all.result as object).sort()).toEqual(['cpu', 'disk', 'memory', 'system']);
    const some = await sb.run(tool, { operation: 'get_metrics', metrics: ['memory', 'stats'] });
    expect(Object.keys(some.result as object).sort()).toEqual(['memory', 'system']);
    await expectCode(sb.run(tool, { operation: 'get_metrics', metrics: ['gpu'] }), 'INVALID_ARGUMENT');
    await expectCode(sb.run(tool, { operation: 'network' }), 'INVALID_ARGUMENT');
  });
});
