import fs from 'node:fs';
import path from 'node:path';
import { LlmspellError } from '@llmspell/core/errors';
import { engineFor, inlineScriptName, type EngineName } from '../engines.js';
import { formatResult, jsonEnvelope } from '../format-output.js';
import { errorJson } from '../report-error.js';
import type { CliIo } from '../io.js';
import { runScriptJob, type ScriptJob } from '../script-job.js';
import { readScriptFile } from '../script-file.js';
import { splitScriptArgs, type ParsedArgs } from '../parse-args.js';
import { UsageError } from '../usage-error.js';

interface ScriptOrigin {
  /** Absolute path of a script file (recorded with durable workflow runs). */
  file?: string;
  /** Set by `llmspell resume`: workflows continue this run. */
  resumeRunId?: string;
}

/**
 * Runs a script on `engine`, or, when unset, on the config's `default_engine` (decided in the
 * script host, which reads the config: this process does not).
 */
async function execute(args: ParsedArgs, io: CliIo, source: string, filename: ScriptJob['filename'], engine: EngineName | undefined, origin: ScriptOrigin = {}): Promise<number> {
  const controller = new AbortController();
  const onSigint = () => controller.abort(new LlmspellError('CANCELLED', 'interrupted (Ctrl-C)'));
  // the script host goes with this process: asked to stop, it is stopped (killed past the grace)
  const onTerminate = () => controller.abort(new LlmspellError('CANCELLED', 'terminated'));
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onTerminate);
  process.once('SIGHUP', onTerminate);
  // --output json: stdout is one JSON document, so print lines go inside it (or, with
  // --stream, to stderr as they happen); --output pretty: a Console Output block unless streamed.
  const collect = args.flags.output !== 'text' && !args.flags.stream;
  const printed: string[] = [];
  const live = args.flags.output === 'json' ? io.stderr : io.stdout;
  const started = performance.now();
  let used = engine;
  try {
    const result = await runScriptJob(
      { source, filename, engine, args: splitScriptArgs(args.scriptArgs), ...origin },
      args.flags,
      args.flags.output === 'json' ? { ...io, stdout: io.stderr } : io,
      {
        output: { stdout: (t) => (collect ? printed.push(t) : live(t + '\n')), stderr: (t) => io.stderr(t + '\n') },
        signal: controller.signal,
        progress: true,
        onEngine: (name) => (used = name),
      },
    );
    const info = { engine: used ?? 'lua', elapsedMs: performance.now() - started };
    const text = args.flags.output === 'json' ? jsonEnvelope({ ok: true, result }, printed, args.flags.stream === true) : formatResult(result, args.flags.output, info, collect ? printed : undefined);
    if (text !== null) io.stdout(text + '\n');
    return 0;
  } catch (error) {
    if (args.flags.output !== 'json') {
      if (collect && printed.length) io.stdout(printed.map((l) => l + '\n').join(''));
      throw error;
    }
    io.stdout(jsonEnvelope({ ok: false, error: errorJson(error) }, printed, args.flags.stream === true) + '\n');
    return error instanceof UsageError ? 2 : 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onTerminate);
    process.removeListener('SIGHUP', onTerminate);
  }
}

export async function runCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const file = args.positionals[1];
  if (!file) throw new UsageError('llmspell run needs a script path: llmspell run <script> [-- args…]');
  if (args.positionals.length > 2) {
    throw new UsageError(`unexpected argument '${args.positionals[2]}' (script arguments go after --)`);
  }
  // `run -`: the script from standard input, as `exec` runs its code (no file to record or resume)
  if (file === '-') {
    const source = await readAll(io.stdin ?? process.stdin);
    const engine = engineFor(args.flags.engine ?? io.env.LLMSPELL_ENGINE, undefined);
    const name = (chosen: string) => inlineScriptName(chosen, 'stdin');
    return execute(args, io, source, engine ? name(engine) : name, engine);
  }
  const { full, source } = readScriptFile(io.cwd, file);
  return execute(args, io, source, path.basename(file), engineFor(args.flags.engine ?? io.env.LLMSPELL_ENGINE, file), { file: full });
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs a script file again for `llmspell resume`, with its recorded engine and arguments. */
export async function rerunScript(args: ParsedArgs, io: CliIo, file: string, engine: string, scriptArgs: string[], runId: string): Promise<number> {
  const source = fs.readFileSync(file, 'utf8');
  return execute({ ...args, scriptArgs }, io, source, path.basename(file), engineFor(engine, file), { file, resumeRunId: runId });
}

export async function execCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const code = args.positionals.slice(1).join(' ');
  if (!code) throw new UsageError('llmspell exec needs code: llmspell exec "print(1 + 1)"');
  const engine = engineFor(args.flags.engine ?? io.env.LLMSPELL_ENGINE, undefined);
  // without --engine the name waits for the engine the config's default_engine gives
  return execute(args, io, code, engine ? inlineScriptName(engine) : inlineScriptName, engine);
}
