import { aliasOf, type ExecutionContext, LlmspellError, defineTool, z } from '@llmspell/core';
import { type Encoding, decode, encode, parseEncoding } from './encodings.js';
import { maxFileBytes, missing, normaliseOperation } from './fs-helpers.js';

const TOOL = 'file_converter';

const OPERATIONS: Record<string, string> = {
  encoding: 'encoding', convert_encoding: 'encoding',
  line_endings: 'line_endings', convert_line_endings: 'line_endings', line_ending: 'line_endings',
  indentation: 'indentation', convert_indentation: 'indentation', indent: 'indentation',
};

const LINE_ENDINGS: Record<string, string> = { lf: '\n', unix: '\n', crlf: '\r\n', windows: '\r\n', cr: '\r', mac: '\r' };

const parameters = z.object({
  operation: z.string().describe('encoding | line_endings | indentation'),
  path: z.string().optional().describe('The file to convert'),
  source_path: aliasOf('path'),
  target_path: z.string().optional().describe('Where to write the result (default: in place)'),
  output_path: aliasOf('target_path'),
  from_encoding: z.string().optional().describe('Source encoding; auto-detected (BOM, then UTF-8, else windows-1252) when absent'),
  to_encoding: z.string().optional().describe('Target encoding (required for operation encoding): utf8, utf16le, utf16be, latin1/iso-8859-1, windows-1252, ascii'),
  target_encoding: aliasOf('to_encoding'),
  add_bom: z.boolean().default(false).describe('Write a byte-order mark (utf8/utf16 targets)'),
  line_ending: z.string().optional().describe('lf | crlf | cr (required for operation line_endings)'),
  convert_to_spaces: z.boolean().default(true).describe('indentation: tabs to spaces (true) or spaces to tabs (false)'),
  tab_size: z.number().int().min(1).max(16).default(4).describe('Spaces per tab for indentation'),
});

type Params = z.infer<typeof parameters>;

/** Rewrites only the leading whitespace of each line. */
export function convertIndentation(text: string, toSpaces: boolean, tabSize: number): { text: string; lines: number } {
  let changed = 0;
  const out = text.replace(/^[ \t]+/gm, (lead) => {
    let width = 0;
    for (const ch of lead) width = ch === '\t' ? width + tabSize - (width % tabSize) : width + 1;
    const next = toSpaces ? ' '.repeat(width) : '\t'.repeat(Math.floor(width / tabSize)) + ' '.repeat(width % tabSize);
    if (next !== lead) changed += 1;
    return next;
  });
  return { text: out, lines: changed };
}

export function convertLineEndings(text: string, ending: string): { text: string; lines: number } {
  let changed = 0;
  const out = text.replace(/\r\n|\r|\n/g, (m) => {
    if (m !== ending) changed += 1;
    return ending;
  });
  return { text: out, lines: changed };
}

async function run(p: Params, ctx: ExecutionContext) {
  const operation = normaliseOperation(TOOL, p.operation, OPERATIONS);
  const input = p.path ?? p.source_path;
  if (!input) throw missing(TOOL, 'path', operation);
  const sourceParam = p.path ? 'path' : 'source_path';
  const targetInput = p.target_path ?? p.output_path;
  const targetParam = targetInput ? (p.target_path ? 'target_path' : 'output_path') : sourceParam;
  const from: Encoding | undefined = p.from_encoding ? parseEncoding(p.from_encoding, 'from_encoding') : undefined;
  const { data: original, realPath: real } = await ctx.policy.readFile(input, { parameter: sourceParam, maxBytes: maxFileBytes(ctx) });
  const decoded = decode(original, from);

  let text = decoded.text;
  let toEncoding = decoded.encoding;
  let bom = decoded.hadBom;
  const details: Record<string, unknown> = {};
  switch (operation) {
    case 'encoding': {
      const to = p.to_encoding ?? p.target_encoding;
      if (!to) throw missing(TOOL, 'to_encoding', operation);
      toEncoding = parseEncoding(to, p.to_encoding ? 'to_encoding' : 'target_encoding');
      bom = p.add_bom;
      break;
    }
    case 'line_endings': {
      if (!p.line_ending) throw missing(TOOL, 'line_ending', operation);
      const ending = LINE_ENDINGS[p.line_ending.toLowerCase()];
      if (!ending) throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter 'line_ending': expected lf, crlf or cr, got '${p.line_ending}'`);
      const r = convertLineEndings(text, ending);
      text = r.text;
      details.line_ending = p.line_ending.toLowerCase();
      details.lines_changed = r.lines;
      break;
    }
    case 'indentation': {
      const r = convertIndentation(text, p.convert_to_spaces, p.tab_size);
      text = r.text;
      details.convert_to_spaces = p.convert_to_spaces;
      details.tab_size = p.tab_size;
      details.lines_changed = r.lines;
      break;
    }
    default:
      throw new LlmspellError('INTERNAL', `${TOOL}: unhandled operation ${operation}`);
  }
  const { bytes, replaced } = encode(text, toEncoding, bom);
  // In place, the converted text replaces the file it was read from (followed through the same checked links).
  const { realPath: target } = await ctx.policy.writeFile(targetInput ?? input, bytes, {
    parameter: targetParam, maxBytes: maxFileBytes(ctx), fsync: ctx.settings.fsync === true,
  });
  return {
    operation,
    message: `Converted ${input}${targetInput ? ` to ${targetInput}` : ''}`,
    result: {
      path: real,
      target_path: target,
      from_encoding: decoded.encoding,
      to_encoding: toEncoding,
      detected: from === undefined,
      bytes_before: original.length,
      bytes_after: bytes.length,
      replaced_characters: replaced,
      ...details,
    },
    metadata: { file_path: target, file_size: bytes.length },
  };
}

export const fileConverterTool = defineTool({
  name: TOOL,
  aliases: ['file-converter'],
  description: 'Convert a text file\'s encoding, line endings or indentation',
  outputSchema: z.object({
    path: z.string(), target_path: z.string(), from_encoding: z.string(), to_encoding: z.string(), detected: z.boolean().describe('from_encoding was detected'),
    bytes_before: z.number(), bytes_after: z.number(), replaced_characters: z.number().describe('Characters the target encoding cannot hold'),
    line_ending: z.string().optional().describe('line_endings'), lines_changed: z.number().optional().describe('line_endings, indentation'),
    convert_to_spaces: z.boolean().optional().describe('indentation'), tab_size: z.number().optional().describe('indentation'),
  }),
  ignoredParameters: ['to_tabs', 'tab_width'],
  category: 'filesystem',
  securityLevel: 'restricted',
  tags: ['file', 'encoding', 'line endings', 'indentation', 'convert'],
  parameters,
  examples: [
    { description: 'Re-encode a Latin-1 file as UTF-8 (the source encoding is detected)', params: { operation: 'encoding', path: 'legacy.txt', to_encoding: 'utf8', target_path: 'legacy-utf8.txt' } },
    { description: 'Use CRLF line endings', params: { operation: 'line_endings', path: 'README.md', line_ending: 'crlf', target_path: 'README-crlf.md' } },
    { description: 'Tabs to 2 spaces', params: { operation: 'indentation', path: 'README.md', tab_size: 2, target_path: 'README-spaces.md' } },
  ],
  execute: run,
});
