import path from 'node:path';
import vm from 'node:vm';
import { type ExecutionContext, LlmspellError, type VerifiedDirectory, type VerifiedFile, defineTool, readCapped, z } from '@llmspell/core';
import type picomatch from 'picomatch';
import { emptyTableAsList, maxFileBytes, missing, stringList, throwIfAborted } from './fs-helpers.js';

// Loaded on first use, so importing the tool package only builds its definition.
let picomatchLib: Promise<typeof picomatch> | undefined;
const loadPicomatch = () => (picomatchLib ??= import('picomatch').then((m) => m.default));

const TOOL = 'file_search';

/** Longest pattern accepted; long patterns are the usual carriers of pathological regexes. */
export const MAX_PATTERN_LENGTH = 1000;
/** CPU time one file's regex scan may take before it is abandoned. */
export const DEFAULT_FILE_TIMEOUT_MS = 1000;
const MAX_TOTAL_MATCHES = 10_000;
const MAX_LINE_CHARS = 1000;
const BINARY_SNIFF_BYTES = 8000;
const DEFAULT_EXCLUDE_DIRS = ['.git', 'node_modules'];

const listParam = z.preprocess(emptyTableAsList, z.union([z.array(z.string()), z.string()])).optional();

const parameters = z.object({
  pattern: z.string().min(1).describe('Text (or regex with use_regex) to find'),
  path: z.string().describe('File or directory to search'),
  recursive: z.boolean().default(false).describe('Descend into subdirectories'),
  case_sensitive: z.boolean().default(true),
  use_regex: z.boolean().default(false).describe('Treat pattern as a JavaScript regular expression'),
  context_lines: z.number().int().min(0).max(50).default(2).describe('Lines of context before and after each match'),
  include_extensions: listParam.describe('Only files with these extensions (e.g. ["ts", "md"])'),
  exclude_extensions: listParam.describe('Skip files with these extensions'),
  exclude_dirs: listParam.describe('Directory names to skip (default .git, node_modules)'),
  file_pattern: z.string().optional().describe('Glob on the file name or relative path (DOC)'),
  max_file_size: z.number().int().min(0).default(10 * 1024 * 1024).describe('Skip files larger than this (bytes)'),
  max_matches_per_file: z.number().int().min(0).default(0).describe('0 = unlimited'),
  max_depth: z.number().int().min(0).default(20),
  operation: z.string().optional().describe('DOC spelling: search | search_regex (search_regex implies use_regex)'),
});

type Params = z.infer<typeof parameters>;

interface Match {
  file: string;
  line_number: number;
  column: number;
  line: string;
  matched_text: string;
  context_before: string[];
  context_after: string[];
}

function normaliseExtensions(list: string[]): Set<string> {
  return new Set(list.map((e) => e.replace(/^\*?\./, '').toLowerCase()));
}

function clip(line: string): string {
  return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line;
}

type Hit = [line: number, column: number, text: string];

/** Finds the first match on each line; shared by both scanners (kept as source for the vm). */
const SCAN_SOURCE = `function __scan(re, text, max) {
  const lines = text.split(/\\r\\n|\\r|\\n/);
  const hits = [];
  for (let i = 0; i < lines.length; i++) {
    re.lastIndex = 0;
    const m = re.exec(lines[i]);
    if (m) {
      hits.push([i, m.index, m[0]]);
      if (max > 0 && hits.length >= max) break;
    }
  }
  return hits;
}`;

interface Scanner {
  /** Scans several texts at once; 'timeout' when the whole batch ran out of time. */
  scan(texts: string[], max: number, timeoutMs: number): Hit[][] | 'timeout';
}

/** An escaped literal cannot backtrack badly, so it runs natively. */
function literalScanner(source: string, flags: string): Scanner {
  const scan = new Function(`${SCAN_SOURCE}; return __scan;`)() as (re: RegExp, text: string, max: number) => Hit[];
  const re = new RegExp(source, flags);
  return { scan: (texts, max) => texts.map((t) => scan(re, t, max)) };
}

/**
 * User regexes run inside a vm context with a timeout: V8 interrupts a running regex
 * there, so a catastrophic-backtracking pattern costs at most the time budget instead of
 * hanging the host. Files go in batches because each timed run costs a watchdog thread.
 */
