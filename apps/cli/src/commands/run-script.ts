import fs from 'node:fs';
import path from 'node:path';
import { LlmspellError, isLlmspellError, type ScriptValue } from '@llmspell/core';
import { composeRuntime, loadCliConfig } from '../compose-runtime.js';
import { chooseEngine, loadEngine, preloadEngine } from '../engines.js';
import { formatResult } from '../format-output.js';
import { startProgress } from '../progress.js';
import type { CliIo } from '../io.js';
import { splitScriptArgs, UsageError, type ParsedArgs } from '../parse-args.js';

interface ScriptOrigin {
  /** Absolute path of a script file (recorded with durable workflow runs). */
  file?: string;
  /** Set by `llmspell resume`: workflows continue this run. */
  resumeRunId?: string;
}

async function execute(args: ParsedArgs, io: CliIo, source: string, filename: string, engineName: 'lua' | 'javascript', origin: ScriptOrigin = {}): Promise<number> {
  preloadEngine(engineName);
  const { runtime } = await composeRuntime(args.flags, io);
  const scriptArgs = splitScriptArgs(args.scriptArgs);
  if (origin.file) runtime.services.set('scriptInfo', { file: origin.file, engine: engineName, args: scriptArgs });
  if (origin.resumeRunId) runtime.services.set('resumeRunId', origin.resumeRunId);
  const controller = new AbortController();
  const onSigint = () => controller.abort(new LlmspellError('CANCELLED', 'interrupted (Ctrl-C)'));
  process.once('SIGINT', onSigint);
  const progress = startProgress(runtime, io, args.flags);
  try {
    const engine = await loadEngine(engineName);
    const started = performance.now();
    const result: ScriptValue = await runtime.runScript(engine, source, {
      filename,
      args: scriptArgs,
      signal: controller.signal,
      output: {
        stdout: (t) => {
          progress.clear();
          io.stdout(runtime.policy.redact(t) + '\n');
        },
        stderr: (t) => {
          progress.clear();
          io.stderr(runtime.policy.redact(t) + '\n');
        },
      },
    });
    progress.stop();
    const text = formatResult(result, args.flags.output, { engine: engine.name, elapsedMs: performance.now() - started });
    if (text !== null) io.stdout(runtime.policy.redact(text) + '\n');
    return 0;
  } catch (error) {
    // Error text can quote what a tool or provider saw; secrets must not reach stderr.
    if (isLlmspellError(error)) {
      throw new LlmspellError(error.code, runtime.policy.redact(error.detail), { details: runtime.policy.redactValue(error.details), cause: error });
    }
    throw new Error(runtime.policy.redact(error instanceof Error ? error.message : String(error)));
  } finally {
    progress.stop();
    process.removeListener('SIGINT', onSigint);
    await runtime.close();
  }
}

export async function runCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const file = args.positionals[1];
  if (!file) throw new UsageError('llmspell run needs a script path: llmspell run <script> [-- args…]');
  if (args.positionals.length > 2) {
    throw new UsageError(`unexpected argument '${args.positionals[2]}' (script arguments go after --)`);
  }
  const full = path.resolve(io.cwd, file);
  let source: string;
  try {
    source = fs.readFileSync(full, 'utf8');
  } catch {
    throw new LlmspellError('NOT_FOUND', `Script file not found: ${file}`, { details: { file } });
  }
  const engine = chooseEngine(args.flags.engine ?? io.env.LLMSPELL_ENGINE, file, 'lua');
  return execute(args, io, source, path.basename(file), engine, { file: full });
}

/** Runs a script file again for `llmspell resume`, with its recorded engine and arguments. */
export async function rerunScript(args: ParsedArgs, io: CliIo, file: string, engine: string, scriptArgs: string[], runId: string): Promise<number> {
  const source = fs.readFileSync(file, 'utf8');
  return execute({ ...args, scriptArgs }, io, source, path.basename(file), chooseEngine(engine, file, 'lua'), { file, resumeRunId: runId });
}

export async function execCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const code = args.positionals.slice(1).join(' ');
  if (!code) throw new UsageError('llmspell exec needs code: llmspell exec "print(1 + 1)"');
  const engine = chooseEngine(args.flags.engine ?? io.env.LLMSPELL_ENGINE, undefined, 'lua');
  return execute(args, io, code, engine === 'lua' ? '<exec>.lua' : '<exec>.js', engine);
}

export async function validateCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const file = args.positionals[1];
  if (!file) {
    // Without a script, validate the configuration (what rs-llmspell's `validate` did).
    const loaded = loadCliConfig(args.flags, io);
    if (args.flags.output === 'json') io.stdout(JSON.stringify({ valid: true, config_file: loaded.source, warnings: loaded.warnings }, null, 2) + '\n');
    else {
      io.stdout(`${loaded.source ?? 'built-in defaults'}: configuration is valid\n`);
      for (const w of loaded.warnings) io.stderr(`warning: ${w}\n`);
    }
    return 0;
  }
  const full = path.resolve(io.cwd, file);
  if (!fs.existsSync(full)) throw new LlmspellError('NOT_FOUND', `Script file not found: ${file}`);
  const engineName = chooseEngine(args.flags.engine, file, 'lua');
  const engine = await loadEngine(engineName);
  const context = await engine.createContext({ globals: {}, limits: { memoryBytes: 64 * 1024 * 1024, timeoutMs: 10_000 }, output: { stdout() {}, stderr() {} } });
  try {
    const problem = await context.checkSyntax(fs.readFileSync(full, 'utf8'), path.basename(file));
    if (args.flags.output === 'json') {
      io.stdout(JSON.stringify({ valid: problem === null, file, engine: engineName, error: problem }, null, 2) + '\n');
    } else if (problem) {
      io.stderr(`${problem.file}${problem.line ? `:${problem.line}` : ''}: ${problem.message}\n`);
    } else {
      io.stdout(`${file}: ok (${engineName})\n`);
    }
    return problem ? 1 : 0;
  } finally {
    context.dispose();
  }
}
