import fs from 'node:fs';
import { aliasOf, type ExecutionContext, LlmspellError, defineTool, looksLikeSecretEnvVar, looksLikeSecretName, looksLikeSecretValue, z } from '@llmspell/core';
import { cancelledError, emptyTableAsList, numberSetting } from './helpers.js';
import { checkCommandFlags, checkPathArguments, resolveForTool } from './process/argument-rules.js';
import { findExecutable, spawnInGroup } from './process/spawn-group.js';

const TOOL = 'process_executor';

export const DEFAULT_MAX_EXECUTION_SECONDS = 30;
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

/** The only variables of the host environment a child sees. */
export const SAFE_ENV_VARS = ['PATH', 'HOME', 'LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'LC_MESSAGES', 'TZ', 'TERM', 'USER', 'LOGNAME', 'TMPDIR', 'TEMP', 'TMP', 'SystemRoot', 'PATHEXT', 'COMSPEC'];

/** Variables a caller may not hand to a child: they decide which code runs. */
const DANGEROUS_ENV = /^(PATH|LD_[A-Z_]+|DYLD_[A-Z_]+|NODE_OPTIONS|NODE_PATH|BASH_ENV|ENV|IFS|PYTHONPATH|PYTHONSTARTUP|PERL5LIB|PERL5OPT|RUBYLIB|RUBYOPT|GIT_SSH|GIT_SSH_COMMAND|GIT_EXEC_PATH|SHELLOPTS|PS4|GCONV_PATH|LOCPATH|NLSPATH)$/i;
/**
 * Variables a caller may not hand to a child because they name files or options the argument
 * checks never see: sort's temporary files (TMPDIR), tar's default archive and extra options.
 * The host's own TMPDIR still reaches the child (SAFE_ENV_VARS).
 */
const FILE_NAMING_ENV = /^(TMPDIR|TMP|TEMP|TAPE|TAR_OPTIONS|GREP_OPTIONS)$/i;

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const parameters = z.object({
  executable: z.string().min(1).optional().describe('Program to run (must be on the allow-list); no shell is involved'),
  command: aliasOf('executable', z.string().min(1)),
  arguments: z.preprocess(emptyTableAsList, z.array(scalar)).optional().describe('Arguments, passed as-is (no shell expansion)'),
  args: aliasOf('arguments', z.preprocess(emptyTableAsList, z.array(scalar))),
  working_directory: z.string().optional().describe('Directory to run in (inside the allowed paths)'),
  cwd: aliasOf('working_directory'),
  environment: z.record(z.string(), scalar).optional().describe('Extra environment variables (secret-looking and loader variables are dropped)'),
  env: aliasOf('environment', z.record(z.string(), scalar)),
  input: z.string().optional().describe('Text written to the program\'s standard input'),
  timeout_ms: z.number().positive().optional().describe('Lower the configured time limit for this call (ms)'),
  timeout: z.number().positive().optional().describe('Alias of timeout_ms (DOC spelling, ms)'),
});

type Params = z.infer<typeof parameters>;

/** Collects a stream up to `limit` bytes, then keeps draining so the child never blocks. */
class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  size = 0;
  truncated = false;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    const room = this.limit - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (part.length < chunk.length) this.truncated = true;
    this.chunks.push(part);
    this.size += part.length;
  }
  text(): string {
    return Buffer.concat(this.chunks, this.size).toString('utf8');
  }
}

function defaultWorkingDirectory(ctx: ExecutionContext): string {
  try {
    return resolveForTool(ctx, ctx.policy.cwd, 'working_directory');
  } catch {
    const first = ctx.policy.allowedRoots[0];
    if (!first) throw new LlmspellError('PATH_NOT_ALLOWED', `${TOOL}: no allowed path to run in; set working_directory`);
    return first;
  }
}

function buildEnvironment(ctx: ExecutionContext, extra: Record<string, unknown>) {
  const env: Record<string, string> = {};
  const dropped: string[] = [];
  for (const name of SAFE_ENV_VARS) {
    const v = process.env[name];
    if (v !== undefined && !looksLikeSecretValue(v)) env[name] = v;
  }
  const allowedExtra = Array.isArray(ctx.settings.allowed_env) ? (ctx.settings.allowed_env as unknown[]).map(String) : [];
  for (const name of allowedExtra) {
    const v = process.env[name];
    if (v !== undefined && !DANGEROUS_ENV.test(name) && !looksLikeSecretEnvVar(name, v)) env[name] = v;
  }
  for (const [name, raw] of Object.entries(extra)) {
    const value = String(raw);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || DANGEROUS_ENV.test(name) || FILE_NAMING_ENV.test(name) || looksLikeSecretName(name) || looksLikeSecretEnvVar(name, value) || ctx.policy.redact(value) !== value) {
      dropped.push(name);
      continue;
    }
    env[name] = value;
  }
  return { env, dropped };
}