function sandboxedScanner(source: string, flags: string): Scanner {
  const context = vm.createContext({ __source: source, __flags: flags });
  vm.runInContext(`${SCAN_SOURCE}\nconst __re = new RegExp(__source, __flags);`, context, { timeout: 1000 });
  const script = new vm.Script('__result = __texts.map((t) => __scan(__re, t, __max))');
  return {
    scan(texts, max, timeoutMs) {
      context.__texts = texts;
      context.__max = max;
      try {
        script.runInContext(context, { timeout: timeoutMs });
        return context.__result as Hit[][];
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return 'timeout';
        throw error;
      } finally {
        context.__texts = [];
        context.__result = undefined;
      }
    },
  };
}

const BATCH_FILES = 256;
const BATCH_BYTES = 4 * 1024 * 1024;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function run(p: Params, ctx: ExecutionContext) {
  const useRegex = p.use_regex || p.operation?.toLowerCase() === 'search_regex';
  const maxPattern = typeof ctx.settings.max_pattern_length === 'number' ? ctx.settings.max_pattern_length : MAX_PATTERN_LENGTH;
  if (p.pattern.length > maxPattern) {
    throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter 'pattern' is ${p.pattern.length} characters, over the limit of ${maxPattern}`);
  }
  const flags = p.case_sensitive ? '' : 'i';
  const source = useRegex ? p.pattern : escapeRegex(p.pattern);
  try {
    new RegExp(source, flags);
  } catch (error) {
    throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter 'pattern' is not a valid regular expression: ${(error as Error).message}`);
  }
  const scanner = useRegex ? sandboxedScanner(source, flags) : literalScanner(source, flags);
  const fileTimeout = typeof ctx.settings.file_timeout_ms === 'number' ? ctx.settings.file_timeout_ms : DEFAULT_FILE_TIMEOUT_MS;
  if (!p.path) throw missing(TOOL, 'path');
  const { realPath: root, stat: rootStat } = await ctx.policy.stat(p.path, { parameter: 'path' });

  const include = normaliseExtensions(stringList(p.include_extensions));
  const exclude = normaliseExtensions(stringList(p.exclude_extensions));
  const excludeDirs = new Set(p.exclude_dirs === undefined ? DEFAULT_EXCLUDE_DIRS : stringList(p.exclude_dirs));
  const fileGlob = p.file_pattern ? (await loadPicomatch())(p.file_pattern, { dot: true, basename: !p.file_pattern.includes('/') }) : undefined;
  const sizeLimit = Math.min(p.max_file_size, maxFileBytes(ctx));

  const matches: Match[] = [];
  const stats = { files_searched: 0, files_with_matches: 0, skipped_binary: 0, skipped_large: 0, skipped_unreadable: 0, timed_out_files: [] as string[] };
  let truncated = false;

  let batch: Array<{ rel: string; text: string }> = [];
  let batchBytes = 0;

  const record = (rel: string, text: string, hits: Hit[]) => {
    if (hits.length === 0) return;
    stats.files_with_matches += 1;
    const lines = text.split(/\r\n|\r|\n/);
    for (const [index, column, matched] of hits) {
      if (matches.length >= MAX_TOTAL_MATCHES) {
        truncated = true;
        return;
      }
      matches.push({
        file: rel,
        line_number: index + 1,
        column: column + 1,
        line: clip(lines[index]),
        matched_text: clip(matched),
        context_before: lines.slice(Math.max(0, index - p.context_lines), index).map(clip),
        context_after: lines.slice(index + 1, index + 1 + p.context_lines).map(clip),
      });
    }
  };

  const flush = () => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    batchBytes = 0;
    throwIfAborted(ctx, TOOL);
    const all = scanner.scan(items.map((i) => i.text), p.max_matches_per_file, fileTimeout);
    if (all !== 'timeout') {
      items.forEach((item, i) => record(item.rel, item.text, all[i]));
      return;
    }
    // Some file in the batch is pathological: rescan one by one to find it.
    for (const item of items) {
      const one = scanner.scan([item.text], p.max_matches_per_file, fileTimeout);
      if (one === 'timeout') stats.timed_out_files.push(item.rel);
      else record(item.rel, item.text, one[0]);
    }
  };

  /** Searches one open file; `rel` is its name relative to the searched path. */
  const searchFile = async (rel: string, open: () => Promise<VerifiedFile>): Promise<void> => {
    const ext = path.extname(rel).replace(/^\./, '').toLowerCase();
    if (include.size > 0 && !include.has(ext)) return;
    if (exclude.has(ext)) return;
    if (fileGlob && !fileGlob(rel)) return;
    let data: Buffer;
    try {
      const file = await open();
      try {
        data = await readCapped(file, sizeLimit, rel);
      } finally {
        await file.close();
      }
    } catch (error) {
      if (error instanceof LlmspellError && error.code === 'SIZE_LIMIT_EXCEEDED') stats.skipped_large += 1;
      else stats.skipped_unreadable += 1;
      return;
    }
    if (data.subarray(0, BINARY_SNIFF_BYTES).includes(0)) {
      stats.skipped_binary += 1;
      return;
    }
    stats.files_searched += 1;
    batch.push({ rel, text: data.toString('utf8') });
    batchBytes += data.length;
    if (batch.length >= BATCH_FILES || batchBytes >= BATCH_BYTES) flush();
  };

  // Directories are opened through their parent's descriptor; symlinks are never followed.
  const walk = async (dir: VerifiedDirectory, rel: string, depth: number): Promise<void> => {
    throwIfAborted(ctx, TOOL);
    let entries;
    try {
      entries = await dir.readdir();
    } catch {
      stats.skipped_unreadable += 1;
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (truncated) return;
      const relName = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) {
        if (!p.recursive || depth >= p.max_depth || excludeDirs.has(entry.name)) continue;
        const child = await dir.openDirectory(entry.name).catch(() => undefined);
        if (!child) {
          stats.skipped_unreadable += 1;
          continue;
        }
        try {
          await walk(child, relName, depth + 1);
        } finally {
          await child.close();
        }
      } else if (entry.isFile()) {
        await searchFile(relName, () => dir.openFile(entry.name, 'read'));
      }
    }
  };

  if (rootStat.isDirectory()) {
    const dir = await ctx.policy.openDirectory(p.path, { parameter: 'path' });
    try {
      await walk(dir, '', 0);
    } finally {
      await dir.close();
    }
  } else {
    await searchFile(path.basename(root), () => ctx.policy.openFile(p.path, { parameter: 'path', mode: 'read' }));
  }
  flush();

  return {
    operation: 'search',
    message: `${matches.length} matches in ${stats.files_with_matches} of ${stats.files_searched} files`,
    result: {
      pattern: p.pattern,
      path: root,
      matches,
      total_matches: matches.length,
      ...stats,
      truncated,
    },
    metadata: { file_path: root, count: matches.length, files_searched: stats.files_searched },
  };
}

