import { LlmspellError } from '@llmspell/core';
import { composeRuntime } from '../compose-runtime.js';
import type { CliIo } from '../io.js';
import { type ParsedArgs } from '../parse-args.js';
import { UsageError } from '../usage-error.js';
import { manager, persistentManager, print } from './state-common.js';

const SUBCOMMANDS = ['scopes', 'list', 'get', 'set', 'delete', 'clear'];

/** Parses a value given on the command line: JSON when it parses, else the plain string. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `llmspell state list|get|set|delete|clear|scopes [scope] [key] [value]` */
export async function stateCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const [, sub = 'scopes', scopeArg, key, value] = args.positionals;
  // no script runs here, so there is no run to record (and a read-only store's warning need not mention one)
  const { runtime } = await composeRuntime(args.flags, io, { tools: false, telemetry: false });
  try {
    // every subcommand: on a store that starts empty each time, `get` and `list` would only mislead
    const m = SUBCOMMANDS.includes(sub) ? persistentManager(runtime, `state ${sub}`) : manager(runtime);
    const scope = scopeArg ?? 'global';
    switch (sub) {
      case 'scopes': {
        const scopes = await m.scopes();
        print(io, args, scopes, () => (scopes.length ? scopes.join('\n') + '\n' : '(no state yet)\n'));
        return 0;
      }
      case 'list': {
        const keys = await m.keys(scope);
        print(io, args, { scope, keys }, () => (keys.length ? keys.join('\n') + '\n' : `(no keys in ${scope})\n`));
        return 0;
      }
      case 'get': {
        if (!key) throw new UsageError('llmspell state get <scope> <key>');
        const v = await m.get(scope, key);
        if (v === undefined) throw new LlmspellError('NOT_FOUND', `no key '${key}' in scope '${scope}'`);
        print(io, args, v, () => (typeof v === 'string' ? v : JSON.stringify(v, null, 2)) + '\n');
        return 0;
      }
      case 'set': {
        if (!key || value === undefined) throw new UsageError('llmspell state set <scope> <key> <json-or-text>');
        await m.set(scope, key, parseValue(value));
        print(io, args, { scope, key, saved: true }, () => `saved ${scope} ${key}\n`);
        return 0;
      }
      case 'delete': {
        if (!key) throw new UsageError('llmspell state delete <scope> <key>');
        const existed = await m.delete(scope, key);
        print(io, args, { scope, key, deleted: existed }, () => (existed ? `deleted ${scope} ${key}\n` : `no key '${key}' in ${scope}\n`));
        return existed ? 0 : 1;
      }
      case 'clear': {
        if (!scopeArg) throw new UsageError('llmspell state clear <scope>');
        const n = await m.clear(scope);
        print(io, args, { scope, deleted: n }, () => `deleted ${n} key(s) from ${scope}\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown state subcommand '${sub}' (scopes, list, get, set, delete, clear)`);
    }
  } finally {
    await runtime.close();
  }
}
