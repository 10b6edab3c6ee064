import { SecretRedactor, looksLikeSecretName, looksLikeSecretValue } from '../index.js';

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

  test('an object reached twice is masked at both places (a tool result shares result and output)', () => {
    const r = new SecretRedactor();
    r.add('my-very-private-key-123');
    const shared = { token: 'abc', note: 'key my-very-private-key-123', list: [{ password: 'p4ssword' }] };
    const out = r.redactValue({ result: shared, output: shared, again: [shared, shared] });
    const masked = { token: '[REDACTED]', note: 'key [REDACTED]', list: [{ password: '[REDACTED]' }] };
    expect(out).toEqual({ result: masked, output: masked, again: [masked, masked] });
    expect(JSON.stringify(out)).not.toContain('my-very-private-key-123');
    expect(shared.token).toBe('abc');
  });

  test('secret-named fields of a JSON text lose their value (a tool result\'s text)', () => {
    const r = new SecretRedactor();
    const text = JSON.stringify({ result: { password: 'hunter2hunter2', api_key: 'abcdefgh12', 'client-secret': 'zzzzzzzz', note: 'fine' } }, null, 2);
    const out = r.redact(text);
    expect(out).not.toMatch(/hunter2hunter2|abcdefgh12|zzzzzzzz/);
    expect(JSON.parse(out)).toEqual({ result: { password: '[REDACTED]', api_key: '[REDACTED]', 'client-secret': '[REDACTED]', note: 'fine' } });
  });

  test('a value that holds itself comes back masked, holding its masked copy', () => {
    const r = new SecretRedactor();
    const cyclic: Record<string, unknown> = { secret: 'hunter2hunter2', items: [] };
    (cyclic.items as unknown[]).push(cyclic);
    cyclic.self = cyclic;
    const out = r.redactValue(cyclic);
    expect(out.secret).toBe('[REDACTED]');
    expect(out.self).toBe(out);
    expect((out.items as unknown[])[0]).toBe(out);
  });
});

import {
  looksLikeHighEntropySecret, looksLikeSecretEnvName, looksLikeSecretEnvVar, urlCredentials,
} from '../index.js';
import { SECRET_BEARING_ENV } from '../testing/index.js';

const HOSTILE_ENV = SECRET_BEARING_ENV;

describe('environment secrets', () => {
  test('every hostile variable is a secret by name (REDIS_URL by its value), and the typed ones by value too', () => {
    for (const [name, value] of Object.entries(HOSTILE_ENV)) {
      expect([name, looksLikeSecretEnvName(name)]).toEqual([name, name !== 'REDIS_URL']);
      expect([name, looksLikeSecretEnvVar(name, value)]).toEqual([name, true]);
    }
    // Renamed to something innocent, the value alone still gives them away.
    for (const name of ['GH_PAT', 'STRIPE_SK', 'SLACK_WEBHOOK_URL', 'SENTRY_DSN', 'REDIS_URL', 'OPENAI_KEY']) {
      expect([name, looksLikeSecretEnvVar('INNOCENT', HOSTILE_ENV[name])]).toEqual([name, true]);
    }
    for (const value of [
      'AKIAABCDEFGHIJKLMNOP', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', 'gho_abcdefghijklmnopqrstuvwxyz0123456789',
      'xoxb-1234567890-abcdefghij', 'glpat-abcdefghij0123456789', 'rk_live_abcdefghijklmnop1234',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
      'postgres://app:hunter22@db.internal/app', 'Zx8Qm2Lr9Tv4Kp7Wn3Yb6Hc1Df5Gs0Ja',
      'd41d8cd98f00b204e9800998ecf8427e',
    ]) {
      expect([value, looksLikeSecretEnvVar('X', value)]).toEqual([value, true]);
    }
  });

  test('harmless variables stay harmless', () => {
    for (const [name, value] of Object.entries({
      PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/home/ann', LANG: 'en_US.UTF-8', TERM: 'xterm-256color', SHELL: '/bin/bash',
      TZ: 'Europe/Berlin', NODE_ENV: 'production', LC_ALL: 'C.UTF-8', PWD: '/home/ann/projects/llmspell-2024',
      npm_config_registry: 'https://registry.npmjs.org/', EDITOR: 'vim', HOSTNAME: 'build-agent-07', COLORTERM: 'truecolor',
      VERSION: '1.2.3-beta.4+build.5678', MAX_TOKENS_X: undefined,
    })) {
      if (value === undefined) continue;
      expect([name, looksLikeSecretEnvVar(name, value)]).toEqual([name, false]);
    }
    expect(looksLikeHighEntropySecret('node_modules/.bin/some-tool-name-here')).toBe(false);
    expect(looksLikeHighEntropySecret('/usr/lib/x86_64-linux-gnu/libfoo.so.1')).toBe(false);
  });

  test('the credential part of a URL', () => {
    expect(urlCredentials('redis://:pw%40x@h:1/0')).toContain('pw@x');
    expect(urlCredentials('https://0123456789abcdef@o1.ingest.sentry.io/2')).toContain('0123456789abcdef');
    expect(urlCredentials('postgres://app:hunter22@db/app')).toContain('hunter22');
    expect(urlCredentials('https://example.com/a@b')).toEqual([]);
  });

  test('secrets found in the environment join the redaction set, paths and words under secret names do not', () => {
    const r = new SecretRedactor();
    const taken = r.addFromEnvironment({
      ...HOSTILE_ENV,
      XAUTHORITY: '/run/user/1000/gdm/Xauthority',
      AUTH_MODE: 'oauth',
      HOME: '/home/ann',
      BUILD_ID: 'Zx8Qm2Lr9Tv4Kp7Wn3Yb6Hc1Df5Gs0Ja',
    });
    expect(taken.sort()).toEqual([...Object.keys(HOSTILE_ENV), 'BUILD_ID'].sort());
    for (const [name, value] of Object.entries(HOSTILE_ENV)) {
      expect([name, r.redact(`value: ${value}.`)]).not.toEqual([name, expect.stringContaining(value)]);
    }
    expect(r.redact('REDIS_URL leaks fixture-redis-pw-0123')).toBe('REDIS_URL leaks [REDACTED]');
    expect(r.redact('files in /run/user/1000/gdm/Xauthority, mode oauth')).toBe('files in /run/user/1000/gdm/Xauthority, mode oauth');
  });
});