export const fileSearchTool = defineTool({
  name: TOOL,
  aliases: ['file-search'],
  description: 'Search file contents for text or a regular expression, with context lines',
  outputSchema: z.object({
    pattern: z.string(), path: z.string(),
    matches: z.array(z.object({
      file: z.string().describe('Relative to path'), line_number: z.number(), column: z.number(), line: z.string(), matched_text: z.string(),
      context_before: z.array(z.string()), context_after: z.array(z.string()),
    })),
    total_matches: z.number(), files_searched: z.number(), files_with_matches: z.number(), skipped_binary: z.number(), skipped_large: z.number(),
    skipped_unreadable: z.number(), timed_out_files: z.array(z.string()).describe('Files whose regex search ran too long'),
    truncated: z.boolean().describe('Stopped at the match limit'),
  }),
  ignoredParameters: ['extensions'],
  category: 'filesystem',
  securityLevel: 'restricted',
  tags: ['search', 'grep', 'regex', 'file'],
  parameters,
  examples: [
    { description: 'Find TODOs in Markdown files, one line of context', params: { pattern: 'TODO', path: 'docs', recursive: true, include_extensions: ['md'], context_lines: 1 } },
    { description: 'A case-insensitive regex', params: { pattern: 'todo|fixme', path: 'docs', recursive: true, use_regex: true, case_sensitive: false } },
  ],
  execute: run,
});
