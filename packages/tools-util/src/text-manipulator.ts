import { compileScriptRegex, defineTool, escapeScriptRegex, z, paramError } from '@llmspell/core';

const NAME = 'text_manipulator';
/** Longest text an operation may produce: replace, indent and join can multiply their input. */
export const MAX_RESULT_CHARS = 32 * 1024 * 1024;

export const TEXT_OPERATIONS = [
  'uppercase', 'lowercase', 'reverse', 'trim', 'replace', 'substring', 'split', 'join', 'snake_case', 'camel_case', 'pascal_case',
  'sanitize', 'truncate', 'indent', 'dedent', 'normalize_whitespace', 'word_wrap',
] as const;

const parameters = z.object({
  input: z.string().describe("The text to transform. For 'join', a JSON array of strings (or lines of text)"),
  operation: z.enum(TEXT_OPERATIONS).describe(`The one transformation to apply: ${TEXT_OPERATIONS.join(', ')}`),
  options: z.looseObject({
    from: z.string().optional().describe('replace: text to find (alias: pattern)'),
    to: z.string().optional().describe('replace: replacement (alias: replacement)'),
    pattern: z.string().optional().describe("replace: text (or regex with regex = true) to find"),
    replacement: z.string().optional().describe('replace: replacement text; with regex = true, $1… refer to groups'),
    regex: z.boolean().optional().describe('replace: treat pattern as a regular expression'),
    case_insensitive: z.boolean().optional().describe('replace: match case-insensitively'),
    start: z.number().int().optional().describe('substring: first character index (0-based, negative counts from the end)'),
    end: z.number().int().optional().describe('substring: index after the last character (default: end of text)'),
    delimiter: z.string().optional().describe("split/join: separator (default ' ')"),
    separator: z.string().optional().describe('split/join: alias of delimiter'),
    max_length: z.number().int().nonnegative().optional().describe('truncate: maximum length including the suffix (default 100; alias: length)'),
    length: z.number().int().nonnegative().optional().describe('truncate: alias of max_length'),
    suffix: z.string().optional().describe("truncate: appended when text is cut (default '...')"),
    spaces: z.number().int().nonnegative().optional().describe('indent: number of spaces (default 4)'),
    prefix: z.string().optional().describe('indent: prefix to use instead of spaces'),
    width: z.number().int().positive().optional().describe('word_wrap: maximum line width (default 80)'),
  }).optional().describe('Operation-specific options'),
});

// Built on first use: creating a Segmenter loads ICU data, a cost every start would pay.
let graphemes: Intl.Segmenter | undefined;
const SEGMENT_CHUNK = 256;

/**
 * The text's grapheme clusters. V8's segmenter slows down with the length of the string it
 * segments (a 200 000-character word took minutes), so long text is segmented in short windows;
 * each window's last cluster, which may continue past the window, is segmented again with the next.
 */
function chars(s: string): string[] {
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  if (s.length <= SEGMENT_CHUNK) return Array.from(graphemes.segment(s), (g) => g.segment);
  const out: string[] = [];
  let start = 0;
  while (start < s.length) {
    const end = Math.min(s.length, start + SEGMENT_CHUNK);
    const parts = Array.from(graphemes.segment(s.slice(start, end)), (g) => g.segment);
    if (end < s.length && parts.length > 1) parts.pop();
    for (const part of parts) {
      out.push(part);
      start += part.length;
    }
  }
  return out;
}

/** Splits identifiers and prose into words: "parseHTTPResponse_code v2" → parse, HTTP, Response, code, v2. */
function words(s: string): string[] {
  return s
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Drops trailing spaces; `/ +$/` would rescan every run of spaces that is not at the end. */
function trimEndSpaces(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 32) end--;
  return s.slice(0, end);
}

const capitalize = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase();

function dedent(s: string): string {
  const lines = s.split('\n');
  let min = Infinity;
  for (const line of lines) {
    if (line.trim() === '') continue;
    min = Math.min(min, /^[ \t]*/.exec(line)![0].length);
  }
  if (min === Infinity || min === 0) return s;
  return lines.map((l) => (l.trim() === '' ? l.replace(/^[ \t]+/, '') : l.slice(min))).join('\n');
}

function wordWrap(s: string, width: number): string {
  const out: string[] = [];
  for (const paragraph of s.split('\n')) {
    // Lengths are counted in graphemes once per word, so a long paragraph or word stays linear.
    let line: string[] = [];
    let lineLength = 0;
    for (const word of paragraph.split(/[ \t]+/).filter(Boolean)) {
      const cs = chars(word);
      if (lineLength > 0 && lineLength + 1 + cs.length <= width) {
        line.push(' ', word);
        lineLength += 1 + cs.length;
        continue;
      }
      if (lineLength > 0) out.push(line.join(''));
      // A word longer than the width is broken hard.
      let from = 0;
      while (cs.length - from > width) {
        out.push(cs.slice(from, from + width).join(''));
        from += width;
      }
      line = [cs.slice(from).join('')];
      lineLength = cs.length - from;
    }
    out.push(line.join(''));
  }
  return out.join('\n');
}

