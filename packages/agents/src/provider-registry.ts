import { LlmspellError, SecurityPolicy, guardedFetch, ownEntry, redactUrl, type ErrorCode } from '@llmspell/core';
import type { LanguageModel } from 'ai';
import { BUILTIN_PROVIDERS as BUILTIN, KNOWN_PROVIDERS, type ProviderProtocol } from './providers.js';

/** One `[providers.providers.<name>]` entry of llmspell.toml. */
export interface ProviderSettings {
  provider_type: string;
  api_key_env?: string;
  api_key?: string;
  base_url?: string;
  model?: string;
  max_tokens?: number;
  /** Default time limit of one agent call on this provider (seconds); an agent's `timeout_ms` wins. */
  timeout_seconds?: number;
  /** Default retries of a failed request on this provider; an agent's `max_retries` wins. */
  max_retries?: number;
  [key: string]: unknown;
}

/** The `[providers]` section. */
export interface ProvidersConfig {
  default_provider?: string;
  providers?: Record<string, ProviderSettings>;
}

/** What an agent asks for: its `model`, `provider`, `api_key`, `base_url` fields. */
export interface ModelRequest {
  model?: string;
  provider?: string;
  api_key?: string;
  base_url?: string;
}


/** Everything needed to build a model, after config, agent fields and env are merged. */
export interface ResolvedModel {
  /** The name the user used (`groq`, `openai`, a config key). */
  provider: string;
  /** The implementation behind it (`openai`, `anthropic`, `ollama`, `groq`…). */
  providerType: string;
  model: string;
  protocol: ProviderProtocol;
  baseURL?: string;
  /** Undefined for keyless local servers, and for an endpoint the caller named without giving a key. */
  apiKey?: string;
  /** Default output token cap from config. */
  maxTokens?: number;
  /** Default time limit of an agent call from config (`timeout_seconds`, in ms). */
  timeoutMs?: number;
  /** Default retries of a failed request from config (`max_retries`). */
  maxRetries?: number;
  /**
   * True when the model is served where configuration sends it (the provider's default URL,
   * `base_url` in config, or a base-URL environment variable): only then does a configured
   * or environment key go with the requests.
   */
  configuredEndpoint: boolean;
  /**
   * The `fetch` the provider uses: responses capped in size, redirects checked against the
   * network policy (credential headers dropped on a hop to another origin), and, for an
   * endpoint the caller named, every hop checked.
   */
  fetch?: typeof globalThis.fetch;
}

export type ModelFactory = (resolved: ResolvedModel) => LanguageModel | Promise<LanguageModel>;


/** `"anthropic/claude-3-5-haiku"` → provider + model, split at the first `/`; no slash → openai. */
export function parseModelSpec(spec: string): { provider: string; model: string } {
  const slash = spec.indexOf('/');
  if (slash < 0) return { provider: 'openai', model: spec };
  return { provider: spec.slice(0, slash), model: spec.slice(slash + 1) };
}

