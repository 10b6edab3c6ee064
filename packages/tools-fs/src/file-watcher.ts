import fs from 'node:fs';
import path from 'node:path';
import { compileGlob, type ExecutionContext, LlmspellError, defineTool, hasDescriptorPaths, z } from '@llmspell/core';
import { emptyTableAsList, missing, normaliseOperation, stringList } from './fs-helpers.js';

const TOOL = 'file_watcher';

export const WATCHER_DEFAULTS = {
  timeout_seconds: 300,
  max_timeout_seconds: 3600,
  debounce_ms: 100,
  max_events: 1000,
  max_paths: 100,
};

const OPERATIONS: Record<string, string> = {
  watch: 'watch', get_changes: 'watch',
  config: 'config', get_config: 'config',
};

const parameters = z.object({
  operation: z.string().describe('watch | config'),
  input: z.preprocess(emptyTableAsList, z.union([z.array(z.string()), z.string()])).optional().describe('Paths to watch (files or directories)'),
  path: z.string().optional().describe('A single path to watch (DOC spelling)'),
  recursive: z.boolean().default(true).describe('Watch subdirectories too'),
  pattern: z.string().optional().describe('Glob the changed path must match (relative to the watched directory; a pattern without "/" matches the file name)'),
  debounce_ms: z.number().int().min(0).max(60_000).default(WATCHER_DEFAULTS.debounce_ms).describe('Events for the same path within this window are merged'),
  timeout_seconds: z.number().min(0).optional().describe(`How long to watch (default ${WATCHER_DEFAULTS.timeout_seconds})`),
  timeout_ms: z.number().min(0).optional().describe('How long to watch, in ms (takes precedence over timeout_seconds)'),
  max_events: z.number().int().min(1).default(WATCHER_DEFAULTS.max_events).describe('Stop after this many events'),
});

type Params = z.infer<typeof parameters>;

export interface WatchEvent {
  event_type: 'created' | 'modified' | 'deleted';
  path: string;
  relative_path: string;
  watched: string;
  timestamp: string;
}

interface Pending {
  first: 'rename' | 'change';
  existedBefore: boolean | undefined;
  watched: string;
  relative: string;
  timer: NodeJS.Timeout;
}

function setting(ctx: ExecutionContext, key: keyof typeof WATCHER_DEFAULTS): number {
  const v = ctx.settings[key];
  return typeof v === 'number' && v > 0 ? v : WATCHER_DEFAULTS[key];
}

interface WatchTarget {
  input: string;
  real: string;
  isDir: boolean;
  /** What fs.watch is given: the held descriptor's path where the platform has one. */
  watchPath: string;
  close(): Promise<void>;
}

