import { aliasOf, LlmspellError, defineTool, isLlmspellError, z, type ExecutionContext } from '@llmspell/core';
import { PROVIDERS, PROVIDER_NAMES, type ProviderConfig, type ProviderName, type SearchResult, type SearchType } from './providers.js';

/** Environment variables holding each provider's key, first match wins. */
const KEY_ENV: Record<ProviderName, string[]> = {
  duckduckgo: [],
  serperdev: ['SERPER_API_KEY', 'SERPERDEV_API_KEY', 'LLMSPELL_API_KEY_SERPERDEV'],
  brave: ['BRAVE_API_KEY', 'BRAVE_SEARCH_API_KEY', 'LLMSPELL_API_KEY_BRAVE'],
  google: ['GOOGLE_API_KEY', 'GOOGLE_SEARCH_API_KEY', 'LLMSPELL_API_KEY_GOOGLE'],
  serpapi: ['SERPAPI_API_KEY', 'SERPAPI_KEY', 'LLMSPELL_API_KEY_SERPAPI'],
};
const ENGINE_ENV = ['GOOGLE_SEARCH_ENGINE_ID', 'GOOGLE_CSE_ID', 'GOOGLE_CX'];
const PROVIDER_ALIASES: Record<string, ProviderName> = { serper: 'serperdev', 'serper.dev': 'serperdev', ddg: 'duckduckgo', duck: 'duckduckgo', brave_search: 'brave', google_cse: 'google', google_search: 'google' };

function providerName(raw: unknown, parameter: string): ProviderName {
  const n = String(raw).trim().toLowerCase();
  const name = (PROVIDER_ALIASES[n] ?? n) as ProviderName;
  if (!(PROVIDER_NAMES as readonly string[]).includes(name)) {
    throw new LlmspellError('INVALID_ARGUMENT', `parameter '${parameter}': unknown search provider '${String(raw)}' (${PROVIDER_NAMES.join(', ')})`);
  }
  return name;
}

const nonEmpty = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/**
 * Per-provider settings from `[tools.web_search]`: `<provider>.api_key|base_url`,
 * `api_keys.<provider>`, `base_urls.<provider>`, `<provider>_api_key`, `<provider>_base_url`;
 * keys fall back to the environment.
 */
export function providerConfig(name: ProviderName, settings: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv = process.env): ProviderConfig {
  const own = obj(settings[name]);
  const apiKey = nonEmpty(own.api_key) ?? nonEmpty(obj(settings.api_keys)[name]) ?? nonEmpty(settings[`${name}_api_key`])
    ?? KEY_ENV[name].map((k) => nonEmpty(env[k])).find((v) => v !== undefined);
  const baseUrl = nonEmpty(own.base_url) ?? nonEmpty(obj(settings.base_urls)[name]) ?? nonEmpty(settings[`${name}_base_url`]) ?? PROVIDERS[name].defaultBaseUrl;
  const cfg: ProviderConfig = { baseUrl };
  if (apiKey) cfg.apiKey = apiKey;
  if (name === 'google') {
    const engineId = nonEmpty(own.search_engine_id) ?? nonEmpty(own.cx) ?? nonEmpty(settings.google_search_engine_id) ?? nonEmpty(settings.search_engine_id)
      ?? ENGINE_ENV.map((k) => nonEmpty(env[k])).find((v) => v !== undefined);
    if (engineId) cfg.engineId = engineId;
  }
  return cfg;
}

const windows = new Map<ProviderName, number[]>();
/** Takes a slot in the provider's per-minute quota; false when it is used up. */
function takeQuota(name: ProviderName, perMinute: number): boolean {
  if (!(perMinute > 0)) return true;
  const now = Date.now();
  const stamps = (windows.get(name) ?? []).filter((t) => now - t < 60_000);
  if (stamps.length >= perMinute) {
    windows.set(name, stamps);
    return false;
  }
  stamps.push(now);
  windows.set(name, stamps);
  return true;
}

/** Forgets used rate-limit slots (tests). */
export function resetSearchQuotas(): void {
  windows.clear();
}

interface Attempt { provider: ProviderName; error: string; code: string }

