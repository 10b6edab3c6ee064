import { IsolatedSession, type IsolatedRunOptions, type IsolatedSessionOptions } from './isolated-session.js';
import type { ScriptArgsMessage } from './protocol.js';

export interface RunIsolatedScriptOptions extends IsolatedSessionOptions {
  source: string;
  /** Shown in errors: `hello.lua:3: message`; a function names it from the engine (see IsolatedRunOptions). */
  filename: IsolatedRunOptions['filename'];
  args?: ScriptArgsMessage;
  /** Cancels the run (CANCELLED); a host that does not stop within the grace is killed. */
  signal?: AbortSignal;
}

/**
 * Runs one script in a fresh isolated host (a child process by default) and resolves with
 * its result, after the host closed its runtime (state written, stores closed). Rejects with
 * the script's LlmspellError; SCRIPT_TIMEOUT / SCRIPT_MEMORY_LIMIT / CANCELLED also when the
 * host had to be killed, so the caller survives whatever the script did.
 */
export async function runIsolatedScript(options: RunIsolatedScriptOptions): Promise<unknown> {
  const session = new IsolatedSession(options);
  try {
    return await session.run(options.source, { filename: options.filename, args: options.args, signal: options.signal, fresh: true });
  } finally {
    await session.close();
  }
}
