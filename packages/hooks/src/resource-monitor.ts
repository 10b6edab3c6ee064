import { getHeapStatistics } from 'node:v8';
import type { HookExecutor, HookPoint } from '@llmspell/core';

export interface ResourceMonitorConfig {
  /** How often to sample (ms); 0 turns the monitor off. */
  interval_ms: number;
  /** Heap used / heap limit at or above which MemoryUsageHigh fires. */
  memory_threshold: number;
  /** Process CPU time / wall time over one interval (1 = one full core) at or above which CpuUsageHigh fires. */
  cpu_threshold: number;
}

export const DEFAULT_MONITOR_CONFIG: ResourceMonitorConfig = { interval_ms: 5000, memory_threshold: 0.9, cpu_threshold: 0.9 };

export interface ResourceSample {
  heap_used_bytes: number;
  heap_limit_bytes: number;
  memory_ratio: number;
  rss_bytes: number;
  cpu_ratio: number;
}

/**
 * Samples the process and fires MemoryUsageHigh / CpuUsageHigh when a threshold is crossed
 * (once per crossing, again after it drops back). Sampling is skipped while no hook listens
 * at those points, and the timer never keeps the process alive.
 */
export class ResourceMonitor {
  private timer?: NodeJS.Timeout;
  private lastCpu = process.cpuUsage();
  private lastWall = performance.now();
  private high = { memory: false, cpu: false };

  constructor(private readonly hooks: HookExecutor, readonly config: ResourceMonitorConfig = DEFAULT_MONITOR_CONFIG) {}

  start(): void {
    if (this.timer || !(this.config.interval_ms > 0)) return;
    this.timer = setInterval(() => void this.check(), this.config.interval_ms);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  sample(): ResourceSample {
    const heap = getHeapStatistics();
    const cpu = process.cpuUsage(this.lastCpu);
    const wall = performance.now() - this.lastWall;
    this.lastCpu = process.cpuUsage();
    this.lastWall = performance.now();
    return {
      heap_used_bytes: heap.used_heap_size,
      heap_limit_bytes: heap.heap_size_limit,
      memory_ratio: heap.used_heap_size / heap.heap_size_limit,
      rss_bytes: process.memoryUsage.rss(),
      cpu_ratio: wall > 0 ? (cpu.user + cpu.system) / 1000 / wall : 0,
    };
  }

  /** Takes a sample and fires the points whose threshold it crosses; returns the points fired. */
  async check(sample?: ResourceSample): Promise<HookPoint[]> {
    const wantMemory = this.hooks.hasHooks('MemoryUsageHigh');
    const wantCpu = this.hooks.hasHooks('CpuUsageHigh');
    if (!wantMemory && !wantCpu && !sample) return [];
    const s = sample ?? this.sample();
    const fired: HookPoint[] = [];
    const edge = async (kind: 'memory' | 'cpu', point: HookPoint, over: boolean, data: Record<string, unknown>) => {
      if (over && !this.high[kind]) {
        this.high[kind] = true;
        if (this.hooks.hasHooks(point)) {
          fired.push(point);
          await this.hooks.execute(point, {
            point,
            component_id: { id: 'system:runtime', type: 'system', name: 'runtime' },
            data,
            metadata: {},
            correlation_id: `monitor-${Date.now()}`,
            language: 'native',
            timestamp: new Date().toISOString(),
          });
        }
      } else if (!over) this.high[kind] = false;
    };
    await edge('memory', 'MemoryUsageHigh', s.memory_ratio >= this.config.memory_threshold, { ...s, threshold: this.config.memory_threshold });
    await edge('cpu', 'CpuUsageHigh', s.cpu_ratio >= this.config.cpu_threshold, { ...s, threshold: this.config.cpu_threshold });
    return fired;
  }
}
