import { SecretRedactor } from '@llmspell/core';
import { loadCliConfig } from '../compose-runtime.js';
import type { CliIo } from '../io.js';
import type { ParsedArgs } from '../parse-args.js';

export async function providersCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const loaded = loadCliConfig(args.flags, io);
  // a base_url may carry a password or a `?key=`: masked as `config show` masks it
  const secrets = new SecretRedactor();
  const providers = Object.entries(loaded.config.providers.providers).map(([name, p]) => ({
    name,
    provider_type: p.provider_type,
    model: p.model ?? null,
    base_url: p.base_url ? secrets.redact(p.base_url) : null,
    api_key: p.api_key ? 'set in config' : p.api_key_env ? (io.env[p.api_key_env] ? `from ${p.api_key_env}` : `missing: set ${p.api_key_env}`) : 'from the provider\'s usual variable',
  }));
  const builtin = [
    { name: 'openai', env: 'OPENAI_API_KEY' },
    { name: 'anthropic', env: 'ANTHROPIC_API_KEY' },
    { name: 'ollama', env: null },
    { name: 'groq', env: 'GROQ_API_KEY' },
    { name: 'together', env: 'TOGETHER_API_KEY' },
  ].map((b) => ({ ...b, key: b.env ? (io.env[b.env] ? 'set' : 'not set') : 'none needed' }));
  if (args.flags.output !== 'text') {
    io.stdout(JSON.stringify({ default_provider: loaded.config.providers.default_provider ?? null, configured: providers, builtin }, null, 2) + '\n');
    return 0;
  }
  io.stdout(`default provider: ${loaded.config.providers.default_provider ?? 'openai'}\n`);
  io.stdout(providers.length ? 'configured ([providers.providers.*]):\n' : 'no providers configured in llmspell.toml\n');
  for (const p of providers) io.stdout(`  ${p.name}: ${p.provider_type}${p.model ? ` model ${p.model}` : ''}${p.base_url ? ` at ${p.base_url}` : ''} (key ${p.api_key})\n`);
  io.stdout('built in (use as "provider/model"):\n');
  for (const b of builtin) io.stdout(`  ${b.name.padEnd(10)} ${b.env ? `${b.env} ${b.key}` : b.key}\n`);
  return 0;
}
