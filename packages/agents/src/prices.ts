import { LlmspellError } from '@llmspell/core';

/** USD per million tokens. */
export interface ModelPrice {
  input_per_million: number;
  output_per_million: number;
}

/**
 * List prices (USD per million tokens) of common models as published by the vendors in
 * 2025. Keys are `provider/model`; a dated model id (`claude-3-5-haiku-20241022`) matches
 * the longest key it starts with. Users add or correct entries in `[agents.prices]`.
 */
export const BUILTIN_PRICES: Readonly<Record<string, ModelPrice>> = {
  'openai/gpt-4o': { input_per_million: 2.5, output_per_million: 10 },
  'openai/gpt-4o-mini': { input_per_million: 0.15, output_per_million: 0.6 },
  'openai/gpt-4.1': { input_per_million: 2, output_per_million: 8 },
  'openai/gpt-4.1-mini': { input_per_million: 0.4, output_per_million: 1.6 },
  'openai/gpt-4.1-nano': { input_per_million: 0.1, output_per_million: 0.4 },
  'openai/gpt-4-turbo': { input_per_million: 10, output_per_million: 30 },
  'openai/gpt-4': { input_per_million: 30, output_per_million: 60 },
  'openai/gpt-3.5-turbo': { input_per_million: 0.5, output_per_million: 1.5 },
  'openai/o1': { input_per_million: 15, output_per_million: 60 },
  'openai/o3': { input_per_million: 2, output_per_million: 8 },
  'openai/o3-mini': { input_per_million: 1.1, output_per_million: 4.4 },
  'openai/o4-mini': { input_per_million: 1.1, output_per_million: 4.4 },
  'openai/gpt-5': { input_per_million: 1.25, output_per_million: 10 },
  'openai/gpt-5-mini': { input_per_million: 0.25, output_per_million: 2 },
  'openai/gpt-5-nano': { input_per_million: 0.05, output_per_million: 0.4 },
  'anthropic/claude-3-haiku': { input_per_million: 0.25, output_per_million: 1.25 },
  'anthropic/claude-3-5-haiku': { input_per_million: 0.8, output_per_million: 4 },
  'anthropic/claude-haiku-4-5': { input_per_million: 1, output_per_million: 5 },
  'anthropic/claude-3-sonnet': { input_per_million: 3, output_per_million: 15 },
  'anthropic/claude-3-5-sonnet': { input_per_million: 3, output_per_million: 15 },
  'anthropic/claude-3-7-sonnet': { input_per_million: 3, output_per_million: 15 },
  'anthropic/claude-sonnet-4': { input_per_million: 3, output_per_million: 15 },
  'anthropic/claude-3-opus': { input_per_million: 15, output_per_million: 75 },
  'anthropic/claude-opus-4': { input_per_million: 15, output_per_million: 75 },
  'groq/llama-3.1-8b-instant': { input_per_million: 0.05, output_per_million: 0.08 },
  'groq/llama-3.3-70b-versatile': { input_per_million: 0.59, output_per_million: 0.79 },
};

/** Providers running on the user's machine cost nothing. */
const FREE_PROVIDERS = new Set(['ollama', 'lmstudio', 'vllm', 'local']);

const PriceInput = (key: string, value: unknown): ModelPrice => {
  const v = value as Record<string, unknown> | null;
  const ok = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0;
  if (typeof v !== 'object' || v === null || !ok(v.input_per_million) || !ok(v.output_per_million)) {
    throw new LlmspellError('CONFIG_INVALID', `agents.prices."${key}" needs non-negative numbers input_per_million and output_per_million`, {
      details: { parameter: `agents.prices.${key}` },
    });
  }
  return { input_per_million: v.input_per_million as number, output_per_million: v.output_per_million as number };
};

export class PriceTable {
  private readonly prices = new Map<string, ModelPrice>();

  constructor(extra: Record<string, unknown> = {}) {
    for (const [k, v] of Object.entries(BUILTIN_PRICES)) this.prices.set(k, v);
    for (const [k, v] of Object.entries(extra)) this.set(k, PriceInput(k, v));
  }