describe('encoded forms of a known secret', () => {
  const key = 'sk-test-0123456789abcdefghijklmn';
  const r = new SecretRedactor();
  r.add(key);
  const forms: Record<string, string> = {
    base64: Buffer.from(key).toString('base64'),
    'base64 inside text (offset 1)': Buffer.from(`x${key}y`).toString('base64'),
    'base64 inside text (offset 2)': Buffer.from(`xy${key}`).toString('base64'),
    base64url: Buffer.from(`??${key}`).toString('base64url'),
    hex: Buffer.from(key).toString('hex'),
    HEX: Buffer.from(key).toString('hex').toUpperCase(),
    reversed: [...key].reverse().join(''),
    'url-encoded': encodeURIComponent(`${key}/`),
  };
  for (const [name, text] of Object.entries(forms)) {
    test(`${name} is scrubbed`, () => {
      const out = r.redact(`got: ${text} end`);
      expect(out).toContain('[REDACTED]');
      // What is left holds at most a few characters shared with the edges of the encoding.
      expect(out.length).toBeLessThan(`got: ${text} end`.length - 8);
    });
  }
});

describe('redaction of token shapes inside longer text', () => {
  // redact() skips the patterns for text holding none of their fixed parts; every shape must still go
  const shapes = [
    'sk-ant-api03-abcdefghijklmnopqrstuv', 'sk-proj-abcdefghijklmnopqrstuvwx', 'AKIAABCDEFGHIJKLMNOP', 'ASIAABCDEFGHIJKLMNOP',
    'ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
    'glpat-abcdefghij0123456789', 'xoxb-1234567890-abcdefghij', 'xapp-1-abcdefghij12', 'sk_live_abcdefghijklmnop1234',
    'pk_test_abcdefghijklmnop1234', 'whsec_abcdefghijklmnop1234', 'AIzaSyA1234567890abcdefghijklmnopqrstuv',
    'npm_abcdefghijklmnopqrstuvwxyz0123456789', 'hf_abcdefghijklmnopqrstuvwxyz0123456',
    'SG.abcdefghijklmnop.qrstuvwxyz0123456789', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    'Bearer abcdefghijklmnop1234', '-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----',
  ];
  test.each(shapes)('%s', (shape) => {
    const out = new SecretRedactor().redact(`before ${shape} after`);
    expect(out).toContain('[REDACTED]');
    expect(out).not.toContain(shape);
  });

  test('assignments of secret-named settings lose their value, whatever the case', () => {
    const r = new SecretRedactor();
    expect(r.redact('PASSWORD=hunter2hunter2')).toBe('PASSWORD=[REDACTED]');
    expect(r.redact('client_secret: "abcdef123456"')).toBe('client_secret: "[REDACTED]"');
    expect(r.redact('nothing to see here')).toBe('nothing to see here');
  });

  test('keys that look secret are masked in values, on every call (the verdict cache changes nothing)', () => {
    const r = new SecretRedactor();
    for (let i = 0; i < 3; i++) {
      expect(r.redactValue({ apiKey: 'abc123', max_tokens: 5, nested: [{ password: 'x1' }] })).toEqual({
        apiKey: '[REDACTED]', max_tokens: 5, nested: [{ password: '[REDACTED]' }],
      });
    }
  });

  test('a short text found clean is masked once a secret it holds is registered (the clean-text cache forgets)', () => {
    const r = new SecretRedactor();
    expect(r.redact('id=abcdefgh42')).toBe('id=abcdefgh42');
    expect(r.redact('id=abcdefgh42')).toBe('id=abcdefgh42');
    r.add('abcdefgh42');
    expect(r.redact('id=abcdefgh42')).toBe('id=[REDACTED]');
    // a text holding a secret is masked on every call, short or long
    const long = `${'x'.repeat(80)} abcdefgh42`;
    for (let i = 0; i < 3; i++) {
      expect(r.redact('id=abcdefgh42')).toBe('id=[REDACTED]');
      expect(r.redact('token=sk-proj-abcdefghijklmnopqrstuvwxyz')).not.toContain('abcdefghijklmnopqrstuvwxyz');
      expect(r.redact(long)).toBe(`${'x'.repeat(80)} [REDACTED]`);
    }
  });

  test('many different short texts: the cache stays bounded and answers stay right', () => {
    const r = new SecretRedactor();
    for (let i = 0; i < 5000; i++) expect(r.redact(`name-${i}`)).toBe(`name-${i}`);
    r.add('name-4999-secret');
    expect(r.redact('name-4999-secret')).toBe('[REDACTED]');
    expect(r.redact('name-4999')).toBe('name-4999');
  });

  test('many objects, shared ones and a cycle: each copy masked, shared ones copied once, the cycle kept as a cycle', () => {
    const r = new SecretRedactor();
    r.add('my-very-private-key-123');
    const shared = { password: 'p4ssword', note: 'my-very-private-key-123' };
    const items = Array.from({ length: 40 }, (_, i) => ({ i, shared, inner: { token: `t${i}` } }));
    const root: Record<string, unknown> = { items, shared };
    root.self = root;
    const out = r.redactValue(root) as typeof root & { items: typeof items };
    expect(out).not.toBe(root);
    expect(out.self).toBe(out);
    expect(out.shared).toEqual({ password: '[REDACTED]', note: '[REDACTED]' });
    for (const [i, item] of out.items.entries()) {
      expect(item.shared).toBe(out.shared);
      expect(item).toEqual({ i, shared: out.shared, inner: { token: '[REDACTED]' } });
    }
    // the input is left as it was
    expect(shared.password).toBe('p4ssword');
  });

  test('every token shape and assignment is masked, in any case, alone or inside longer text (the cheap first look misses none)', () => {
    const r = new SecretRedactor();
    const secrets = [
      'sk-ant-abcdefghijklmnopqrstuvwxyz0123', 'sk-proj-abcdefghijklmnopqrstuvwxyz0123', 'AKIAABCDEFGHIJKLMNOP', 'ASIAABCDEFGHIJKLMNOP',
      'ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'gho_abcdefghijklmnopqrstuvwxyz0123456789', 'github_pat_abcdefghijklmnopqrstuvwxyz0123',
      'glpat-abcdefghijklmnopqrstu', 'xoxb-1234567890-abcdef', 'xapp-1234567890-abcdef', 'sk_live_abcdefghijklmnop12', 'rk_test_abcdefghijklmnop12',
      'whsec_abcdefghijklmnop12', 'AIzaabcdefghijklmnopqrstuvwxyz012345678', 'npm_abcdefghijklmnopqrstuvwxyz0123456789', 'hf_abcdefghijklmnopqrstuvwxyz01234',
      'SG.abcdefghijklmnop.qrstuvwxyz012345', 'eyJabcdefghij.eyJklmnopqrst.uvwxyz012345', 'Bearer abcdefghijklmnopqrstuvwxyz',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----',
    ];
    const assignments = ['api_key=abcdef123456', 'API-KEY: abcdef123456', 'apikey="abcdef123456"', 'access_token=abcdef123456', 'Auth-Token: abcdef123456',
      'password=abcdef123456', 'PASSWD=abcdef123456', 'pwd=abcdef123456', 'secret: abcdef123456', 'private_key=abcdef123456', 'client_secret=abcdef123456',
      '"password": "abcdef123456"'];
    for (const secret of secrets) {
      for (const text of [secret, `before ${secret} after`, `${'x'.repeat(100)} ${secret}`]) {
        expect([text, r.redact(text).includes(secret)]).toEqual([text, false]);
      }
    }
    for (const text of assignments) {
      expect([text, r.redact(text)]).toEqual([text, expect.stringContaining('[REDACTED]')]);
      expect(r.redact(`${'y'.repeat(100)} ${text}`)).not.toContain('abcdef123456');
    }
  });

  test('a text next to the same text is masked at both places, and a secret-named key still wins', () => {
    const r = new SecretRedactor();
    r.add('my-very-private-key-123');
    const text = 'key my-very-private-key-123';
    expect(r.redactValue({ result: text, output: text, password: 'plain-looking', note: 'plain-looking' })).toEqual({
      result: 'key [REDACTED]', output: 'key [REDACTED]', password: '[REDACTED]', note: 'plain-looking',
    });
    expect(r.redactValue({ note: 'plain-looking', password: 'plain-looking' })).toEqual({ note: 'plain-looking', password: '[REDACTED]' });
  });
});

