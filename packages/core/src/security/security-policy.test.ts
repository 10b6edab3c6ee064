import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SecurityPolicy, classifyPrivateAddress, isLlmspellError } from '../index.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isLlmspellError(e) ? e.code : 'NOT_LLMSPELL';
  }
  return undefined;
}

describe('SecurityPolicy paths', () => {
  let root: string;
  let outside: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-policy-'));
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-outside-'));
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'x');
    fs.symlinkSync(outside, path.join(root, 'escape'));
    fs.mkdirSync(path.join(root, 'sub'));
  });

  test('allows paths inside the root, relative to cwd, including not-yet-existing files', () => {
    const policy = new SecurityPolicy({ cwd: root, allowedPaths: [root] });
    expect(policy.resolvePath('sub/new/file.txt')).toBe(path.join(fs.realpathSync(root), 'sub/new/file.txt'));
    expect(policy.resolvePath(path.join(root, 'sub'))).toBe(path.join(fs.realpathSync(root), 'sub'));
  });

  test('refuses ../ escapes and absolute paths outside', () => {
    const policy = new SecurityPolicy({ cwd: root, allowedPaths: [root] });
    expect(codeOf(() => policy.resolvePath('../etc/passwd'))).toBe('PATH_NOT_ALLOWED');
    expect(codeOf(() => policy.resolvePath('sub/../../x'))).toBe('PATH_NOT_ALLOWED');
    expect(codeOf(() => policy.resolvePath('/etc/passwd'))).toBe('PATH_NOT_ALLOWED');
  });

  test('refuses a symlink that points outside, and files beneath it', () => {
    const policy = new SecurityPolicy({ cwd: root, allowedPaths: [root] });
    expect(codeOf(() => policy.resolvePath('escape/secret.txt'))).toBe('PATH_NOT_ALLOWED');
    expect(codeOf(() => policy.resolvePath('escape/new-file'))).toBe('PATH_NOT_ALLOWED');
  });

  test('a dangling symlink pointing outside is refused (a write would follow it)', () => {
    const policy = new SecurityPolicy({ cwd: root, allowedPaths: [root] });
    fs.symlinkSync(path.join(outside, 'not-yet-there.txt'), path.join(root, 'dangling'));
    expect(codeOf(() => policy.resolvePath('dangling'))).toBe('PATH_NOT_ALLOWED');
    fs.symlinkSync(path.join(root, 'sub', 'later.txt'), path.join(root, 'dangling-inside'));
    expect(policy.resolvePath('dangling-inside')).toBe(path.join(fs.realpathSync(root), 'sub', 'later.txt'));
  });

  test('a root given as a sibling prefix does not match (/tmp/a vs /tmp/ab)', () => {
    const policy = new SecurityPolicy({ cwd: root, allowedPaths: [path.join(root, 'sub')] });
    expect(codeOf(() => policy.resolvePath(path.join(root, 'subway/x')))).toBe('PATH_NOT_ALLOWED');
  });

  test('NUL bytes and empty paths are refused with clear codes', () => {
    const policy = new SecurityPolicy({ cwd: root, allowedPaths: [root] });
    expect(codeOf(() => policy.resolvePath('a\0b'))).toBe('PATH_NOT_ALLOWED');
    expect(codeOf(() => policy.resolvePath(''))).toBe('INVALID_ARGUMENT');
  });
});

describe('SecurityPolicy network', () => {
  test('classifies private, loopback, link-local, metadata and mapped addresses', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '0.0.0.0', '100.64.0.1', '::1', '::', 'fe80::1', 'fc00::1', 'fd00:ec2::254', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '64:ff9b::a00:1']) {
      expect([ip, classifyPrivateAddress(ip)]).not.toEqual([ip, null]);
    }
    for (const ip of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect([ip, classifyPrivateAddress(ip)]).toEqual([ip, null]);
    }
  });

  test('checkUrl refuses loopback and metadata targets by default, allows them when configured', async () => {
    const strict = new SecurityPolicy();
    await expect(strict.checkUrl('http://127.0.0.1:8080/')).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
    await expect(strict.checkUrl('http://169.254.169.254/latest/meta-data')).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
    await expect(strict.checkUrl('http://localhost/')).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
    await expect(strict.checkUrl('http://[::1]/')).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
    await expect(strict.checkUrl('file:///etc/passwd')).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
    await expect(strict.checkUrl('not a url')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const open = new SecurityPolicy({ allowPrivateNetwork: true });
    await expect(open.checkUrl('http://127.0.0.1:8080/')).resolves.toBeInstanceOf(URL);
  });

  test("this machine's own interface addresses are refused, whatever their range", () => {
    const policy = new SecurityPolicy();
    const own = Object.values(os.networkInterfaces()).flat().filter((i) => i && !i.internal).map((i) => i!.address);
    for (const address of own) expect([address, codeOf(() => policy.checkAddress(address))]).toEqual([address, 'NETWORK_NOT_ALLOWED']);
    expect(classifyPrivateAddress('192.0.2.10')).toMatch(/documentation/);
  });

  test('domain allow and block lists', async () => {
    const policy = new SecurityPolicy({ allowPrivateNetwork: true, allowedDomains: ['*.example.test', 'localhost'], blockedDomains: ['bad.example.test'] });
    expect(() => policy.checkHostname('api.example.test')).not.toThrow();
    expect(codeOf(() => policy.checkHostname('bad.example.test'))).toBe('NETWORK_NOT_ALLOWED');
    expect(codeOf(() => policy.checkHostname('other.test'))).toBe('NETWORK_NOT_ALLOWED');
  });

  test('network access can be switched off entirely', () => {
    const policy = new SecurityPolicy({ allowNetwork: false });
    expect(codeOf(() => policy.checkHostname('example.com'))).toBe('NETWORK_NOT_ALLOWED');
  });
});

