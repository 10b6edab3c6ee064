import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import { type ExecutionContext, LlmspellError, defineTool, z } from '@llmspell/core';
import { cancelledError, emptyTableAsList, normaliseOperation } from './helpers.js';

const TOOL = 'system_monitor';

const OPERATIONS: Record<string, string> = {
  all: 'all', get_all: 'all',
  stats: 'stats', system: 'stats', info: 'stats',
  cpu: 'cpu',
  memory: 'memory', mem: 'memory',
  disk: 'disk', disks: 'disk',
  get_metrics: 'get_metrics',
};

const METRICS = ['cpu', 'memory', 'disk', 'stats'] as const;
type Metric = (typeof METRICS)[number];

/** File systems that are not storage (kernel views, containers' plumbing). */
const PSEUDO_FS = new Set([
  'proc', 'sysfs', 'devtmpfs', 'devpts', 'cgroup', 'cgroup2', 'securityfs', 'pstore', 'debugfs', 'tracefs', 'mqueue', 'hugetlbfs',
  'configfs', 'fusectl', 'binfmt_misc', 'autofs', 'bpf', 'nsfs', 'rpc_pipefs', 'selinuxfs', 'efivarfs', 'ramfs', 'squashfs', 'nfsd',
]);
const MAX_DISKS = 50;

const parameters = z.object({
  operation: z.string().default('all').describe('all | stats | cpu | memory | disk (DOC: get_all, get_metrics with metrics)'),
  metrics: z.preprocess(emptyTableAsList, z.array(z.string())).optional().describe('DOC: for get_metrics, any of cpu, memory, disk, stats'),
  sample_ms: z.number().int().min(0).max(2000).default(100).describe('How long to sample CPU usage'),
});

type Params = z.infer<typeof parameters>;

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

function cpuTimes() {
  return os.cpus().map((c) => {
    const t = c.times;
    return { idle: t.idle, total: t.user + t.nice + t.sys + t.idle + t.irq };
  });
}

