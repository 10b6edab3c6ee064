import { z } from '@llmspell/core';

/** The `[agents]` section of llmspell.toml. */
export const AgentsConfigSchema = z.looseObject({
  /** Spending cap in USD for one runtime (one script run); unset = no cap. */
  budget_usd: z.number().nonnegative().optional(),
  /** Extra or corrected prices: `[agents.prices."provider/model"] input_per_million, output_per_million`. */
  prices: z
    .record(z.string(), z.looseObject({ input_per_million: z.number().nonnegative(), output_per_million: z.number().nonnegative() }))
    .default({}),
});
