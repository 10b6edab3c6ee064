import { validateConfig } from '@llmspell/runtime';
import { ObservabilityConfigSchema } from './settings.js';

describe('[observability] keys in llmspell.toml', () => {
  test('given this schema, the config loader reports the keys it does not read, near misses with the key meant', () => {
    const raw = { observability: { capture_contnt: true, history_runs: 5, sampling: 0.5, otlp_headers: { 'x-api-kee': 'k' } } };
    const { warnings, typos } = validateConfig(raw, null, undefined, { observability: ObservabilityConfigSchema });
    expect(warnings).toEqual([
      "unknown key 'observability.capture_contnt' is ignored (did you mean 'capture_content'?)",
      "unknown key 'observability.sampling' is ignored",
    ]);
    expect(typos).toEqual([warnings[0]]);
  });
});
