// Setup module for the isolation tests. Its engine runs a script as the body of an async
// JavaScript function in the host itself, with the runtime's globals as parameters: no
// sandbox and no time check of its own, so only the supervisor's watchdog can stop it.
import { LlmspellRuntime } from '@llmspell/runtime';
import { openSqliteStateStore } from '@llmspell/state-sqlite';
import { LlmspellError, defineTool, z } from '@llmspell/core';

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;

class HostJsContext {
  constructor(options) {
    this.options = options;
    this.scope = {}; // shared by the runs of one context, like a REPL's globals
  }
  async run(source, options) {
    const names = Object.keys(this.options.globals);
    const fn = new AsyncFunction(...names, 'print', 'scope', 'ARGV', source);
    const print = (...parts) => this.options.output.stdout(parts.map(String).join(' '));
    return fn(...names.map((n) => this.options.globals[n]), print, this.scope, options);
  }
  async checkSyntax(source, filename) {
    try {
      new AsyncFunction(source);
      return null;
    } catch (error) {
      return { file: filename, line: null, message: error.message };
    }
  }
  dispose() {}
}

const hostJsEngine = {
  name: 'hostjs',
  aliases: ['hostjs'],
  fileExtensions: ['.hjs'],
  async createContext(options) {
    return new HostJsContext(options);
  },
};

/** A tool that spins in JavaScript forever: a plugin the engine cannot interrupt. */
const spinTool = defineTool({
  name: 'spin',
  description: 'loops forever',
  category: 'utility',
  securityLevel: 'safe',
  parameters: z.object({}),
  async execute() {
    for (;;) {
      // nothing
    }
  },
});

export async function setup({ data, engine, write, emit }) {
  if (data?.fail) throw new LlmspellError(data.fail, 'the setup was told to fail');
  // an empty engine leaves the choice to the setup, as a configured default would
  if ((engine || data?.defaultEngine) !== 'hostjs') throw new LlmspellError('ENGINE_NOT_AVAILABLE', `no engine ${engine}`);
  const stateStore = data?.statePath ? openSqliteStateStore({ path: data.statePath }) : undefined;
  const runtime = await LlmspellRuntime.create({
    config: data?.config ?? {},
    tools: [spinTool],
    stateStore,
    cwd: process.cwd(),
  });
  write.stderr('setup done\n');
  emit('setup.ready', { component: 'fixture' });
  return {
    runtime,
    engine: hostJsEngine,
    // what a pooled run tells its host (the scripts run in this realm and read it from here)
    beforeRun(prepared) {
      globalThis.llmspellPrepared = prepared;
    },
  };
}
