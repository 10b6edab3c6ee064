import path from 'node:path';
import { compileGlob, compileScriptRegex, type ExecutionContext, LlmspellError, type VerifiedDirectory, type VerifiedFile, defineTool, readCapped, z } from '@llmspell/core';
import { emptyTableAsList, maxFileBytes, missing, stringList, throwIfAborted } from './fs-helpers.js';

const TOOL = 'file_search';

/** Longest pattern accepted; long patterns are the usual carriers of pathological regexes. */
export const MAX_PATTERN_LENGTH = 1000;
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
  use_regex: z.boolean().default(false).describe('Treat pattern as a regular expression (JavaScript syntax, matched in linear time: no backreferences or lookahead)'),
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

const LINE_BREAK = /\r\n|\r|\n/;

/** Finds the first match on each line of each text. */
interface Scanner {
  scan(texts: string[], max: number): Hit[][];
}

function scanLines(texts: string[], max: number, first: (line: string) => { index: number; text: string } | null): Hit[][] {
  return texts.map((text) => {
    const lines = text.split(LINE_BREAK);
    const hits: Hit[] = [];
    for (let i = 0; i < lines.length; i++) {
      const m = first(lines[i]);
      if (m) {
        hits.push([i, m.index, m.text]);
        if (max > 0 && hits.length >= max) break;
      }
    }
    return hits;
  });
}

/** An escaped literal cannot backtrack badly, so it runs natively. */
function literalScanner(source: string, flags: string): Scanner {
  const re = new RegExp(source, flags);
  return { scan: (texts, max) => scanLines(texts, max, (line) => { const m = re.exec(line); return m && { index: m.index, text: m[0] }; }) };
}

/**
 * User regexes run on the linear-time engine: a catastrophic-backtracking pattern gets its right
 * answer in time proportional to the file, in every file.
 */
function regexScanner(source: string, flags: string): Scanner {
  const re = compileScriptRegex(source, { tool: TOOL, parameter: 'pattern', flags });
  return {
    scan: (texts, max) => scanLines(texts, max, (line) => {
      if (!re.test(line)) return null;
      const m = re.exec(line)!;
      return { index: m.index, text: m[0] };
    }),
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
  const scanner = useRegex ? regexScanner(p.pattern, flags) : literalScanner(escapeRegex(p.pattern), flags);
  if (!p.path) throw missing(TOOL, 'path');
  const { realPath: root, stat: rootStat } = await ctx.policy.stat(p.path, { parameter: 'path' });

  const include = normaliseExtensions(stringList(p.include_extensions));
  const exclude = normaliseExtensions(stringList(p.exclude_extensions));
  const excludeDirs = new Set(p.exclude_dirs === undefined ? DEFAULT_EXCLUDE_DIRS : stringList(p.exclude_dirs));
  const fileGlob = p.file_pattern ? compileGlob(p.file_pattern, { tool: TOOL, parameter: 'file_pattern', separator: '/', matchBaseName: true }) : undefined;
  const sizeLimit = Math.min(p.max_file_size, maxFileBytes(ctx));

  const matches: Match[] = [];
  const stats = { files_searched: 0, files_with_matches: 0, skipped_binary: 0, skipped_large: 0, skipped_unreadable: 0 };
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
    const all = scanner.scan(items.map((i) => i.text), p.max_matches_per_file);
    items.forEach((item, i) => record(item.rel, item.text, all[i]));
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
    skipped_unreadable: z.number(),
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
