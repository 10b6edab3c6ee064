import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SecurityPolicy } from '@llmspell/core';
import { base64Encoder, hashCalculator } from './index.js';
import { type ToolSandbox, expectToolFailure, toolResult, toolSandbox } from '@llmspell/core/testing';

describe('base64_encoder', () => {
  it('encodes and decodes standard base64', async () => {
    expect(await toolResult(base64Encoder, { operation: 'encode', input: 'Hello, World!' }))
      .toMatchObject({ operation: 'encode', variant: 'standard', output: 'SGVsbG8sIFdvcmxkIQ==' });
    expect(await toolResult(base64Encoder, { operation: 'decode', input: 'SGVsbG8sIFdvcmxkIQ==' }))
      .toMatchObject({ operation: 'decode', variant: 'standard', output: 'Hello, World!', output_encoding: 'utf8' });
    expect((await toolResult(base64Encoder, { operation: 'encode', input: 'héllo ✓' })).output).toBe(Buffer.from('héllo ✓').toString('base64'));
  });

  it('encodes and decodes url-safe base64 without padding', async () => {
    const input = '\u00ff\u00fe?>';
    const std = Buffer.from(input).toString('base64');
    const r = await toolResult(base64Encoder, { operation: 'encode', variant: 'url-safe', input });
    expect(r.output).toBe(Buffer.from(input).toString('base64url'));
    expect(r.output).not.toMatch(/[+/=]/);
    expect(std).toMatch(/[+/=]/);
    expect((await toolResult(base64Encoder, { operation: 'decode', variant: 'url-safe', input: r.output })).output).toBe(input);
  });

  it('returns hex for binary that is not UTF-8, and takes hex input', async () => {
    const r = await toolResult(base64Encoder, { operation: 'decode', input: '/+7dzA==' });
    expect(r).toMatchObject({ output: 'ffeeddcc', output_encoding: 'hex', is_binary: true, output_size: 4 });
    expect((await toolResult(base64Encoder, { operation: 'encode', input: 'ffeeddcc', binary_input: true })).output).toBe('/+7dzA==');
  });

  it('rejects invalid input naming the parameter', async () => {
    await expectToolFailure(base64Encoder, { operation: 'decode', input: 'abc$' }, 'INVALID_ARGUMENT', 'input');
    await expectToolFailure(base64Encoder, { operation: 'decode', input: 'a' }, 'INVALID_ARGUMENT', 'input');
    await expectToolFailure(base64Encoder, { operation: 'decode', input: 'ab-_' }, 'INVALID_ARGUMENT', /url-safe/);
    await expectToolFailure(base64Encoder, { operation: 'encode', input: 'xyz', binary_input: true }, 'INVALID_ARGUMENT', 'input');
    await expectToolFailure(base64Encoder, { operation: 'encode' }, 'INVALID_ARGUMENT', 'input');
    await expectToolFailure(base64Encoder, { operation: 'compress', input: 'x' }, 'INVALID_ARGUMENT', 'operation');
    await expectToolFailure(base64Encoder, { input: 'x' }, 'INVALID_ARGUMENT', 'operation');
    await expectToolFailure(base64Encoder, { operation: 'encode', input: 'x', variant: 'mime' }, 'INVALID_ARGUMENT', 'variant');
  });

  describe('files through the security policy', () => {
    let box: ToolSandbox;
    beforeEach(async () => {
      box = await toolSandbox();
    });
    afterEach(() => box.cleanup());

    it('reads input_file and writes output_file inside the allowed root', async () => {
      const bytes = Buffer.from([0, 1, 2, 250, 251, 252]);
      await fs.writeFile(path.join(box.root, 'in.bin'), bytes);
      const enc = await toolResult(base64Encoder, { operation: 'encode', input_file: 'in.bin', output_file: 'out/in.b64' }, { policy: box.policy });
      expect(enc.output).toBe(bytes.toString('base64'));
      expect(await fs.readFile(path.join(box.root, 'out/in.b64'), 'utf8')).toBe(bytes.toString('base64'));
      await toolResult(base64Encoder, { operation: 'decode', input_file: path.join(box.root, 'out/in.b64'), output_file: 'back.bin' }, { policy: box.policy });
      expect(await fs.readFile(path.join(box.root, 'back.bin'))).toEqual(bytes);
    });

    it('refuses files outside the allowed roots', async () => {
      await fs.writeFile(path.join(box.outside, 'secret.txt'), 'secret');
      await expectToolFailure(base64Encoder, { operation: 'encode', input_file: path.join(box.outside, 'secret.txt') }, 'PATH_NOT_ALLOWED', undefined, { policy: box.policy });
      await expectToolFailure(base64Encoder, { operation: 'encode', input_file: '../outside/secret.txt' }, 'PATH_NOT_ALLOWED', undefined, { policy: box.policy });
      await expectToolFailure(base64Encoder, { operation: 'encode', input: 'x', output_file: path.join(box.outside, 'w.txt') }, 'PATH_NOT_ALLOWED', undefined, { policy: box.policy });
      await expect(fs.stat(path.join(box.outside, 'w.txt'))).rejects.toThrow();
    });

    it('reports a missing file as NOT_FOUND naming input_file', async () => {
      await expectToolFailure(base64Encoder, { operation: 'encode', input_file: 'nope.txt' }, 'NOT_FOUND', 'input_file', { policy: box.policy });
    });
  });
});

