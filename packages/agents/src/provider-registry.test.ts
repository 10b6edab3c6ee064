import { SecurityPolicy } from '@llmspell/core';
import { ProviderRegistry, parseModelSpec } from './provider-registry.js';

const noEnv = {};

describe('parseModelSpec', () => {
  it('splits at the first slash and defaults to openai', () => {
    expect(parseModelSpec('anthropic/claude-3-5-haiku')).toEqual({ provider: 'anthropic', model: 'claude-3-5-haiku' });
    expect(parseModelSpec('together/meta-llama/Llama-3-70b')).toEqual({ provider: 'together', model: 'meta-llama/Llama-3-70b' });
    expect(parseModelSpec('gpt-4o-mini')).toEqual({ provider: 'openai', model: 'gpt-4o-mini' });
  });
});

describe('ProviderRegistry.resolve', () => {
  it('takes the key from LLMSPELL_<PROVIDER>_API_KEY before the standard variable', () => {
    const r = new ProviderRegistry({ env: { OPENAI_API_KEY: 'sk-standard', LLMSPELL_OPENAI_API_KEY: 'sk-llmspell' } });
    const m = r.resolve({ model: 'gpt-4o-mini' });
    expect(m).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', apiKey: 'sk-llmspell', baseURL: 'https://api.openai.com/v1', protocol: 'openai' });
  });

  it('fails with MISSING_API_KEY naming the variable to set', () => {
    const r = new ProviderRegistry({ env: noEnv });
    expect(() => r.resolve({ model: 'anthropic/claude-3-5-haiku-latest' })).toThrow(/^MISSING_API_KEY: anthropic API key required: set ANTHROPIC_API_KEY/);
    expect(() => r.resolve({ model: 'groq/llama-3.1-8b-instant' })).toThrow(/GROQ_API_KEY/);
  });

  it('prefers the agent key, then config api_key, then api_key_env', () => {
    const config = { providers: { openai: { provider_type: 'openai', api_key_env: 'MY_KEY' } } };
    const r = new ProviderRegistry({ config, env: { MY_KEY: 'sk-from-my-key', OPENAI_API_KEY: 'sk-other' } });
    expect(r.resolve({ model: 'openai/gpt-4o' }).apiKey).toBe('sk-from-my-key');
    expect(r.resolve({ model: 'openai/gpt-4o', api_key: 'sk-agent' }).apiKey).toBe('sk-agent');
    const missing = new ProviderRegistry({ config, env: {} });
    expect(() => missing.resolve({ model: 'openai/gpt-4o' })).toThrow("MISSING_API_KEY: Environment variable 'MY_KEY' not found for provider 'openai'");
  });

  it('resolves a config-declared OpenAI-compatible provider to chat-completions at its base URL', () => {
    const config = {
      default_provider: 'lab',
      providers: { lab: { provider_type: 'openai', base_url: 'http://10.0.0.5:8080/v1', model: 'qwen2.5', max_tokens: 512 } },
    };
    const r = new ProviderRegistry({ config, env: noEnv });
    const m = r.resolve({});
    expect(m).toMatchObject({ provider: 'lab', providerType: 'openai', model: 'qwen2.5', protocol: 'openai-chat', baseURL: 'http://10.0.0.5:8080/v1', maxTokens: 512 });
    expect(m.apiKey).toBeUndefined();
    expect(r.resolve({ provider: 'lab', model: 'llama3' }).model).toBe('llama3');
  });

  it('speaks to ollama keyless at localhost by default and honours OLLAMA_BASE_URL', () => {
    expect(new ProviderRegistry({ env: noEnv }).resolve({ model: 'ollama/llama3.2' })).toMatchObject({
      protocol: 'openai-chat', baseURL: 'http://localhost:11434/v1', apiKey: undefined,
    });
    expect(new ProviderRegistry({ env: { OLLAMA_BASE_URL: 'http://gpu-box:11434' } }).resolve({ model: 'ollama/llama3.2' }).baseURL).toBe('http://gpu-box:11434/v1');
    expect(new ProviderRegistry({ env: { OLLAMA_HOST: '127.0.0.1:11434' } }).resolve({ model: 'ollama/llama3.2' }).baseURL).toBe('http://127.0.0.1:11434/v1');
  });

  it('accepts provider and model as separate fields', () => {
    const r = new ProviderRegistry({ env: { ANTHROPIC_API_KEY: 'sk-ant-xyz' } });
    expect(r.resolve({ provider: 'anthropic', model: 'claude-3-5-haiku-latest' })).toMatchObject({ provider: 'anthropic', protocol: 'anthropic' });
    expect(r.resolve({ provider: 'anthropic', model: 'anthropic/claude-3-5-haiku-latest' }).model).toBe('claude-3-5-haiku-latest');
  });

  it('treats an OpenAI base URL override as an OpenAI-compatible server that may need no key', () => {
    const r = new ProviderRegistry({ env: { OPENAI_BASE_URL: 'http://127.0.0.1:9999' } });
    expect(r.resolve({ model: 'gpt-4o-mini' })).toMatchObject({ protocol: 'openai-chat', baseURL: 'http://127.0.0.1:9999/v1', apiKey: undefined });
  });

  it('rejects unknown providers, missing models and bad base URLs clearly', () => {
    const r = new ProviderRegistry({ env: noEnv });
    expect(() => r.resolve({ model: 'nosuch/model' })).toThrow(/^PROVIDER_NOT_CONFIGURED: Unknown provider 'nosuch'/);
    // Names Object.prototype carries are unknown providers too, not its members.
    for (const name of ['constructor', 'toString']) expect(() => r.resolve({ model: `${name}/model` })).toThrow(`PROVIDER_NOT_CONFIGURED: Unknown provider '${name}'`);
    expect(() => r.resolve({})).toThrow("INVALID_ARGUMENT: Model specification required (use 'model' field)");
    expect(() => r.resolve({ provider: 'ollama' })).toThrow(/Model not specified for provider 'ollama'/);
    expect(() => r.resolve({ model: 'ollama/x', base_url: 'ftp://host' })).toThrow(/base_url 'ftp:\/\/host' must be http or https/);
    expect(() => r.resolve({ model: 'custom/x' })).toThrow(/needs a base URL.*CUSTOM_BASE_URL/);
  });

  it('refuses a user name or password in base_url without repeating it', () => {
    const secret = 's3cr3t-pass-0123';
    const config = { providers: { lab: { provider_type: 'openai', base_url: `http://user:${secret}@10.0.0.5:8080/v1` } } };
    const r = new ProviderRegistry({ config, env: { ...noEnv, LLMSPELL_OLLAMA_BASE_URL: `http://u:${secret}@gpu-box:11434` } });
    const fromConfig = (() => { try { r.resolve({ provider: 'lab', model: 'm' }); } catch (e) { return e; } })();
    expect(fromConfig).toMatchObject({ code: 'CONFIG_INVALID', details: { parameter: 'providers.providers.lab.base_url' } });
    expect((fromConfig as Error).message).toMatch(/must not contain a user name or password/);
    const fromEnv = (() => { try { r.resolve({ model: 'ollama/llama3.2' }); } catch (e) { return e; } })();
    expect(fromEnv).toMatchObject({ code: 'CONFIG_INVALID', details: { parameter: 'LLMSPELL_OLLAMA_BASE_URL' } });
    const fromAgent = (() => { try { r.resolve({ model: 'openai/x', base_url: `https://me:${secret}@llm.example.org/v1` }); } catch (e) { return e; } })();
    expect(fromAgent).toMatchObject({ code: 'INVALID_ARGUMENT', details: { parameter: 'base_url' } });
    expect(() => r.resolve({ model: 'openai/x', base_url: 'https://me@llm.example.org/v1' })).toThrow(/^INVALID_ARGUMENT: base_url 'https:\/\/llm\.example\.org\/v1' must not contain/);
    for (const e of [fromConfig, fromEnv, fromAgent]) expect(JSON.stringify([(e as Error).message, (e as { details: unknown }).details])).not.toContain(secret);
    expect(JSON.stringify(r.configured())).not.toContain(secret);
  });

  it('reports every key it uses so the runtime can redact it', () => {
    const seen: string[] = [];
    const r = new ProviderRegistry({ env: { GROQ_API_KEY: 'gsk-secret-123' }, onSecret: (v) => seen.push(v) });
    r.resolve({ model: 'groq/llama-3.1-8b-instant' });
    expect(seen).toEqual(['gsk-secret-123']);
  });

  it('sends no configured or environment key to a base_url the caller names', () => {
    const config = { providers: { openai: { provider_type: 'openai', api_key: 'sk-config-0123456789' } } };
    const r = new ProviderRegistry({ config, env: { OPENAI_API_KEY: 'sk-env-0123456789', ANTHROPIC_API_KEY: 'sk-ant-0123456789' }, policy: new SecurityPolicy() });
    const named = r.resolve({ model: 'openai/gpt-4o', base_url: 'https://llm.example.org/v1' });
    expect(named).toMatchObject({ apiKey: undefined, configuredEndpoint: false, baseURL: 'https://llm.example.org/v1', protocol: 'openai-chat' });
    expect(typeof named.fetch).toBe('function');
    expect(r.resolve({ model: 'anthropic/claude-3-5-haiku-latest', base_url: 'https://llm.example.org' }).apiKey).toBeUndefined();
    const repeated = r.resolve({ model: 'openai/gpt-4o', base_url: 'https://api.openai.com/v1/' });
    expect(repeated).toMatchObject({ apiKey: 'sk-config-0123456789', configuredEndpoint: true });
    // A configured endpoint gets a fetch too (size cap, redirects checked), a different one.
    expect(typeof repeated.fetch).toBe('function');
    expect(repeated.fetch).not.toBe(named.fetch);
    expect(r.resolve({ model: 'openai/gpt-4o' })).toMatchObject({ apiKey: 'sk-config-0123456789', configuredEndpoint: true });
    // No key required for an endpoint the caller brings: no MISSING_API_KEY, no key.
    expect(new ProviderRegistry({ env: {} }).resolve({ model: 'groq/x', base_url: 'https://llm.example.org/v1' }).apiKey).toBeUndefined();
  });

  it('reads keys and endpoints from the environment as it was when the registry was made', () => {
    const env: Record<string, string | undefined> = { OPENAI_API_KEY: 'sk-env-0123456789' };
    const r = new ProviderRegistry({ env });
    env.OPENAI_BASE_URL = 'http://attacker.example/v1';
    expect(r.resolve({ model: 'openai/gpt-4o' })).toMatchObject({ baseURL: 'https://api.openai.com/v1', apiKey: 'sk-env-0123456789' });
  });
});