/** The paths to watch, each checked through verified descriptors (links followed only inside the roots). */
async function watchPaths(p: Params, ctx: ExecutionContext) {
  const raw = p.input !== undefined ? stringList(p.input) : p.path ? [p.path] : [];
  if (raw.length === 0) throw missing(TOOL, 'input', 'watch');
  if (raw.length > setting(ctx, 'max_paths')) {
    throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter 'input': at most ${setting(ctx, 'max_paths')} paths`);
  }
  const param = p.input !== undefined ? 'input' : 'path';
  // Each watched path is held open and watched through its descriptor: swapping it for a link
  // after the check cannot turn the watch onto a directory outside the roots.
  const targets: WatchTarget[] = [];
  try {
    for (const [i, r] of raw.entries()) {
      const name = raw.length > 1 || Array.isArray(p.input) ? `${param}[${i}]` : param;
      try {
        const { stat } = await ctx.policy.stat(r, { parameter: name });
        if (stat.isDirectory()) {
          const dir = await ctx.policy.openDirectory(r, { parameter: name });
          targets.push({ input: r, real: dir.realPath, isDir: true, watchPath: dir.self(), close: () => dir.close() });
        } else {
          const file = await ctx.policy.openFile(r, { parameter: name, mode: 'read' });
          const watchPath = hasDescriptorPaths() ? `/proc/self/fd/${file.handle.fd}` : file.realPath;
          targets.push({ input: r, real: file.realPath, isDir: false, watchPath, close: () => file.close() });
        }
      } catch (error) {
        if (error instanceof LlmspellError && error.code === 'NOT_FOUND') throw new LlmspellError('NOT_FOUND', `${TOOL}: parameter '${param}': ${r} does not exist`);
        throw error;
      }
    }
  } catch (error) {
    await Promise.all(targets.map((t) => t.close().catch(() => undefined)));
    throw error;
  }
  return targets;
}

async function watch(p: Params, ctx: ExecutionContext) {
  const targets = await watchPaths(p, ctx);
  const maxTimeout = setting(ctx, 'max_timeout_seconds') * 1000;
  const timeoutMs = Math.min(p.timeout_ms ?? (p.timeout_seconds ?? setting(ctx, 'timeout_seconds')) * 1000, maxTimeout);
  const match = p.pattern ? compileGlob(p.pattern, { tool: TOOL, parameter: 'pattern', separator: '/', matchBaseName: true }) : undefined;
  const events: WatchEvent[] = [];
  const pending = new Map<string, Pending>();
  const watchers: fs.FSWatcher[] = [];
  const started = Date.now();

  return new Promise<Record<string, unknown>>((resolve, reject) => {
    let finished = false;
    let stopReason = 'timeout';
    let timer: NodeJS.Timeout | undefined;

    const flush = (full: string) => {
      const item = pending.get(full);
      if (!item) return;
      clearTimeout(item.timer);
      pending.delete(full);
      if (events.length >= p.max_events) return;
      const existsNow = fs.existsSync(full);
      let type: WatchEvent['event_type'];
      if (!existsNow) type = 'deleted';
      else if (item.first === 'rename' && item.existedBefore !== true) type = 'created';
      else type = 'modified';
      events.push({ event_type: type, path: full, relative_path: item.relative, watched: item.watched, timestamp: new Date().toISOString() });
      if (events.length >= p.max_events) finish('max_events');
    };

    const cleanup = () => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      for (const w of watchers) w.close();
      for (const t of targets) void t.close().catch(() => undefined);
    };

    const finish = (reason: string) => {
      if (finished) return;
      stopReason = reason;
      // Events still inside their debounce window are reported rather than lost.
      for (const key of [...pending.keys()]) flush(key);
      finished = true;
      cleanup();
      resolve({
        operation: 'watch',
        message: `Collected ${events.length} events (${stopReason})`,
        result: {
          events,
          count: events.length,
          stopped_by: stopReason,
          watched: targets.map((t) => t.real),
          duration_ms: Date.now() - started,
        },
        metadata: { count: events.length, stopped_by: stopReason },
      });
    };

    const onAbort = () => {
      if (finished) return;
      finished = true;
      cleanup();
      const reason = ctx.signal.reason;
      reject(reason instanceof LlmspellError ? reason : new LlmspellError('CANCELLED', `${TOOL}: watch cancelled`));
    };

    const onEvent = (target: { real: string; isDir: boolean }, kind: string, filename: string | Buffer | null) => {
      if (finished) return;
      const name = filename === null ? '' : filename.toString();
      const full = target.isDir ? path.join(target.real, name) : target.real;
      const relative = target.isDir ? name : path.basename(target.real);
      if (match && !match(relative.split(path.sep).join('/'))) return;
      const existing = pending.get(full);
      if (existing) {
        clearTimeout(existing.timer);
        existing.timer = setTimeout(() => flush(full), p.debounce_ms);
        return;
      }
      pending.set(full, {
        first: kind === 'rename' ? 'rename' : 'change',
        // A 'rename' on a path that exists right now is a create; we cannot know the past,
        // so only a 'change' first marks it as existing before.
        existedBefore: kind === 'change' ? true : undefined,
        watched: target.real,
        relative,
        timer: setTimeout(() => flush(full), p.debounce_ms),
      });
    };

    if (ctx.signal.aborted) return onAbort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (const t of targets) {
        const w = fs.watch(t.watchPath, { recursive: t.isDir && p.recursive, persistent: true });
        w.on('change', (kind, filename) => onEvent(t, kind, filename));
        w.on('error', (error) => {
          if (finished) return;
          finished = true;
          cleanup();
          reject(new LlmspellError('IO_ERROR', `${TOOL}: watching ${t.input} failed: ${error.message}`, { cause: error }));
        });
        watchers.push(w);
      }
    } catch (error) {
      finished = true;
      cleanup();
      reject(new LlmspellError('IO_ERROR', `${TOOL}: cannot watch: ${(error as Error).message}`, { cause: error }));
      return;
    }
    timer = setTimeout(() => finish('timeout'), timeoutMs);
    // Lets a caller start changing files only once the watch is really in place.
    ctx.events?.publish('file_watcher.ready', { paths: targets.map((t) => t.real), timeout_ms: timeoutMs });
    ctx.logger.debug(`${TOOL}: watching`, { paths: targets.map((t) => t.real), timeout_ms: timeoutMs });
  });
}

async function run(p: Params, ctx: ExecutionContext) {
  const operation = normaliseOperation(TOOL, p.operation, OPERATIONS);
  if (operation === 'config') {
    return {
      operation,
      result: {
        default_timeout_seconds: setting(ctx, 'timeout_seconds'),
        max_timeout_seconds: setting(ctx, 'max_timeout_seconds'),
        default_debounce_ms: WATCHER_DEFAULTS.debounce_ms,
        default_max_events: WATCHER_DEFAULTS.max_events,
        max_paths: setting(ctx, 'max_paths'),
        recursive_supported: true,
        platform: process.platform,
        allowed_roots: [...ctx.policy.allowedRoots],
      },
    };
  }
  return watch(p, ctx);
}

export const fileWatcherTool = defineTool({
  name: TOOL,
  aliases: ['file-watcher'],
  description: 'Watch files or directories and collect change events until a timeout or an event count',
  outputSchema: z.union([
    z.object({
      events: z.array(z.object({
        event_type: z.enum(['created', 'modified', 'deleted']), path: z.string(), relative_path: z.string(), watched: z.string().describe('The watched path it was seen under'),
        timestamp: z.string(),
      })),
      count: z.number(), stopped_by: z.enum(['timeout', 'max_events']), watched: z.array(z.string()), duration_ms: z.number(),
    }).describe('watch'),
    z.object({
      default_timeout_seconds: z.number(), max_timeout_seconds: z.number(), default_debounce_ms: z.number(), default_max_events: z.number(),
      max_paths: z.number(), recursive_supported: z.boolean(), platform: z.string(), allowed_roots: z.array(z.string()),
    }).describe('config'),
  ]),
  ignoredParameters: ['events'],
  category: 'filesystem',
  securityLevel: 'restricted',
  tags: ['watch', 'file', 'events', 'monitor'],
  parameters,
  examples: [
    { description: 'Collect changes to .log files for 2 seconds', params: { operation: 'watch', input: ['logs'], timeout_seconds: 2, pattern: '*.log' } },
    { description: 'The limits and defaults in force', params: { operation: 'config' } },
  ],
  execute: run,
});
