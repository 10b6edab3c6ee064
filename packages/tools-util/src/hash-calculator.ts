import { createHash, timingSafeEqual } from 'node:crypto';
import { aliasOf, defineTool, z, paramError } from '@llmspell/core';
import { readAllowedFileInPieces } from './policy-files.js';

const NAME = 'hash_calculator';

const ALGORITHMS: Record<string, string> = { md5: 'md5', sha1: 'sha1', 'sha-1': 'sha1', sha256: 'sha256', 'sha-256': 'sha256', sha512: 'sha512', 'sha-512': 'sha512' };
const DIGEST_BYTES: Record<string, number> = { md5: 16, sha1: 20, sha256: 32, sha512: 64 };

const parameters = z.object({
  operation: z.enum(['hash', 'verify']).optional()
    .describe("'hash' computes a digest; 'verify' compares it with expected_hash. Default: 'verify' when expected_hash is given, else 'hash'"),
  algorithm: z.string().default('sha256').describe("Hash algorithm: 'md5', 'sha1', 'sha256' or 'sha512' (case-insensitive, 'SHA-256' style accepted)"),
  input_type: z.enum(['string', 'file']).default('string').describe("'string' hashes input; 'file' hashes the file at 'file'"),
  input: z.string().optional().describe("The text to hash (UTF-8) when input_type is 'string'"),
  data: z.string().optional().describe("Old name of 'input' (DOC); used when 'input' is absent"),
  file: z.string().optional().describe("Path of the file to hash when input_type is 'file' (must be inside the allowed paths)"),
  format: z.enum(['hex', 'base64']).default('hex').describe("Encoding of the returned hash: 'hex' or 'base64'"),
  expected_hash: z.string().optional().describe("verify: the hash to compare against"),
  hash: aliasOf('expected_hash'),
  expected_format: z.enum(['hex', 'base64']).default('hex').describe("verify: encoding of expected_hash"),
});

function decodeExpected(text: string, format: 'hex' | 'base64'): Buffer | undefined {
  const t = text.trim();
  if (format === 'hex') return /^(?:[0-9a-fA-F]{2})+$/.test(t) ? Buffer.from(t, 'hex') : undefined;
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(t) ? Buffer.from(t, 'base64') : undefined;
}

export const hashCalculator = defineTool({
  name: NAME,
  description: 'Computes and verifies MD5, SHA-1, SHA-256 and SHA-512 hashes of text or files (hex or base64).',
  outputSchema: z.union([
    z.object({
      algorithm: z.string(), valid: z.boolean(), matches: z.boolean().describe('Same as valid'), hash: z.string().describe('The computed hash'),
      format: z.enum(['hex', 'base64']), expected_hash: z.string(), file: z.string().optional(), file_size: z.number().optional(),
    }).describe('verify'),
    z.object({ algorithm: z.string(), hash: z.string(), format: z.enum(['hex', 'base64']), file: z.string().optional(), file_size: z.number().optional() })
      .describe('hash'),
  ]),
  category: 'utility',
  securityLevel: 'restricted',
  tags: ['hash', 'checksum', 'sha256', 'md5'],
  parameters,
  examples: [
    { description: 'SHA-256 of a string', params: { operation: 'hash', algorithm: 'sha256', input: 'Hello, World!' } },
    { description: 'Verify an MD5 hash', params: { operation: 'verify', algorithm: 'md5', input: 'hello', expected_hash: '5d41402abc4b2a76b9719d911017c592' } },
  ],
  async execute(params, ctx) {
    const algorithm = Object.hasOwn(ALGORITHMS, params.algorithm.toLowerCase()) ? ALGORITHMS[params.algorithm.toLowerCase()] : undefined;
    if (!algorithm) paramError(NAME, 'algorithm', `unsupported algorithm '${params.algorithm}' (use md5, sha1, sha256 or sha512)`);
    const hasher = createHash(algorithm);
    const source: Record<string, unknown> = {};
    if (params.input_type === 'file') {
      if (!params.file) paramError(NAME, 'file', "is required when input_type is 'file'");
      // Streamed: a file of any size allowed by max_file_bytes hashes in constant memory.
      const size = await readAllowedFileInPieces(ctx, NAME, 'file', params.file, (piece) => hasher.update(piece));
      source.file = params.file;
      source.file_size = size;
    } else {
      const text = params.input ?? params.data;
      if (text === undefined) paramError(NAME, 'input', "is required when input_type is 'string'");
      hasher.update(text, 'utf8');
    }
    const digest = hasher.digest();
    const hash = digest.toString(params.format);

    // The reference required 'operation'; its own demo script omits it, so infer it instead of failing.
    const operation = params.operation ?? (params.expected_hash !== undefined || params.hash !== undefined ? 'verify' : 'hash');
    if (operation === 'hash') {
      return { operation: 'hash', message: `${algorithm} hash computed`, result: { algorithm, hash, format: params.format, ...source } };
    }
    const expectedText = params.expected_hash ?? params.hash;
    if (!expectedText) paramError(NAME, 'expected_hash', "is required for 'verify'");
    const expected = decodeExpected(expectedText, params.expected_format);
    if (!expected) paramError(NAME, 'expected_hash', `is not valid ${params.expected_format}`);
    // Constant-time compare; a length mismatch is a plain mismatch, never an early-out on content.
    const valid = expected.length === DIGEST_BYTES[algorithm] && timingSafeEqual(expected, digest);
    return {
      operation: 'verify',
      message: valid ? 'Hash matches' : 'Hash does not match',
      result: { algorithm, valid, matches: valid, hash, format: params.format, expected_hash: expectedText, ...source },
    };
  },
});