export const webSearch = defineTool({
  name: 'web_search',
  aliases: ['web-search', 'web-search-tool'],
  description: 'Search the web (DuckDuckGo without a key; Serper, Brave, Google Custom Search or SerpApi with one), falling back across providers',
  outputSchema: z.object({
    query: z.string(), provider: z.string().describe('The provider that answered'), search_type: z.enum(['web', 'news', 'images']),
    results: z.array(z.object({
      title: z.string(), url: z.string(), snippet: z.string(), rank: z.number(), date: z.string().optional().describe('news'), source: z.string().optional().describe('news'),
      image_url: z.string().optional().describe('images'),
    })),
    count: z.number(),
  }),
  examples: [
    { description: 'Five results from DuckDuckGo (no key needed)', params: { input: 'rust async programming', max_results: 5 } },
  ],
  category: 'search',
  // CODE level (DOC: Restricted). Every request still goes through the network guard.
  securityLevel: 'safe',
  tags: ['search', 'web', 'duckduckgo', 'google', 'brave', 'serper', 'serpapi'],
  parameters: z.object({
    input: z.string().optional().describe('The search query'),
    query: aliasOf('input'),
    provider: z.string().optional().describe('duckduckgo | serperdev | brave | google | serpapi (default from config, else duckduckgo)'),
    max_results: z.number().int().min(1).max(100).optional().describe('1–100 (default from config, else 10)'),
    limit: aliasOf('max_results', z.number().int().min(1).max(100)),
    search_type: z.enum(['web', 'news', 'images']).default('web'),
    safe_search: z.boolean().optional().describe('Default from config, else true'),
    language: z.string().optional().describe('e.g. en'),
    timeout: z.number().positive().max(600).optional().describe('Seconds per provider request (default 30)'),
    operation: z.string().optional().describe('DOC only (search); ignored'),
  }),
  async execute(params, ctx: ExecutionContext) {
    const query = (params.input ?? params.query ?? '').trim();
    if (!query) throw new LlmspellError('INVALID_ARGUMENT', "parameter 'input' (the search query) is required");
    if (query.length > 2048) throw new LlmspellError('INVALID_ARGUMENT', "parameter 'input' is longer than 2048 characters");
    const settings = ctx.settings;
    const first = params.provider !== undefined ? providerName(params.provider, 'provider')
      : settings.provider !== undefined ? providerName(settings.provider, 'tools.web_search.provider')
      : settings.default_provider !== undefined ? providerName(settings.default_provider, 'tools.web_search.default_provider') : 'duckduckgo';
    const order = Array.isArray(settings.providers_order)
      ? settings.providers_order.map((p, i) => providerName(p, `tools.web_search.providers_order.${i}`))
      : [...PROVIDER_NAMES];
    const chain = settings.fallback === false ? [first] : [first, ...order.filter((p) => p !== first)];
    const maxResults = params.max_results ?? params.limit ?? (typeof settings.max_results === 'number' ? Math.min(100, Math.max(1, Math.floor(settings.max_results))) : 10);
    const safeSearch = params.safe_search ?? (typeof settings.safe_search === 'boolean' ? settings.safe_search : true);
    const searchType = params.search_type as SearchType;
    const timeoutS = params.timeout ?? (typeof settings.timeout_seconds === 'number' ? settings.timeout_seconds : 30);
    const language = params.language ?? nonEmpty(settings.language);
    const rateLimits = obj(settings.rate_limits);

    const attempts: Attempt[] = [];
    for (const name of chain) {
      const provider = PROVIDERS[name];
      const skip = (code: string, error: string) => attempts.push({ provider: name, code, error });
      if (!provider.supports.includes(searchType)) { skip('UNSUPPORTED', `${name} has no ${searchType} search`); continue; }
      const cfg = providerConfig(name, settings);
      if (provider.needsKey && !cfg.apiKey) { skip('MISSING_API_KEY', `${name}: no API key (${KEY_ENV[name][0]} or [tools.web_search] ${name}_api_key)`); continue; }
      if (name === 'google' && !cfg.engineId) { skip('MISSING_API_KEY', 'google: no search engine id (GOOGLE_SEARCH_ENGINE_ID)'); continue; }
      if (cfg.apiKey) ctx.policy.secrets.add(cfg.apiKey);
      const limitRaw = obj(rateLimits[name]).per_minute ?? rateLimits[name];
      const perMinute = typeof limitRaw === 'number' ? limitRaw : provider.perMinute;
      if (!takeQuota(name, perMinute)) { skip('RATE_LIMITED', `${name}: local quota of ${perMinute} requests/minute used up`); continue; }
      let results: SearchResult[];
      try {
        results = await provider.search(ctx, { query, maxResults, searchType, safeSearch, language, timeoutMs: timeoutS * 1000 }, cfg);
      } catch (error) {
        // Our own refusals and cancellation end the search; provider trouble moves on to the next one.
        if (isLlmspellError(error) && (error.code === 'CANCELLED' || error.code === 'INVALID_ARGUMENT')) throw error;
        if (isLlmspellError(error) && error.code === 'NETWORK_NOT_ALLOWED' && chain.length === 1) throw error;
        const e = isLlmspellError(error) ? error : new LlmspellError('PROVIDER_ERROR', (error as Error).message);
        skip(e.code, ctx.policy.redact(e.message));
        ctx.logger.debug(`web_search: ${name} failed, trying the next provider`, { code: e.code });
        continue;
      }
      return {
        operation: 'search',
        result: { query, provider: name, search_type: searchType, results, count: results.length },
        metadata: { provider: name, count: results.length, ...(attempts.length ? { fallback_from: attempts } : {}) },
      };
    }
    const allMissingKeys = attempts.every((a) => a.code === 'MISSING_API_KEY' || a.code === 'UNSUPPORTED');
    throw new LlmspellError(allMissingKeys ? 'MISSING_API_KEY' : 'PROVIDER_ERROR',
      `web_search: no provider could answer (${attempts.map((a) => `${a.provider}: ${a.error}`).join('; ')})`,
      { details: { attempts } });
  },
});