describe('short texts', () => {
  // redact() answers a short text shorter than every known secret form with one pattern test; the
  // secret's shortest form and every pattern must still be found, before and after texts were cached
  test('a short secret is scrubbed from texts just longer than it, and texts shorter than it pass', () => {
    const r = new SecretRedactor();
    const texts = ['s1', 'bench.s1', 'x-Zq7w9Rv2-y', 'Zq7w9Rv2', 'password=hunter22', 'sk-proj-abcdefghijklmnopqrstuvwx'];
    const before = texts.map((t) => r.redact(t));
    expect(before).toEqual(['s1', 'bench.s1', 'x-Zq7w9Rv2-y', 'Zq7w9Rv2', 'password=[REDACTED]', '[REDACTED]']);
    r.add('Zq7w9Rv2');
    expect(texts.map((t) => r.redact(t))).toEqual(['s1', 'bench.s1', 'x-[REDACTED]-y', '[REDACTED]', 'password=[REDACTED]', '[REDACTED]']);
    // an encoded form (reversed) shorter than the texts it hides in
    expect(r.redact('<2vR9w7qZ>')).toBe('<[REDACTED]>');
  });
});

describe('credentials inside URLs', () => {
  // a URL's password and its secret-named query values have no shape of their own: only where they stand says what they are
  test('the password of a URL is masked in any text, the user name and host stay', () => {
    const r = new SecretRedactor();
    expect(r.redact('connect postgres://dbuser:dbpass777@db.internal:5432/app failed')).toBe('connect postgres://dbuser:[REDACTED]@db.internal:5432/app failed');
    expect(r.redact('http://u:otlppass@127.0.0.1:4318')).toBe('http://u:[REDACTED]@127.0.0.1:4318');
    expect(r.redact('redis://:s3cr3t@cache:6379')).toBe('redis://:[REDACTED]@cache:6379');
    // an unencoded @ in the password: the authority ends at the last one, as URL parsers read it
    expect(r.redact('"url":"mysql://root:p@ss@word@db/x"')).toBe('"url":"mysql://root:[REDACTED]@db/x"');
    // an @ in the path is not user info
    expect(r.redact('see https://example.org:8443/users/@me and ssh://git@github.com/x')).toBe('see https://example.org:8443/users/@me and ssh://git@github.com/x');
  });

  test('secret-named query parameters are masked, others stay', () => {
    const r = new SecretRedactor();
    expect(r.redact('base_url https://user:pass123@llm.example.org/v1?token=qsecret999&model=gpt')).toBe(
      'base_url https://user:[REDACTED]@llm.example.org/v1?token=[REDACTED]&model=gpt',
    );
    expect(r.redact('https://maps.example.com/api?key=AbC123xyz&q=paris')).toBe('https://maps.example.com/api?key=[REDACTED]&q=paris');
    expect(r.redact('https://b.s3.example.com/o?X-Amz-Credential=abc%2F1&X-Amz-Signature=deadbeef&x=1')).toBe(
      'https://b.s3.example.com/o?X-Amz-Credential=[REDACTED]&X-Amz-Signature=[REDACTED]&x=1',
    );
    expect(r.redact('https://x.test/cb#access_token=tok12345&state=s')).toBe('https://x.test/cb#access_token=[REDACTED]&state=s');
    expect(r.redact('https://x.test/?sig=a1&max_tokens=5&author=me&page=2')).toBe('https://x.test/?sig=[REDACTED]&max_tokens=5&author=me&page=2');
  });

  test('short texts and values are masked too (config values, Config.get)', () => {
    const r = new SecretRedactor();
    expect(r.redact('http://u:p@h')).toBe('http://u:[REDACTED]@h');
    expect(r.redactValue({ providers: { myp: { base_url: 'https://user:pass123@llm.example.org/v1?token=qsecret999' } }, db: ['postgres://dbuser:dbpass777@db/x'] })).toEqual({
      providers: { myp: { base_url: 'https://user:[REDACTED]@llm.example.org/v1?token=[REDACTED]' } },
      db: ['postgres://dbuser:[REDACTED]@db/x'],
    });
    // masking again changes nothing
    expect(r.redact('postgres://dbuser:[REDACTED]@db/x?token=[REDACTED]')).toBe('postgres://dbuser:[REDACTED]@db/x?token=[REDACTED]');
  });
});
