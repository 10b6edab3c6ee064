import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { LlmspellError, isLlmspellError, type ScriptValue } from '@llmspell/core';
import { IsolatedSession } from '@llmspell/runtime/isolation';
import { normalizeEngineName } from '../engines.js';
import { formatResult } from '../format-output.js';
import type { CliIo } from '../io.js';
import type { ParsedArgs } from '../parse-args.js';
import { SCRIPT_HOST_MODULE, flagLimits, isolationKind, scriptHostEntry } from '../script-job.js';
import type { ScriptHostData } from '../script-host.js';
import { CONFIG_WARNING_EVENT, sayWarning } from '../config-warnings.js';
import { cliVersion } from '../version.js';

const HELP = `.help     this help
.exit     leave (also Ctrl-D)
.clear    drop a half-typed multi-line input
.globals  list the globals
Globals and functions you define stay between inputs. Ctrl-C cancels a running call.
Each input has the script time limit (--timeout); an input that overruns it, or ignores
Ctrl-C, ends the session's script host: a new one starts and earlier globals are gone.
Lua: an expression prints its value ("1 + 1", "Tool.list()"). JavaScript: the same; use await for host calls
(const r = await Tool.invoke(…) keeps r for later inputs, as in Node's REPL).`;

/** Whether a syntax error only means "more input to come". */
function isIncomplete(engine: string, message: string): boolean {
  // Lua, as lua.c tells: the error is at the end of the input ("'end' expected near <eof>").
  // A stray `end` gives "<eof> expected near 'end'": complete, and wrong however it goes on.
  if (engine === 'lua') return /near '?<eof>'?$/.test(message);
  return /end of (input|file)|unexpected end|unterminated|unexpected token in expression: ''$|expecting '[)}\]]'$/i.test(message);
}

/** Lua's and QuickJS's words for an input that ends inside a string. */
const UNFINISHED_STRING = /^(unfinished string near|unexpected end of string)/;

/**
 * An input ending inside a string wants more only if the string can go on to the next line (a
 * JS template literal, a line ending in a backslash); one cut by a newline is wrong however the
 * input goes on. Both engines say the same for the two, so: closed on a next line, is it fine?
 */
async function stringContinues(session: IsolatedSession, source: string, problem: { line: number | null }): Promise<boolean> {
  for (const quote of ['`', '"', "'"]) {
    const closed = await session.checkSyntax(`${source}\n${quote}`, 'repl');
    if (!closed || closed.line !== problem.line || !UNFINISHED_STRING.test(closed.message)) return true;
  }
  return false;
}

/** The history file's entries, newest first, as readline takes them. */
export function readHistory(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).reverse().slice(0, 1000);
  } catch {
    return []; // first run: no history yet
  }
}

/**
 * Appends an input to the history file, owner-only: typed lines can hold keys. Each line of a
 * multi-line input is an entry of its own, as readline keeps them while the session lasts
 * (joined into one line, a `--` comment would swallow the lines after it).
 */
export function appendHistory(file: string, source: string): void {
  const lines = source.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) return;
  try {
    fs.appendFileSync(file, lines.join('\n') + '\n', { mode: 0o600 });
  } catch {
    // history is a convenience; an unwritable home must not break the REPL
  }
}

/**
 * The REPL keeps one script context in an isolated host (a child process), like `run`: each
 * input runs under the time limit with a watchdog, Ctrl-C cancels it, and a host that had to
 * be killed is replaced by a fresh one for the next input.
 */