async function run(p: Params, ctx: ExecutionContext) {
  const executable = p.executable ?? p.command;
  if (!executable) {
    throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter 'executable' is required`, { details: { parameter: 'executable' } });
  }
  ctx.policy.checkExecutable(executable);
  if (/[\0\n]/.test(executable)) throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter 'executable' contains control characters`);
  const args = (p.arguments ?? p.args ?? []).map(String);
  args.forEach((a, i) => {
    if (a.includes('\0')) throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter 'arguments[${i}]' contains a NUL byte`);
  });

  const wdInput = p.working_directory ?? p.cwd;
  const cwd = wdInput ? resolveForTool(ctx, wdInput, p.working_directory ? 'working_directory' : 'cwd') : defaultWorkingDirectory(ctx);
  let st: fs.Stats;
  try {
    st = fs.statSync(cwd);
  } catch {
    throw new LlmspellError('NOT_FOUND', `${TOOL}: parameter 'working_directory': ${wdInput ?? cwd} does not exist`);
  }
  if (!st.isDirectory()) throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter 'working_directory': ${wdInput ?? cwd} is not a directory`);
  checkCommandFlags(executable, args);
  if (ctx.settings.check_path_arguments !== false) checkPathArguments(ctx, args, cwd, executable);

  const { env, dropped } = buildEnvironment(ctx, p.environment ?? p.env ?? {});
  const file = findExecutable(executable, env.PATH);
  const maxMs = numberSetting(ctx, 'max_execution_time_seconds', DEFAULT_MAX_EXECUTION_SECONDS) * 1000;
  const requested = p.timeout_ms ?? p.timeout;
  const timeoutMs = requested !== undefined ? Math.min(requested, maxMs) : maxMs;
  const maxOutput = numberSetting(ctx, 'max_output_bytes', DEFAULT_MAX_OUTPUT_BYTES);
  if (ctx.signal.aborted) throw cancelledError(ctx, TOOL);

  const started = performance.now();
  const stdout = new CappedBuffer(maxOutput);
  const stderr = new CappedBuffer(maxOutput);
  let timedOut = false;
  let cancelled = false;

  const outcome = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    const { child, killGroup } = spawnInGroup(file, args, { cwd, env, stdin: p.input === undefined ? 'ignore' : 'pipe' });
    const kill = () => {
      killGroup();
      // A process that left the group may hold the pipes open; stop reading so 'close' can fire.
      child.stdout?.destroy();
      child.stderr?.destroy();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    const onAbort = () => {
      cancelled = true;
      kill();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      killGroup();
    };
    if (child.pid !== undefined) ctx.events?.publish('process_executor.spawned', { pid: child.pid, executable });
    child.stdout?.on('data', (c: Buffer) => stdout.push(c));
    child.stderr?.on('data', (c: Buffer) => stderr.push(c));
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // the child may exit without reading
      child.stdin.end(p.input);
    }
    // The program is done: what it left running in its group goes now, so a background
    // grandchild neither outlives the run nor keeps the output pipes open.
    child.on('exit', () => killGroup());
    child.on('error', (error: NodeJS.ErrnoException) => {
      done();
      if (error.code === 'ENOENT') reject(new LlmspellError('NOT_FOUND', `${TOOL}: executable '${executable}' not found`, { cause: error }));
      else if (error.code === 'EACCES') reject(new LlmspellError('PROCESS_NOT_ALLOWED', `${TOOL}: executable '${executable}' is not executable`, { cause: error }));
      else reject(new LlmspellError('TOOL_EXECUTION_FAILED', `${TOOL}: cannot run '${executable}': ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      done();
      resolve({ code, signal });
    });
  });
  if (cancelled) throw cancelledError(ctx, TOOL);

  const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
  const success = outcome.code === 0 && !timedOut;
  const result = {
    executable,
    arguments: args,
    working_directory: cwd,
    exit_code: outcome.code,
    signal: outcome.signal,
    stdout: ctx.policy.redact(stdout.text()),
    stderr: ctx.policy.redact(stderr.text()),
    stdout_truncated: stdout.truncated,
    stderr_truncated: stderr.truncated,
    success,
    timed_out: timedOut,
    duration_ms: durationMs,
    dropped_environment: dropped,
  };
  return {
    operation: 'execute',
    success,
    message: timedOut
      ? `${executable} was killed after ${timeoutMs} ms`
      : `${executable} exited with code ${outcome.code}`,
    result,
    ...(success ? {} : { error: { message: timedOut ? `timed out after ${timeoutMs} ms` : `exit code ${outcome.code ?? outcome.signal}`, code: timedOut ? 'TIMEOUT' : 'NON_ZERO_EXIT' } }),
    metadata: { exit_code: outcome.code, duration_ms: durationMs, timed_out: timedOut },
  };
}

export const processExecutorTool = defineTool({
  name: TOOL,
  aliases: ['process-executor'],
  description: 'Run an allow-listed executable without a shell, with a time limit and capped output',
  outputSchema: z.object({
    executable: z.string().describe('The resolved program'), arguments: z.array(z.string()), working_directory: z.string(),
    exit_code: z.number().nullable(), signal: z.string().nullable().describe('When a signal ended it'),
    stdout: z.string(), stderr: z.string(), stdout_truncated: z.boolean(), stderr_truncated: z.boolean(),
    success: z.boolean().describe('Exit code 0 within the time limit'), timed_out: z.boolean(), duration_ms: z.number(),
    dropped_environment: z.array(z.string()).describe('environment entries not passed on (secret-looking or loader variables)'),
  }),
  ignoredParameters: ['operation', 'capture_output'],
  category: 'system',
  securityLevel: 'restricted',
  tags: ['process', 'command', 'execute', 'system'],
  parameters,
  examples: [
    { description: 'List files (needs allow_process_spawn = true)', params: { executable: 'ls', arguments: ['-la'] } },
    { description: 'Feed standard input to a program', params: { executable: 'wc', arguments: ['-l'], input: 'one\ntwo\n' } },
  ],
  execute: run,
});