describe('SecurityPolicy processes and levels', () => {
  test('process spawning is off by default and allow-listed when on', () => {
    expect(codeOf(() => new SecurityPolicy().checkExecutable('echo'))).toBe('PROCESS_NOT_ALLOWED');
    const policy = new SecurityPolicy({ allowProcessSpawn: true });
    expect(() => policy.checkExecutable('echo')).not.toThrow();
    expect(codeOf(() => policy.checkExecutable('rm'))).toBe('PROCESS_NOT_ALLOWED');
    expect(codeOf(() => policy.checkExecutable('/tmp/echo'))).toBe('PROCESS_NOT_ALLOWED');
  });

  test('security levels above the maximum are refused', () => {
    const policy = new SecurityPolicy({ maxSecurityLevel: 'restricted' });
    expect(() => policy.checkSecurityLevel('t', 'safe')).not.toThrow();
    expect(() => policy.checkSecurityLevel('t', 'restricted')).not.toThrow();
    expect(codeOf(() => policy.checkSecurityLevel('t', 'privileged'))).toBe('SECURITY_LEVEL_NOT_ALLOWED');
  });
});

describe('SecurityPolicy host names', () => {
  // `example.com.` is the same host as `example.com` to DNS: the lists must see it so
  test('a trailing dot or upper case does not get around the blocked domains', () => {
    const policy = new SecurityPolicy({ blockedDomains: ['example.com', '*.evil.com', 'BLOCKED.TEST.'] });
    for (const host of ['example.com.', 'EXAMPLE.COM.', 'Example.Com', 'x.evil.com.', 'evil.com.', 'blocked.test', 'BLOCKED.TEST.']) {
      expect([host, codeOf(() => policy.checkHostname(host))]).toEqual([host, 'NETWORK_NOT_ALLOWED']);
    }
    expect(codeOf(() => policy.checkHostname('example.org.'))).toBeUndefined();
  });

  test('an allowed domain stays allowed with a trailing dot; local names stay refused', async () => {
    const policy = new SecurityPolicy({ allowedDomains: ['example.com', '*.docs.test'] });
    for (const host of ['example.com.', 'EXAMPLE.COM', 'a.docs.test.']) expect([host, codeOf(() => policy.checkHostname(host))]).toEqual([host, undefined]);
    expect(codeOf(() => policy.checkHostname('example.org.'))).toBe('NETWORK_NOT_ALLOWED');
    const open = new SecurityPolicy();
    for (const host of ['localhost.', 'LOCALHOST.', 'metadata.google.internal.']) expect([host, codeOf(() => open.checkHostname(host))]).toEqual([host, 'NETWORK_NOT_ALLOWED']);
    await expect(new SecurityPolicy({ blockedDomains: ['blocked.test'] }).checkUrl('http://BLOCKED.TEST./ok')).rejects.toMatchObject({
      code: 'NETWORK_NOT_ALLOWED', message: expect.stringContaining('blocked domains'),
    });
  });

  test('a name that does not resolve is a network failure, not a policy refusal', async () => {
    const policy = new SecurityPolicy();
    const error = await policy.resolveHost('no-such-host.invalid').then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'IO_ERROR', message: expect.stringContaining('cannot resolve no-such-host.invalid') });
    expect(isLlmspellError(error) && (error.cause as NodeJS.ErrnoException).code).toMatch(/^E/);
  });
});

describe('SecurityPolicy redaction of URLs', () => {
  test('redact and redactValue mask URL passwords and secret query values', () => {
    const policy = new SecurityPolicy();
    expect(policy.redact('error: connect to postgres://dbuser:dbpass777@db:5432/x refused')).toBe('error: connect to postgres://dbuser:[REDACTED]@db:5432/x refused');
    expect(policy.redactValue({ observability: { otlp_endpoint: 'http://u:otlppass@127.0.0.1:4318' }, url: 'https://h/v1?token=qsecret999' })).toEqual({
      observability: { otlp_endpoint: 'http://u:[REDACTED]@127.0.0.1:4318' }, url: 'https://h/v1?token=[REDACTED]',
    });
  });
});
