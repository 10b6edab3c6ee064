import { SecretRedactor, looksLikeSecretName, looksLikeSecretValue } from '../src/index.js';

describe('secret detection', () => {
  test('names', () => {
    for (const n of ['OPENAI_API_KEY', 'api_key', 'apiKey', 'GITHUB_TOKEN', 'db_password', 'AWS_SECRET_ACCESS_KEY', 'clientSecret', 'Authorization']) {
      expect([n, looksLikeSecretName(n)]).toEqual([n, true]);
    }
    for (const n of ['max_tokens', 'author', 'HOME', 'PATH', 'tokens_used', 'LANG']) {
      expect([n, looksLikeSecretName(n)]).toEqual([n, false]);
    }
  });

  test('values', () => {
    expect(looksLikeSecretValue('sk-proj-abcdefghijklmnopqrstuvwxyz123456')).toBe(true);
    expect(looksLikeSecretValue('password=hunter2hunter2')).toBe(true);
    expect(looksLikeSecretValue('hello world')).toBe(false);
  });

  test('redactor removes registered secrets and patterns from text and values', () => {
    const r = new SecretRedactor();
    r.add('my-very-private-key-123');
    r.add('abc'); // too short: ignored
    expect(r.redact('key is my-very-private-key-123!')).toBe('key is [REDACTED]!');
    expect(r.redact('Authorization: Bearer abcdefghijklmnop1234')).toContain('[REDACTED]');
    expect(r.redact('abc is fine')).toBe('abc is fine');
    expect(r.redactValue({ api_key: 'visible?', nested: { note: 'my-very-private-key-123' }, max_tokens: 5 })).toEqual({
      api_key: '[REDACTED]',
      nested: { note: '[REDACTED]' },
      max_tokens: 5,
    });
  });
});