function wait(ms: number, ctx: ExecutionContext): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ctx.signal.aborted) return reject(cancelledError(ctx, TOOL));
    const onAbort = () => {
      clearTimeout(t);
      reject(cancelledError(ctx, TOOL));
    };
    const t = setTimeout(() => {
      ctx.signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}

export async function cpuInfo(ctx: ExecutionContext, sampleMs: number) {
  const cpus = os.cpus();
  const before = cpuTimes();
  let perCore: number[] | null = null;
  if (sampleMs > 0) {
    await wait(sampleMs, ctx);
    const after = cpuTimes();
    perCore = after.map((a, i) => {
      const total = a.total - (before[i]?.total ?? 0);
      const idle = a.idle - (before[i]?.idle ?? 0);
      return total > 0 ? round(100 * (1 - idle / total)) : 0;
    });
  }
  const [l1, l5, l15] = os.loadavg();
  return {
    usage_percent: perCore ? round(perCore.reduce((a, b) => a + b, 0) / Math.max(perCore.length, 1)) : null,
    per_core_usage_percent: perCore,
    cores: cpus.length,
    model: cpus[0]?.model ?? 'unknown',
    speed_mhz: cpus[0]?.speed ?? 0,
    load_average: { one: round(l1), five: round(l5), fifteen: round(l15) },
    sample_ms: sampleMs,
  };
}

export function memoryInfo() {
  const total = os.totalmem();
  const available = os.freemem();
  const used = total - available;
  const proc = process.memoryUsage();
  return {
    total_bytes: total,
    available_bytes: available,
    used_bytes: used,
    usage_percent: round((100 * used) / total),
    process: { rss_bytes: proc.rss, heap_used_bytes: proc.heapUsed, heap_total_bytes: proc.heapTotal },
  };
}

async function mountPoints(): Promise<Array<{ mount_point: string; filesystem: string; device: string }>> {
  if (process.platform === 'linux') {
    try {
      const text = await fsp.readFile('/proc/self/mounts', 'utf8');
      const seen = new Set<string>();
      const out: Array<{ mount_point: string; filesystem: string; device: string }> = [];
      for (const line of text.split('\n')) {
        const [device, mp, type] = line.split(' ');
        if (!mp || !type || PSEUDO_FS.has(type)) continue;
        const mount = mp.replace(/\\040/g, ' ');
        if (seen.has(mount)) continue;
        seen.add(mount);
        out.push({ mount_point: mount, filesystem: type, device });
      }
      return out;
    } catch {
      // fall through
    }
  }
  return [{ mount_point: process.platform === 'win32' ? process.cwd().slice(0, 3) : '/', filesystem: 'unknown', device: 'unknown' }];
}

export async function diskInfo() {
  const disks: Array<Record<string, unknown>> = [];
  const seenDevices = new Set<string>();
  for (const m of await mountPoints()) {
    if (disks.length >= MAX_DISKS) break;
    let s: fs.StatsFs;
    try {
      s = await fsp.statfs(m.mount_point);
    } catch {
      continue; // not readable by us
    }
    const total = s.blocks * s.bsize;
    if (total === 0) continue;
    const key = `${m.device}:${total}:${s.bfree}`;
    if (m.device !== 'unknown' && seenDevices.has(key)) continue; // bind mounts of the same device
    seenDevices.add(key);
    const free = s.bfree * s.bsize;
    const available = s.bavail * s.bsize;
    const used = total - free;
    disks.push({
      mount_point: m.mount_point,
      filesystem: m.filesystem,
      total_bytes: total,
      used_bytes: used,
      free_bytes: free,
      available_bytes: available,
      usage_percent: round((100 * used) / total),
    });
  }
  return { disks, count: disks.length };
}

export function systemStats() {
  return {
    os: os.type(),
    platform: process.platform,
    release: os.release(),
    arch: os.arch(),
    hostname: os.hostname(),
    uptime_seconds: Math.round(os.uptime()),
    node_version: process.version,
    process_uptime_seconds: Math.round(process.uptime()),
    cpu_count: os.cpus().length,
  };
}

async function collect(metric: Metric, ctx: ExecutionContext, sampleMs: number): Promise<unknown> {
  switch (metric) {
    case 'cpu':
      return cpuInfo(ctx, sampleMs);
    case 'memory':
      return memoryInfo();
    case 'disk':
      return diskInfo();
    case 'stats':
      return systemStats();
  }
}

async function run(p: Params, ctx: ExecutionContext) {
  const operation = normaliseOperation(TOOL, p.operation, OPERATIONS);
  let wanted: Metric[];
  if (operation === 'all') wanted = [...METRICS];
  else if (operation === 'get_metrics') {
    const names = (p.metrics?.length ? p.metrics : [...METRICS]).map((m) => m.toLowerCase());
    for (const [i, n] of names.entries()) {
      if (!METRICS.includes(n as Metric)) {
        throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter 'metrics[${i}]': unknown metric '${n}' (cpu, memory, disk, stats)`);
      }
    }
    wanted = names as Metric[];
  } else wanted = [operation as Metric];

  if (wanted.length === 1) {
    const result = await collect(wanted[0], ctx, p.sample_ms);
    return { operation, result, metadata: { metric: wanted[0] } };
  }
  const result: Record<string, unknown> = {};
  const values = await Promise.all(wanted.map((m) => collect(m, ctx, p.sample_ms)));
  wanted.forEach((m, i) => {
    result[m === 'stats' ? 'system' : m] = values[i];
  });
  return { operation, result, metadata: { metrics: wanted } };
}

/** One metric's shape, or several by name (all, get_metrics). */
function outputSchema() {
  const cpu = z.object({
    usage_percent: z.number().nullable().describe('Over sample_ms; null when sample_ms is 0'), per_core_usage_percent: z.array(z.number()).nullable(),
    cores: z.number(), model: z.string(), speed_mhz: z.number(), load_average: z.object({ one: z.number(), five: z.number(), fifteen: z.number() }), sample_ms: z.number(),
  });
  const memory = z.object({
    total_bytes: z.number(), available_bytes: z.number(), used_bytes: z.number(), usage_percent: z.number(),
    process: z.object({ rss_bytes: z.number(), heap_used_bytes: z.number(), heap_total_bytes: z.number() }),
  });
  const disk = z.object({
    disks: z.array(z.object({
      mount_point: z.string(), filesystem: z.string(), total_bytes: z.number(), used_bytes: z.number(), free_bytes: z.number(), available_bytes: z.number(), usage_percent: z.number(),
    })),
    count: z.number(),
  });
  const system = z.object({
    os: z.string(), platform: z.string(), release: z.string(), arch: z.string(), hostname: z.string(), uptime_seconds: z.number(), node_version: z.string(),
    process_uptime_seconds: z.number(), cpu_count: z.number(),
  });
  return z.union([
    cpu.describe('cpu'), memory.describe('memory'), disk.describe('disk'), system.describe('stats'),
    z.object({ cpu: cpu.optional(), memory: memory.optional(), disk: disk.optional(), system: system.optional() }).describe('all, get_metrics: the metrics asked for'),
  ]);
}

export const systemMonitorTool = defineTool({
  name: TOOL,
  aliases: ['system-monitor'],
  description: 'CPU, memory, disk and system statistics of the host',
  outputSchema: outputSchema(),
  category: 'system',
  securityLevel: 'safe',
  tags: ['system', 'cpu', 'memory', 'disk', 'monitor', 'stats'],
  parameters,
  examples: [
    { description: 'Memory usage', params: { operation: 'memory' } },
    { description: 'CPU load sampled over 200 ms', params: { operation: 'cpu', sample_ms: 200 } },
    { description: 'Disks and system facts together', params: { operation: 'get_metrics', metrics: ['disk', 'stats'] } },
  ],
  execute: run,
});