function envName(provider: string): string {
  return provider.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

/**
 * Bare host URLs get the API version path the server expects (`http://localhost:11434` →
 * `…/v1`), so users may write either form; URLs with a path are used as given. The result is
 * the parsed, canonical form (`..` and `.` resolved), so what is compared is what is used.
 */
function normaliseBaseURL(url: string, source: BaseUrlSource): string {
  // As written, unless it may carry a credential (user info, a key in the query).
  const shown = /[@?]/.test(url) ? redactUrl(url) : url;
  const fail = (problem: string) => new LlmspellError(source.code, `${source.name} '${shown}' ${problem}`, { details: { parameter: source.name } });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw fail('is not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw fail('must be http or https');
  // fetch refuses such URLs, with an error quoting the password; a key belongs in api_key.
  if (parsed.username || parsed.password) throw fail('must not contain a user name or password (put a key in api_key or api_key_env)');
  const trimmed = parsed.href.replace(/\/+$/, '');
  if (parsed.pathname === '/' || parsed.pathname === '') return `${trimmed}/v1`;
  return trimmed;
}

/** Where a base URL came from: its name in messages, and the code for a bad one. */
interface BaseUrlSource {
  name: string;
  code: ErrorCode;
}

/**
 * The largest provider response llmspell reads (a JSON answer, or one event of a stream):
 * ample for any model's answer, far from what an endless body would take.
 * `runtime.security.max_response_bytes` raises it when set higher.
 */
export const PROVIDER_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** Whether a provider request body asks for a server-sent event stream (OpenAI and Anthropic: `"stream": true`). */
function asksForStream(body: unknown): boolean {
  if (typeof body !== 'string' || !body.includes('"stream"')) return false;
  try {
    return (JSON.parse(body) as { stream?: unknown }).stream === true;
  } catch {
    return false;
  }
}

/**
 * The fetch a provider gets: the policy's for every hop not to `trustedOrigin`, and a size cap on
 * the whole answer, or on each event when the request streams (a long answer is many small events).
 */
function providerFetch(policy: SecurityPolicy, trustedOrigin: string | undefined): typeof globalThis.fetch {
  const limit = Math.max(policy.maxResponseBytes, PROVIDER_MAX_RESPONSE_BYTES);
  const common = {
    parameter: 'base_url',
    trustedOrigins: trustedOrigin ? [trustedOrigin] : [],
    limitSetting: `provider responses get ${PROVIDER_MAX_RESPONSE_BYTES} bytes, or runtime.security.max_response_bytes when larger`,
  };
  const whole = guardedFetch(policy, { ...common, maxBytes: limit });
  const streamed = guardedFetch(policy, { ...common, maxEventBytes: limit });
  return (input, init) => (asksForStream(init?.body) ? streamed : whole)(input, init);
}

/** Whether `url` is the configured endpoint `base` or a path below it (same scheme, host and port). */
function isSameEndpoint(url: string, base: string): boolean {
  const a = new URL(url);
  const b = new URL(base);
  if (a.origin !== b.origin || a.username !== b.username || a.password !== b.password) return false;
  const root = b.pathname.replace(/\/+$/, '');
  return a.pathname === b.pathname || a.pathname === root || a.pathname.startsWith(`${root}/`);
}

export interface ProviderRegistryOptions {
  config?: ProvidersConfig;
  /** Environment to read keys from; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Builds the model; default loads the provider's ai SDK package. Tests inject mock models. */
  modelFactory?: ModelFactory;
  /** Told about every API key used, so the runtime can redact it everywhere. */
  onSecret?: (value: string) => void;
  /**
   * The network policy for endpoints a caller names itself (`base_url` that configuration does
   * not name): private and loopback targets refused unless it allows them, every connection
   * checked. Default: `new SecurityPolicy()`.
   */
  policy?: SecurityPolicy;
}

/**
 * Turns what an agent asks for (`provider/model`, or separate fields) plus llmspell.toml's
 * `[providers]` and the environment into an ai SDK LanguageModel. Provider packages are
 * imported only when first used.
 */
export class ProviderRegistry {
  private readonly config: ProvidersConfig;
  private readonly env: Record<string, string | undefined>;
  private readonly factory: ModelFactory;
  private readonly onSecret?: (value: string) => void;
  private readonly policy: SecurityPolicy;
  /** Fetches by trusted origin ('' for endpoints a caller named). */
  private readonly fetches = new Map<string, typeof globalThis.fetch>();

  constructor(options: ProviderRegistryOptions = {}) {
    this.config = options.config ?? {};
    // A copy: keys and endpoints are what the environment said when the registry was made,
    // whatever a script later sets in process.env.
    this.env = { ...(options.env ?? process.env) };
    this.factory = options.modelFactory ?? defaultModelFactory;
    this.onSecret = options.onSecret;
    this.policy = options.policy ?? new SecurityPolicy();
  }

  /** Provider names usable as a model prefix: the built-in ones and those in config. */
  names(): string[] {
    return [...new Set([...KNOWN_PROVIDERS, ...Object.keys(this.config.providers ?? {})])];
  }

  /** Config entries, without keys (for `llmspell providers`). */
  configured(): Array<{ name: string; provider_type: string; model?: string; base_url?: string }> {
    return Object.entries(this.config.providers ?? {}).map(([name, p]) => ({
      name, provider_type: p.provider_type, model: p.model, base_url: p.base_url === undefined ? undefined : redactUrl(p.base_url),
    }));
  }

  resolve(request: ModelRequest): ResolvedModel {
    let provider: string | undefined;
    let model: string | undefined;
    if (request.provider) {
      provider = request.provider;
      model = request.model;
      // `provider = "openai", model = "openai/gpt-4o"` names the provider twice; drop the prefix.
      if (model && model.startsWith(provider + '/')) model = model.slice(provider.length + 1);
    } else if (request.model) {
      // A bare model name (`qwen2.5`) belongs to the configured default provider, as in the
      // reference; with none configured it is OpenAI's.
      ({ provider, model } = !request.model.includes('/') && this.config.default_provider
        ? { provider: this.config.default_provider, model: request.model }
        : parseModelSpec(request.model));
    } else {
      provider = this.config.default_provider;
    }
    if (!provider) {
      throw new LlmspellError(
        'INVALID_ARGUMENT',
        "Model specification required (use 'model' field): give the agent a model such as \"openai/gpt-4o-mini\", or set [providers] default_provider in llmspell.toml",
        { details: { parameter: 'model' } },
      );
    }
    const settings = this.config.providers?.[provider];
    const providerType = (settings?.provider_type ?? provider).toLowerCase();
    const builtin = ownEntry(BUILTIN, providerType) ?? ownEntry(BUILTIN, provider.toLowerCase());
    if (!builtin) {
      throw new LlmspellError(
        'PROVIDER_NOT_CONFIGURED',
        `Unknown provider '${provider}'. Use one of ${KNOWN_PROVIDERS.join(', ')}, or declare [providers.providers.${provider}] with provider_type and base_url in llmspell.toml`,
        { details: { provider } },
      );
    }
    model = model || settings?.model;
    if (!model) {
      throw new LlmspellError('INVALID_ARGUMENT', `Model not specified for provider '${provider}' (use 'model' field or set model in [providers.providers.${provider}])`, { details: { parameter: 'model', provider } });
    }

    const names = [...new Set([provider, providerType])];
    const fromEnv = (vars: string[]): string | undefined => {
      for (const v of vars) {
        const value = this.env[v];
        if (value) return value;
      }
      return undefined;
    };
    const baseUrlVars = names.flatMap((n) => [`LLMSPELL_${envName(n)}_BASE_URL`, ...(ownEntry(BUILTIN, n)?.baseUrlEnv ?? [])]);
    const withScheme = (raw: string, source: BaseUrlSource) => normaliseBaseURL(/^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`, source);
    const configuredVar = settings?.base_url ? undefined : baseUrlVars.find((v) => this.env[v]);
    const configuredRaw = settings?.base_url ?? (configuredVar && this.env[configuredVar]);
    const configured = configuredRaw
      ? withScheme(configuredRaw, configuredVar ? { name: configuredVar, code: 'CONFIG_INVALID' } : { name: `providers.providers.${provider}.base_url`, code: 'CONFIG_INVALID' })
      : builtin.baseURL;
    const requested = request.base_url !== undefined ? withScheme(request.base_url, { name: 'base_url', code: 'INVALID_ARGUMENT' }) : undefined;
    const baseURL = requested ?? configured;
    if (!baseURL) {
      throw new LlmspellError('PROVIDER_NOT_CONFIGURED', `Provider '${provider}' needs a base URL: set base_url on the agent, in [providers.providers.${provider}], or ${baseUrlVars[1] ?? baseUrlVars[0]}`, { details: { provider } });
    }
    const customBase = builtin.baseURL === undefined || baseURL !== builtin.baseURL;
    // A key configured or found in the environment goes only to the endpoint configured for
    // it; an endpoint the caller names gets the caller's own key or none, and the network
    // policy of tools, since a script may have chosen it.
    const configuredEndpoint = requested === undefined || (configured !== undefined && isSameEndpoint(requested, configured));
    if (!configuredEndpoint) {
      try {
        this.policy.checkHostname(new URL(baseURL).hostname);
      } catch (error) {
        if (!(error instanceof LlmspellError)) throw error;
        throw new LlmspellError(error.code, `parameter 'base_url': ${error.detail}; a base_url that [providers.providers.${provider}] does not configure gets the network policy of tools (and no configured key)`, {
          details: { ...error.details, parameter: 'base_url', provider },
        });
      }
    }

    let apiKey = request.api_key;
    const keyVars = names.flatMap((n) => [`LLMSPELL_${envName(n)}_API_KEY`, ...(ownEntry(BUILTIN, n)?.keyEnv ?? [])]);
    if (!apiKey && configuredEndpoint) {
      apiKey = settings?.api_key;
      if (!apiKey && settings?.api_key_env) {
        apiKey = this.env[settings.api_key_env];
        if (!apiKey) {
          throw new LlmspellError('MISSING_API_KEY', `Environment variable '${settings.api_key_env}' not found for provider '${provider}'`, {
            details: { provider, env: settings.api_key_env },
          });
        }
      }
      if (!apiKey) apiKey = fromEnv(keyVars);
      if (!apiKey && builtin.keyRequired && !customBase) {
        const standard = builtin.keyEnv[0] ?? keyVars[0];
        throw new LlmspellError('MISSING_API_KEY', `${provider} API key required: set ${standard} (or ${keyVars[0]}), api_key in [providers.providers.${provider}], or api_key on the agent`, {
          details: { provider, env: standard },
        });
      }
    }
    if (apiKey) this.onSecret?.(apiKey);
    // OpenAI's own endpoint gets the ai SDK's default (Responses) model; any other server
    // speaks chat-completions, which every OpenAI-compatible server has.
    const protocol: ProviderProtocol = builtin.protocol === 'openai' && customBase ? 'openai-chat' : builtin.protocol;
    const resolved: ResolvedModel = {
      provider, providerType, model, protocol, baseURL, apiKey, maxTokens: settings?.max_tokens, configuredEndpoint,
      timeoutMs: settings?.timeout_seconds !== undefined ? settings.timeout_seconds * 1000 : undefined,
      maxRetries: settings?.max_retries,
    };
    const trusted = configuredEndpoint ? new URL(baseURL).origin : '';
    let fetch = this.fetches.get(trusted);
    if (!fetch) this.fetches.set(trusted, (fetch = providerFetch(this.policy, trusted || undefined)));
    resolved.fetch = fetch;
    return resolved;
  }

  async languageModel(request: ModelRequest): Promise<{ model: LanguageModel; resolved: ResolvedModel }> {
    const resolved = this.resolve(request);
    return { model: await this.factory(resolved), resolved };
  }
}

/** A key for servers that take none: the ai SDK refuses to send a request without one. */
const NO_KEY = 'llmspell-no-key';

async function importProvider<T>(pkg: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new LlmspellError('PACKAGE_NOT_INSTALLED', `provider package '${pkg}' could not be loaded: ${(error as Error).message}`, { cause: error });
  }
}

/** Loads the provider's ai SDK package on first use and builds the model. */
export const defaultModelFactory: ModelFactory = async (r) => {
  if (r.protocol === 'anthropic') {
    const { createAnthropic } = await importProvider('@ai-sdk/anthropic', () => import('@ai-sdk/anthropic'));
    return createAnthropic({ apiKey: r.apiKey ?? NO_KEY, baseURL: r.baseURL, fetch: r.fetch })(r.model);
  }
  const { createOpenAI } = await importProvider('@ai-sdk/openai', () => import('@ai-sdk/openai'));
  const provider = createOpenAI({ apiKey: r.apiKey ?? NO_KEY, baseURL: r.baseURL, name: r.providerType, fetch: r.fetch });
  return r.protocol === 'openai-chat' ? provider.chat(r.model) : provider(r.model);
};
