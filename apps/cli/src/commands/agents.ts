import { LlmspellError } from '@llmspell/core';
import type { StateManager } from '@llmspell/state';
import { composeRuntime } from '../compose-runtime.js';
import type { CliIo } from '../io.js';
import { type ParsedArgs } from '../parse-args.js';
import { UsageError } from '../usage-error.js';

interface Message {
  role: string;
  content: unknown;
}

function messagesOf(saved: unknown): Message[] {
  if (Array.isArray(saved)) return saved as Message[];
  if (saved && typeof saved === 'object') {
    const o = saved as Record<string, unknown>;
    for (const k of ['messages', 'history', 'conversation']) if (Array.isArray(o[k])) return o[k] as Message[];
  }
  return [];
}

function text(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === 'object' && p && 'text' in p ? String((p as { text: unknown }).text) : JSON.stringify(p))).join('');
  return JSON.stringify(content);
}

/**
 * `llmspell agents`: agents are created by scripts, so what outlives a run is their saved
 * conversations (`agent:saveState()`). List them, show one, or delete one; plus the
 * providers a script can use.
 */
export async function agentsCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const [, sub = 'list', name] = args.positionals;
  const { runtime, loaded } = await composeRuntime(args.flags, io, { tools: false });
  try {
    const manager = runtime.service<StateManager>('stateManager');
    if (!manager) throw new LlmspellError('STATE_ERROR', 'state is not available (is [runtime.state_persistence] enabled?)');
    const json = args.flags.output !== 'text';
    if (sub === 'list') {
      const agents: Array<{ name: string; messages: number }> = [];
      for (const scope of await manager.scopes()) {
        if (!scope.startsWith('agent:')) continue;
        const saved = await manager.get(scope, 'conversation');
        agents.push({ name: scope.slice(6), messages: messagesOf(saved).length });
      }
      const providers = Object.entries(loaded.config.providers.providers).map(([n, p]) => ({ name: n, provider_type: p.provider_type, model: p.model ?? null }));
      if (json) {
        io.stdout(JSON.stringify({ saved_agents: agents, configured_providers: providers, default_provider: loaded.config.providers.default_provider ?? null }, null, 2) + '\n');
        return 0;
      }
      io.stdout(agents.length ? 'saved agent conversations:\n' + agents.map((a) => `  ${a.name} (${a.messages} message${a.messages === 1 ? '' : 's'})`).join('\n') + '\n' : 'no saved agent conversations (agent:saveState() in a script saves one)\n');
      io.stdout(providers.length ? 'configured providers:\n' + providers.map((p) => `  ${p.name}: ${p.provider_type}${p.model ? `/${p.model}` : ''}`).join('\n') + '\n' : 'no providers in llmspell.toml; use "openai/…", "anthropic/…", "ollama/…" or a base_url (llmspell providers)\n');
      return 0;
    }
    if (!name) throw new UsageError(`llmspell agents ${sub} <name>`);
    const scope = `agent:${name}`;
    if (sub === 'show') {
      const saved = await manager.get(scope, 'conversation');
      if (saved === undefined) throw new LlmspellError('AGENT_NOT_FOUND', `no saved conversation for agent '${name}'`);
      const messages = messagesOf(saved);
      if (json) io.stdout(JSON.stringify({ name, messages }, null, 2) + '\n');
      else for (const m of messages) io.stdout(`${m.role}: ${text(m.content)}\n`);
      return 0;
    }
    if (sub === 'delete') {
      const n = await manager.clear(scope);
      if (n === 0) throw new LlmspellError('AGENT_NOT_FOUND', `no saved state for agent '${name}'`);
      io.stdout(json ? JSON.stringify({ name, deleted_keys: n }) + '\n' : `deleted saved state of agent '${name}'\n`);
      return 0;
    }
    throw new UsageError(`unknown agents subcommand '${sub}' (list, show, delete)`);
  } finally {
    await runtime.close();
  }
}
