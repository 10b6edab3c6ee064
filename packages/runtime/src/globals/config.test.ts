import type { ScriptValue } from '@llmspell/core';
import { LlmspellRuntime } from '../index.js';

type Obj = Record<string, (...args: ScriptValue[]) => ScriptValue>;

test('Config.get masks the passwords and secret query values inside URLs, as it masks api_key', async () => {
  const rt = await LlmspellRuntime.create({
    config: {
      providers: { providers: { myp: { provider_type: 'openai', api_key: 'plain-config-key', base_url: 'https://user:pass123@llm.example.org/v1?token=qsecret999' } } },
      runtime: { state_persistence: { enabled: false, backend_type: 'memory', url: 'postgres://dbuser:dbpass777@db.example.org:5432/app' } },
      observability: { otlp_endpoint: 'http://u:otlppass@127.0.0.1:4318' },
    },
  });
  try {
    const C = rt.buildGlobals({ language: 'lua' }).Config as Obj;
    expect(C.get('providers.providers.myp.api_key')).toBe('[REDACTED]');
    expect(C.get('providers.providers.myp.base_url')).toBe('https://user:[REDACTED]@llm.example.org/v1?token=[REDACTED]');
    expect(C.get('runtime.state_persistence.url')).toBe('postgres://dbuser:[REDACTED]@db.example.org:5432/app');
    expect(C.get('observability.otlp_endpoint')).toBe('http://u:[REDACTED]@127.0.0.1:4318');
    expect(JSON.stringify(C.get(''))).not.toMatch(/pass123|qsecret999|dbpass777|otlppass/);
  } finally {
    await rt.close();
  }
});
