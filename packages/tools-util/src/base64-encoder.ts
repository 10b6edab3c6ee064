import { defineTool, z, paramError } from '@llmspell/core';
import { readAllowedFile, writeAllowedFile } from './policy-files.js';

const NAME = 'base64_encoder';

const parameters = z.object({
  operation: z.enum(['encode', 'decode']).describe("'encode' bytes to base64 or 'decode' base64 to bytes"),
  variant: z.enum(['standard', 'url-safe', 'url_safe', 'urlsafe']).default('standard')
    .describe("'standard' (+/ with = padding) or 'url-safe' (-_ without padding; decoding accepts both)"),
  input: z.string().optional().describe('Text to encode, or base64 text to decode. One of input / input_file is required'),
  input_file: z.string().optional().describe('Read the data from this file instead of input (must be inside the allowed paths)'),
  output_file: z.string().optional().describe('Also write the output to this file: base64 text for encode, the raw decoded bytes for decode'),
  binary_input: z.boolean().default(false).describe("encode: treat 'input' as hex-encoded bytes rather than UTF-8 text"),
});

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

export const base64Encoder = defineTool({
  name: NAME,
  description: 'Encodes and decodes Base64 (standard or URL-safe) for text, hex bytes or files.',
  outputSchema: z.discriminatedUnion('operation', [
    z.object({
      operation: z.literal('encode'), variant: z.enum(['standard', 'url-safe']), output: z.string().describe('The base64 text'),
      input_size: z.number(), output_size: z.number(), output_file: z.string().optional(),
    }),
    z.object({
      operation: z.literal('decode'), variant: z.enum(['standard', 'url-safe']),
      output: z.string().describe('The decoded text (hex when the bytes are not UTF-8)'), output_encoding: z.enum(['utf8', 'hex']),
      is_binary: z.boolean(), input_size: z.number(), output_size: z.number(), output_file: z.string().optional(),
    }),
  ]),
  category: 'utility',
  securityLevel: 'safe',
  // Reading or writing files is what `restricted` means; text in, text out stays `safe`.
  parameterLevels: { input_file: 'restricted', output_file: 'restricted' },
  tags: ['base64', 'encoding'],
  parameters,
  examples: [
    { description: 'Encode text', params: { operation: 'encode', input: 'Hello, World!' } },
    { description: 'URL-safe decode', params: { operation: 'decode', variant: 'url-safe', input: 'SGVsbG8sIFdvcmxkIQ' } },
  ],
  async execute(params, ctx) {
    const urlSafe = params.variant !== 'standard';
    const variant = urlSafe ? 'url-safe' : 'standard';
    let data: Buffer;
    if (params.input !== undefined) {
      if (params.operation === 'encode' && params.binary_input) {
        const hex = params.input.replace(/\s+/g, '');
        if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) paramError(NAME, 'input', 'binary_input is true but input is not an even-length hex string');
        data = Buffer.from(hex, 'hex');
      } else data = Buffer.from(params.input, 'utf8');
    } else if (params.input_file !== undefined) {
      data = await readAllowedFile(ctx, NAME, 'input_file', params.input_file);
    } else {
      paramError(NAME, 'input', 'one of input or input_file is required');
    }

    if (params.operation === 'encode') {
      const output = data.toString(urlSafe ? 'base64url' : 'base64');
      const written = params.output_file ? await writeAllowedFile(ctx, NAME, 'output_file', params.output_file, output) : undefined;
      return {
        operation: 'encode',
        message: 'Data encoded successfully',
        result: { operation: 'encode', variant, output, input_size: data.length, output_size: output.length, ...(written ? { output_file: written } : {}) },
      };
    }

    const source = params.input !== undefined ? 'input' : 'input_file';
    const text = data.toString('utf8').replace(/\s+/g, '');
    // Validate strictly: Node's decoder silently skips bad characters.
    const body = text.replace(/=+$/, '');
    if (!/^[A-Za-z0-9+/_-]*$/.test(body) || body.length % 4 === 1 || text.length - body.length > 2) {
      paramError(NAME, source, 'is not valid base64');
    }
    if (!urlSafe && /[-_]/.test(body)) paramError(NAME, source, "contains url-safe characters '-'/'_'; use variant = 'url-safe'");
    const decoded = Buffer.from(body, urlSafe ? 'base64url' : 'base64');
    const utf8 = isUtf8(decoded);
    const written = params.output_file ? await writeAllowedFile(ctx, NAME, 'output_file', params.output_file, decoded) : undefined;
    return {
      operation: 'decode',
      message: 'Data decoded successfully',
      result: {
        operation: 'decode',
        variant,
        output: utf8 ? decoded.toString('utf8') : decoded.toString('hex'),
        output_encoding: utf8 ? 'utf8' : 'hex',
        is_binary: !utf8,
        input_size: text.length,
        output_size: decoded.length,
        ...(written ? { output_file: written } : {}),
      },
    };
  },
});