describe('hash_calculator', () => {
  const sha = (alg: string, data: string | Buffer, enc: 'hex' | 'base64' = 'hex') => createHash(alg).update(data).digest(enc);

  it('hashes strings with all four algorithms', async () => {
    for (const algorithm of ['md5', 'sha1', 'sha256', 'sha512']) {
      const r = await toolResult(hashCalculator, { operation: 'hash', algorithm, input: 'Hello, World!' });
      expect(r).toEqual({ algorithm, hash: sha(algorithm, 'Hello, World!'), format: 'hex' });
    }
    expect((await toolResult(hashCalculator, { operation: 'hash', input: 'hello', algorithm: 'md5' })).hash).toBe('5d41402abc4b2a76b9719d911017c592');
    expect((await toolResult(hashCalculator, { operation: 'hash', input: 'abc', algorithm: 'SHA-256', format: 'base64' })).hash).toBe(sha('sha256', 'abc', 'base64'));
    expect((await toolResult(hashCalculator, { operation: 'hash', data: 'abc' })).hash).toBe(sha('sha256', 'abc'));
  });

  it('verifies hashes (match and mismatch are data, not errors)', async () => {
    const ok = await toolResult(hashCalculator, { operation: 'verify', algorithm: 'sha256', input: 'abc', expected_hash: sha('sha256', 'abc').toUpperCase() });
    expect(ok).toMatchObject({ valid: true, matches: true });
    const bad = await toolResult(hashCalculator, { operation: 'verify', algorithm: 'sha256', input: 'abd', expected_hash: sha('sha256', 'abc') });
    expect(bad).toMatchObject({ valid: false });
    const b64 = await toolResult(hashCalculator, { operation: 'verify', algorithm: 'md5', input: 'x', expected_hash: sha('md5', 'x', 'base64'), expected_format: 'base64' });
    expect(b64.valid).toBe(true);
    // A hash of another length is a mismatch, not a crash.
    expect((await toolResult(hashCalculator, { operation: 'verify', algorithm: 'sha256', input: 'abc', expected_hash: sha('md5', 'abc') })).valid).toBe(false);
  });

  it('infers the operation when a script omits it (the reference demo does)', async () => {
    const hashed = await toolResult(hashCalculator, { input: 'Hello, World!', algorithm: 'md5' });
    expect(hashed.hash).toBe(sha('md5', 'Hello, World!'));
    const verified = await toolResult(hashCalculator, { input: 'abc', expected_hash: sha('sha256', 'abc') });
    expect(verified.valid).toBe(true);
  });

  it('rejects bad parameters naming them', async () => {
    await expectToolFailure(hashCalculator, { operation: 'hash', algorithm: 'crc32', input: 'x' }, 'INVALID_ARGUMENT', 'algorithm');
    await expectToolFailure(hashCalculator, { operation: 'hash', algorithm: 'constructor', input: 'x' }, 'INVALID_ARGUMENT', 'algorithm');
    await expectToolFailure(hashCalculator, { operation: 'hash' }, 'INVALID_ARGUMENT', 'input');
    await expectToolFailure(hashCalculator, { operation: 'hash', input_type: 'file' }, 'INVALID_ARGUMENT', 'file');
    await expectToolFailure(hashCalculator, { operation: 'verify', input: 'x' }, 'INVALID_ARGUMENT', 'expected_hash');
    await expectToolFailure(hashCalculator, { operation: 'verify', input: 'x', expected_hash: 'zz' }, 'INVALID_ARGUMENT', 'expected_hash');
    await expectToolFailure(hashCalculator, { operation: 'digest', input: 'x' }, 'INVALID_ARGUMENT', 'operation');
    await expectToolFailure(hashCalculator, { operation: 'hash', input: 'x', format: 'binary' }, 'INVALID_ARGUMENT', 'format');
  });

  describe('file input', () => {
    let box: ToolSandbox;
    beforeEach(async () => {
      box = await toolSandbox();
    });
    afterEach(() => box.cleanup());

    it('hashes and verifies a file inside the allowed root', async () => {
      const data = Buffer.alloc(100_000, 7);
      await fs.writeFile(path.join(box.root, 'data.bin'), data);
      const r = await toolResult(hashCalculator, { operation: 'hash', algorithm: 'sha512', input_type: 'file', file: 'data.bin' }, { policy: box.policy });
      expect(r).toMatchObject({ algorithm: 'sha512', hash: sha('sha512', data), file: 'data.bin', file_size: 100_000 });
      const v = await toolResult(hashCalculator, { operation: 'verify', input_type: 'file', file: path.join(box.root, 'data.bin'), expected_hash: sha('sha256', data) }, { policy: box.policy });
      expect(v.valid).toBe(true);
    });

    it('refuses files outside the roots, through symlinks, and over the size limit', async () => {
      await fs.writeFile(path.join(box.outside, 'secret'), 'top secret');
      await expectToolFailure(hashCalculator, { operation: 'hash', input_type: 'file', file: path.join(box.outside, 'secret') }, 'PATH_NOT_ALLOWED', undefined, { policy: box.policy });
      await fs.symlink(path.join(box.outside, 'secret'), path.join(box.root, 'link'));
      await expectToolFailure(hashCalculator, { operation: 'hash', input_type: 'file', file: 'link' }, 'PATH_NOT_ALLOWED', undefined, { policy: box.policy });
      await fs.writeFile(path.join(box.root, 'big'), Buffer.alloc(2048));
      const small = new SecurityPolicy({ allowedPaths: [box.root], cwd: box.root, maxFileBytes: 1024 });
      await expectToolFailure(hashCalculator, { operation: 'hash', input_type: 'file', file: 'big' }, 'SIZE_LIMIT_EXCEEDED', /file/, { policy: small });
      await expectToolFailure(hashCalculator, { operation: 'hash', input_type: 'file', file: box.root }, 'INVALID_ARGUMENT', 'file', { policy: box.policy });
    });

    it('hashes a file in pieces: larger than a whole read may be, in the order of its bytes, up to max_file_bytes', async () => {
      // 5 MiB of varied bytes (a piece boundary in the wrong place would change the digest).
      const data = Buffer.alloc(5 * 1024 * 1024 + 123);
      for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 20)) & 0xff;
      await fs.writeFile(path.join(box.root, 'big.bin'), data);
      const policy = new SecurityPolicy({ allowedPaths: [box.root], cwd: box.root, maxFileBytes: 100 * 1024 * 1024 });
      // A script with 1 MiB of memory could not be handed this file, but its hash needs no copy of it.
      policy.files.setScriptMemoryLimit(1024 * 1024);
      await expect(policy.readFile('big.bin')).rejects.toMatchObject({ code: 'SIZE_LIMIT_EXCEEDED' });
      const r = await toolResult(hashCalculator, { operation: 'hash', algorithm: 'sha256', input_type: 'file', file: 'big.bin' }, { policy });
      expect(r).toMatchObject({ hash: sha('sha256', data), file: 'big.bin', file_size: data.length });
      const tight = new SecurityPolicy({ allowedPaths: [box.root], cwd: box.root, maxFileBytes: 4 * 1024 * 1024 });
      await expectToolFailure(hashCalculator, { operation: 'hash', input_type: 'file', file: 'big.bin' }, 'SIZE_LIMIT_EXCEEDED', /hash_calculator: parameter 'file': file big\.bin is 5243003 bytes, over the limit of 4194304 bytes \(runtime\.security\.max_file_bytes\)/, { policy: tight });
    });
  });
});
