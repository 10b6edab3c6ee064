// The providers llmspell knows by name, as plain data: `@llmspell/agents/providers` serves this
// file alone, so the runtime can name providers without loading the ai SDK.

/** Which wire protocol (and ai SDK package) a provider speaks. */
export type ProviderProtocol = 'openai' | 'openai-chat' | 'anthropic';

export interface BuiltinProvider {
  protocol: ProviderProtocol;
  baseURL?: string;
  /** Env vars holding the key, most specific first (after LLMSPELL_<NAME>_API_KEY). */
  keyEnv: string[];
  /** Env vars holding the base URL. */
  baseUrlEnv: string[];
  /** False for local servers that take no key. */
  keyRequired: boolean;
}

/**
 * Providers llmspell knows by name. Everything that is not OpenAI or Anthropic is spoken to
 * through its OpenAI-compatible chat-completions endpoint, so one small dependency covers them.
 */
export const BUILTIN_PROVIDERS: Readonly<Record<string, BuiltinProvider | undefined>> = {
  openai: { protocol: 'openai', baseURL: 'https://api.openai.com/v1', keyEnv: ['OPENAI_API_KEY'], baseUrlEnv: ['OPENAI_BASE_URL'], keyRequired: true },
  anthropic: { protocol: 'anthropic', baseURL: 'https://api.anthropic.com/v1', keyEnv: ['ANTHROPIC_API_KEY'], baseUrlEnv: ['ANTHROPIC_BASE_URL'], keyRequired: true },
  ollama: { protocol: 'openai-chat', baseURL: 'http://localhost:11434/v1', keyEnv: ['OLLAMA_API_KEY'], baseUrlEnv: ['OLLAMA_BASE_URL', 'OLLAMA_HOST'], keyRequired: false },
  lmstudio: { protocol: 'openai-chat', baseURL: 'http://localhost:1234/v1', keyEnv: ['LMSTUDIO_API_KEY'], baseUrlEnv: ['LMSTUDIO_BASE_URL'], keyRequired: false },
  vllm: { protocol: 'openai-chat', baseURL: 'http://localhost:8000/v1', keyEnv: ['VLLM_API_KEY'], baseUrlEnv: ['VLLM_BASE_URL'], keyRequired: false },
  local: { protocol: 'openai-chat', keyEnv: ['LOCAL_API_KEY'], baseUrlEnv: ['LOCAL_BASE_URL'], keyRequired: false },
  custom: { protocol: 'openai-chat', keyEnv: ['CUSTOM_API_KEY'], baseUrlEnv: ['CUSTOM_BASE_URL'], keyRequired: false },
  'openai-compatible': { protocol: 'openai-chat', keyEnv: [], baseUrlEnv: [], keyRequired: false },
  groq: { protocol: 'openai-chat', baseURL: 'https://api.groq.com/openai/v1', keyEnv: ['GROQ_API_KEY'], baseUrlEnv: ['GROQ_BASE_URL'], keyRequired: true },
  together: { protocol: 'openai-chat', baseURL: 'https://api.together.xyz/v1', keyEnv: ['TOGETHER_API_KEY'], baseUrlEnv: ['TOGETHER_BASE_URL'], keyRequired: true },
  fireworks: { protocol: 'openai-chat', baseURL: 'https://api.fireworks.ai/inference/v1', keyEnv: ['FIREWORKS_API_KEY'], baseUrlEnv: ['FIREWORKS_BASE_URL'], keyRequired: true },
  perplexity: { protocol: 'openai-chat', baseURL: 'https://api.perplexity.ai', keyEnv: ['PERPLEXITY_API_KEY'], baseUrlEnv: ['PERPLEXITY_BASE_URL'], keyRequired: true },
  mistral: { protocol: 'openai-chat', baseURL: 'https://api.mistral.ai/v1', keyEnv: ['MISTRAL_API_KEY'], baseUrlEnv: ['MISTRAL_BASE_URL'], keyRequired: true },
  deepseek: { protocol: 'openai-chat', baseURL: 'https://api.deepseek.com/v1', keyEnv: ['DEEPSEEK_API_KEY'], baseUrlEnv: ['DEEPSEEK_BASE_URL'], keyRequired: true },
  openrouter: { protocol: 'openai-chat', baseURL: 'https://openrouter.ai/api/v1', keyEnv: ['OPENROUTER_API_KEY'], baseUrlEnv: ['OPENROUTER_BASE_URL'], keyRequired: true },
  gemini: { protocol: 'openai-chat', baseURL: 'https://generativelanguage.googleapis.com/v1beta/openai', keyEnv: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'], baseUrlEnv: ['GEMINI_BASE_URL'], keyRequired: true },
  cohere: { protocol: 'openai-chat', baseURL: 'https://api.cohere.ai/compatibility/v1', keyEnv: ['COHERE_API_KEY'], baseUrlEnv: ['COHERE_BASE_URL'], keyRequired: true },
};

export const KNOWN_PROVIDERS: readonly string[] = Object.keys(BUILTIN_PROVIDERS);