export const textManipulator = defineTool({
  name: NAME,
  description: 'Transforms text with one operation: case changes (upper, lower, snake, camel, pascal), trim, reverse, replace, substring, split, join, sanitize, truncate, indent, dedent, whitespace normalisation and word wrap.',
  outputSchema: z.union([z.string(), z.array(z.string()).describe('split')]).describe('The transformed text; split gives a list'),
  ignoredParameters: ['format', 'transformations', 'pattern', 'replacement', 'start', 'length', 'text'],
  category: 'utility',
  securityLevel: 'safe',
  tags: ['text', 'string', 'case', 'format'],
  parameters,
  examples: [
    { description: 'Upper-case text', params: { input: 'hello world', operation: 'uppercase' } },
    { description: 'Replace text', params: { input: 'Hello World', operation: 'replace', options: { from: 'World', to: 'Lua' } } },
    { description: 'Identifier to snake_case', params: { input: 'parseHTTPResponse', operation: 'snake_case' } },
  ],
  execute(params) {
    const input = params.input;
    const o = params.options ?? {};
    let result: string | string[];
    switch (params.operation) {
      case 'uppercase': result = input.toUpperCase(); break;
      case 'lowercase': result = input.toLowerCase(); break;
      case 'reverse': result = chars(input).reverse().join(''); break;
      case 'trim': result = input.trim(); break;
      case 'replace': {
        const from = o.from ?? o.pattern;
        const to = o.to ?? o.replacement;
        if (from === undefined || from === '') paramError(NAME, 'options.from', "replace needs a non-empty 'from' (or 'pattern')");
        if (to === undefined) paramError(NAME, 'options.to', "replace needs 'to' (or 'replacement')");
        // Script-supplied patterns run on the linear-time engine: no pattern can stall the host.
        const re = compileScriptRegex(o.regex ? from : escapeScriptRegex(from), {
          tool: NAME, parameter: o.from !== undefined ? 'options.from' : 'options.pattern', flags: o.case_insensitive ? 'i' : '',
        });
        const limits = { maxLength: MAX_RESULT_CHARS, parameter: o.to !== undefined ? 'options.to' : 'options.replacement' };
        result = o.regex ? re.replace(input, to, limits) : re.replace(input, () => to, limits);
        break;
      }
      case 'substring': {
        if (o.start === undefined) paramError(NAME, 'options.start', 'substring needs a start index');
        const cs = chars(input);
        result = cs.slice(o.start, o.end ?? cs.length).join('');
        break;
      }
      case 'split': {
        const d = o.delimiter ?? o.separator ?? ' ';
        result = d === '' ? chars(input) : input.split(d);
        break;
      }
      case 'join': {
        let parts: string[];
        try {
          const parsed: unknown = JSON.parse(input);
          if (!Array.isArray(parsed)) throw new Error('not an array');
          parts = parsed.map((p) => (typeof p === 'string' ? p : JSON.stringify(p)));
        } catch {
          parts = input.split(/\r?\n/);
        }
        const delimiter = o.delimiter ?? o.separator ?? ' ';
        let total = delimiter.length * Math.max(0, parts.length - 1);
        for (const part of parts) total += part.length;
        if (total > MAX_RESULT_CHARS) paramError(NAME, 'options.delimiter', `the joined text would be ${total} characters, over the limit of ${MAX_RESULT_CHARS}`, 'SIZE_LIMIT_EXCEEDED');
        result = parts.join(delimiter);
        break;
      }
      case 'snake_case': result = words(input).map((w) => w.toLowerCase()).join('_'); break;
      case 'camel_case': result = words(input).map((w, i) => (i === 0 ? w.toLowerCase() : capitalize(w))).join(''); break;
      case 'pascal_case': result = words(input).map(capitalize).join(''); break;
      case 'sanitize':
        // Drop control characters (keeping newline, tab), zero-width and bidi-override characters.
        result = input
          .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g, '')
          .replace(/^ +/, '');
        result = trimEndSpaces(result);
        break;
      case 'truncate': {
        const max = o.max_length ?? o.length ?? 100;
        const suffix = o.suffix ?? '...';
        const cs = chars(input);
        if (cs.length <= max) result = input;
        else {
          const sfx = chars(suffix);
          result = max <= sfx.length ? sfx.slice(0, max).join('') : cs.slice(0, max - sfx.length).join('') + suffix;
        }
        break;
      }
      case 'indent': {
        const width = o.prefix?.length ?? o.spaces ?? 4;
        const lines = input.split('\n');
        const grown = input.length + width * lines.filter((l) => l.length > 0).length;
        if (grown > MAX_RESULT_CHARS || width > MAX_RESULT_CHARS) paramError(NAME, o.prefix !== undefined ? 'options.prefix' : 'options.spaces', `the indented text would be ${grown} characters, over the limit of ${MAX_RESULT_CHARS}`, 'SIZE_LIMIT_EXCEEDED');
        const prefix = o.prefix ?? ' '.repeat(width);
        result = lines.map((l) => (l.length ? prefix + l : l)).join('\n');
        break;
      }
      case 'dedent': result = dedent(input); break;
      case 'normalize_whitespace': result = input.trim().split(/\s+/u).filter(Boolean).join(' '); break;
      case 'word_wrap': result = wordWrap(input, o.width ?? 80); break;
    }
    return {
      operation: params.operation,
      result,
      metadata: { input_length: input.length, ...(Array.isArray(result) ? { count: result.length } : { output_length: result.length }) },
    };
  },
});
