import fs from 'node:fs';
import path from 'node:path';
import { LlmspellError } from '@llmspell/core';
import { loadCliConfig } from '../compose-runtime.js';
import { chooseEngine, loadEngine } from '../engines.js';
import { formatResult } from '../format-output.js';
import type { CliIo } from '../io.js';
import { runScriptJob } from '../script-job.js';
import { splitScriptArgs, UsageError, type ParsedArgs } from '../parse-args.js';

interface ScriptOrigin {
  /** Absolute path of a script file (recorded with durable workflow runs). */
  file?: string;
  /** Set by `llmspell resume`: workflows continue this run. */
  resumeRunId?: string;
}

async function execute(args: ParsedArgs, io: CliIo, source: string, filename: string, engineName: 'lua' | 'javascript', origin: ScriptOrigin = {}): Promise<number> {
  const controller = new AbortController();
  const onSigint = () => controller.abort(new LlmspellError('CANCELLED', 'interrupted (Ctrl-C)'));
  process.once('SIGINT', onSigint);
  try {
    const started = performance.now();
    const result = await runScriptJob(
      { source, filename, engine: engineName, args: splitScriptArgs(args.scriptArgs), ...origin },
      args.flags,
      io,
      { output: { stdout: (t) => io.stdout(t + '\n'), stderr: (t) => io.stderr(t + '\n') }, signal: controller.signal, progress: true },
    );
    const text = formatResult(result, args.flags.output, { engine: engineName, elapsedMs: performance.now() - started });
    if (text !== null) io.stdout(text + '\n');
    return 0;
  } finally {
    process.removeListener('SIGINT', onSigint);
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