  set(key: string, price: ModelPrice): void {
    this.prices.set(key.includes('/') ? key : `openai/${key}`, price);
  }

  /** The price of `provider/model`, or undefined when unknown. */
  lookup(provider: string, model: string, providerType = provider): ModelPrice | undefined {
    if (FREE_PROVIDERS.has(providerType)) return { input_per_million: 0, output_per_million: 0 };
    for (const p of new Set([provider, providerType])) {
      const key = `${p}/${model}`;
      const exact = this.prices.get(key);
      if (exact) return exact;
      let best: [string, ModelPrice] | undefined;
      for (const entry of this.prices) {
        if (key.startsWith(entry[0] + '-') && (!best || entry[0].length > best[0].length)) best = entry;
      }
      if (best) return best[1];
    }
    return undefined;
  }

  /** USD for a call, or undefined when the model's price is unknown. */
  cost(provider: string, model: string, inputTokens: number, outputTokens: number, providerType = provider): number | undefined {
    const price = this.lookup(provider, model, providerType);
    if (!price) return undefined;
    return (inputTokens * price.input_per_million + outputTokens * price.output_per_million) / 1_000_000;
  }
}

/**
 * Throws unless `usd` may become the budget: a non-negative number, or none; at most
 * `ceiling` (and not none) when the configuration sets one.
 */
export function checkBudget(usd: number | undefined, ceiling: number | undefined): void {
  if (usd !== undefined && !(Number.isFinite(usd) && usd >= 0)) {
    throw new LlmspellError('INVALID_ARGUMENT', `budget must be a non-negative number of USD, got ${usd}`, { details: { parameter: 'budget_usd' } });
  }
  if (ceiling !== undefined && (usd === undefined || usd > ceiling)) {
    throw new LlmspellError(
      'OPERATION_NOT_ALLOWED',
      `budget ${usd === undefined ? 'removal' : `of $${usd}`} refused: [agents] budget_usd = ${ceiling} in the configuration is the most a script may set`,
      { details: { parameter: 'budget_usd', budget_usd: usd ?? null, ceiling_usd: ceiling, setting: 'agents.budget_usd' } },
    );
  }
}

/**
 * A spending cap for one runtime: once the recorded cost reaches the budget, further agent
 * calls fail with BUDGET_EXCEEDED. Calls to models of unknown price are not counted.
 */
export class BudgetTracker {
  private spent = 0;
  private calls = 0;
  private inputTokens = 0;
  private outputTokens = 0;

  /**
   * `limit` is the operator's cap (`[agents] budget_usd`), and by default also the ceiling
   * `setLimit` may not lift: a script may spend less than the operator allows, never more.
   */
  constructor(private limit: number | undefined = undefined, private readonly ceiling: number | undefined = limit) {}

  setLimit(usd: number | undefined): void {
    checkBudget(usd, this.ceiling);
    this.limit = usd;
  }

  get budget(): number | undefined {
    return this.limit;
  }

  get exceeded(): boolean {
    return this.limit !== undefined && this.spent >= this.limit;
  }

  /** Throws BUDGET_EXCEEDED when no more calls may be made. */
  check(who: string): void {
    if (this.exceeded) {
      throw new LlmspellError('BUDGET_EXCEEDED', `${who}: budget of $${this.limit} spent ($${this.spent.toFixed(6)} used)`, {
        details: { budget_usd: this.limit, spent_usd: this.spent },
      });
    }
  }

  record(cost: number | undefined, inputTokens: number, outputTokens: number): void {
    this.calls += 1;
    this.inputTokens += inputTokens;
    this.outputTokens += outputTokens;
    if (cost !== undefined) this.spent += cost;
  }

  summary(): { spent_usd: number; budget_usd: number | null; remaining_usd: number | null; calls: number; input_tokens: number; output_tokens: number } {
    return {
      spent_usd: this.spent,
      budget_usd: this.limit ?? null,
      remaining_usd: this.limit === undefined ? null : Math.max(0, this.limit - this.spent),
      calls: this.calls,
      input_tokens: this.inputTokens,
      output_tokens: this.outputTokens,
    };
  }
}