export async function replCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const asked = args.flags.engine ?? io.env.LLMSPELL_ENGINE;
  const data: ScriptHostData = { flags: args.flags, cwd: io.cwd, isTTY: io.isTTY, progress: false };
  const session = new IsolatedSession({
    setupModule: SCRIPT_HOST_MODULE,
    hostEntry: scriptHostEntry(io.env),
    setupData: data,
    // empty: the config's default_engine decides, in the host
    engine: asked ? normalizeEngineName(asked) : '',
    limits: flagLimits(args.flags),
    isolation: isolationKind(io.env),
    env: io.env,
    cwd: io.cwd,
    output: { stdout: (t) => io.stdout(t + '\n'), stderr: (t) => io.stderr(t + '\n') },
    write: { stdout: (t) => io.stdout(t), stderr: (t) => io.stderr(t) },
    onEvent: (type, value) => type === CONFIG_WARNING_EVENT && sayWarning(io, String(value)),
  });
  try {
    await session.start();
  } catch (error) {
    await session.close();
    throw error;
  }
  const engine = { name: session.engine ?? 'lua' };
  let current = new AbortController();
  const interactive = io.isTTY && Boolean(io.stdin && (io.stdin as NodeJS.ReadStream).isTTY);
  const historyFile = typeof args.options.history === 'string' ? path.resolve(io.cwd, args.options.history) : path.join(io.env.HOME ?? os.homedir(), '.llmspell_history');
  let history: string[] = [];
  if (interactive) {
    history = readHistory(historyFile);
    // the default file is llmspell's own: one an earlier version left readable by all is narrowed
    if (typeof args.options.history !== 'string') {
      try {
        if ((fs.statSync(historyFile).mode & 0o077) !== 0) fs.chmodSync(historyFile, 0o600);
      } catch {
        // none yet, or not ours to change
      }
    }
  }
  const rl = readline.createInterface({
    input: io.stdin ?? process.stdin,
    output: interactive ? process.stdout : undefined,
    terminal: interactive,
    history,
    historySize: 1000,
    prompt: engine.name === 'lua' ? 'lua> ' : 'js> ',
  } as readline.ReadLineOptions);
  const prompt = (cont: boolean) => {
    if (!interactive) return;
    rl.setPrompt(cont ? '...> ' : engine.name === 'lua' ? 'lua> ' : 'js> ');
    rl.prompt();
  };
  if (interactive) io.stdout(`llmspell ${cliVersion()} REPL (${engine.name}). .help for help, .exit to leave.\n`);

  let buffer: string[] = [];
  let running = false;
  let failures = 0;
  let counter = 0;
  let lastSigint = 0;

  const evaluate = async (source: string): Promise<void> => {
    const file = `repl:${++counter}`;
    current = new AbortController();
    running = true;
    try {
      let value: ScriptValue;
      // Lua prints an expression's value when the input is one ("1 + 1"). JavaScript: an input
      // awaiting at its top level runs in an async wrapper that keeps its declarations.
      const asExpression = engine.name === 'lua' ? `return ${source}` : undefined;
      // the engine's package (with its parser) is loaded already when a JavaScript REPL runs
      const awaited = engine.name === 'lua' ? undefined : (await import('@llmspell/bridge-js')).rewriteTopLevelAwait(source);
      if (asExpression && (await session.checkSyntax(asExpression, file)) === null) {
        value = await session.run(asExpression, { filename: file, signal: current.signal }) as ScriptValue;
      } else {
        value = await session.run(awaited ?? source, { filename: file, signal: current.signal }) as ScriptValue;
      }
      const text = formatResult(value, args.flags.output, { engine: engine.name, elapsedMs: 0 });
      if (text !== null) io.stdout(text + '\n');
    } catch (error) {
      failures++;
      const e = isLlmspellError(error) ? error : new LlmspellError('SCRIPT_ERROR', String(error));
      io.stderr(`${e.code === 'SCRIPT_ERROR' && e.details.file ? e.detail : e.message}\n`);
      if (e.details.hostEnded) io.stderr('(the script host was restarted: globals defined before are gone)\n');
    } finally {
      running = false;
    }
  };

  const handleLine = async (line: string): Promise<boolean> => {
    const trimmed = line.trim();
    if (buffer.length === 0 && trimmed.startsWith('.')) {
      if (trimmed === '.exit' || trimmed === '.quit') return false;
      if (trimmed === '.help') io.stdout(HELP + '\n');
      else if (trimmed === '.clear') buffer = [];
      else if (trimmed === '.globals') io.stdout((await session.globals()).join('  ') + '\n');
      else io.stderr(`unknown command ${trimmed} (.help)\n`);
      return true;
    }
    if (buffer.length === 0 && trimmed === '') return true;
    if (trimmed === '.clear') {
      buffer = [];
      return true;
    }
    buffer.push(line);
    const source = buffer.join('\n');
    const problem = await session.checkSyntax(source, 'repl');
    const exprProblem = engine.name === 'lua' ? await session.checkSyntax(`return ${source}`, 'repl') : problem;
    if (problem && exprProblem && isIncomplete(engine.name, problem.message)
      && (!UNFINISHED_STRING.test(problem.message) || await stringContinues(session, source, problem))) return true;
    buffer = [];
    if (interactive) appendHistory(historyFile, source);
    await evaluate(source);
    return true;
  };

  rl.on('SIGINT', () => {
    if (running) {
      current.abort(new LlmspellError('CANCELLED', 'interrupted (Ctrl-C)'));
      return;
    }
    if (buffer.length > 0 || rl.line.length > 0) {
      buffer = [];
      io.stdout('\n');
      prompt(false);
      return;
    }
    const now = Date.now();
    if (now - lastSigint < 2000) rl.close();
    else {
      lastSigint = now;
      io.stdout('\n(press Ctrl-C again or type .exit to leave)\n');
      prompt(false);
    }
  });

  prompt(false);
  try {
    for await (const line of rl) {
      if (!(await handleLine(line))) break;
      prompt(buffer.length > 0);
    }
    if (buffer.length > 0) await evaluate(buffer.join('\n'));
  } finally {
    rl.close();
    await session.close();
  }
  if (interactive) io.stdout('\n');
  return failures > 0 && !interactive ? 1 : 0;
}
