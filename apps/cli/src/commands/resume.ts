import fs from 'node:fs';
import path from 'node:path';
import { LlmspellError } from '@llmspell/core';
import type { StateManager } from '@llmspell/state';
import { composeRuntime } from '../compose-runtime.js';
import type { CliIo } from '../io.js';
import { type ParsedArgs } from '../parse-args.js';
import { UsageError } from '../usage-error.js';
import { manager } from './state-common.js';

interface RunRecordLike {
  run_id: string;
  workflow: string;
  status: string;
  steps_completed: number;
  updated_at: string;
  script?: { file: string; engine: string; args: { positional: string[]; named: Record<string, string> } };
}

async function findRun(m: StateManager, runId: string): Promise<RunRecordLike | undefined> {
  for (const scope of await m.scopes()) {
    if (!scope.startsWith('workflow:')) continue;
    const r = (await m.get(scope, `run:${runId}`)) as RunRecordLike | undefined;
    if (r && r.run_id === runId) {
      // The run record is written at start and end; the step checkpoints say how far it got.
      const steps = (await m.keys(scope)).filter((k) => k.startsWith(`run:${runId}:step:`)).length;
      return { ...r, steps_completed: Math.max(r.steps_completed ?? 0, steps) };
    }
  }
  return undefined;
}

/**
 * `llmspell resume <run_id>`: runs the script that started a durable run again; its
 * `wf:execute({run_id = …})` then skips every step the run completed.
 */
export async function resumeCommand(args: ParsedArgs, io: CliIo, rerun: (file: string, engine: string, scriptArgs: string[]) => Promise<number>): Promise<number> {
  const runId = args.positionals[1];
  if (!runId) throw new UsageError('llmspell resume <run_id>   (the run_id its script gave wf:execute; llmspell state scopes lists the workflow:<name> scopes, llmspell state list workflow:<name> their run:<run_id> keys)');
  const { runtime } = await composeRuntime(args.flags, io, { tools: false });
  let record: RunRecordLike | undefined;
  try {
    record = await findRun(manager(runtime), runId);
  } finally {
    await runtime.close();
  }
  if (!record) throw new LlmspellError('NOT_FOUND', `no durable run '${runId}' in the state store`);
  if (record.status === 'completed') {
    io.stderr(`run '${runId}' of workflow '${record.workflow}' already completed; running the script returns its stored result\n`);
  }
  if (!record.script) throw new LlmspellError('NOT_FOUND', `run '${runId}' did not record its script; run the script again yourself with the same run_id`);
  if (!fs.existsSync(record.script.file)) throw new LlmspellError('NOT_FOUND', `the script of run '${runId}' is gone: ${record.script.file}`);
  io.stderr(`resuming run '${runId}' of workflow '${record.workflow}' after ${record.steps_completed} completed step(s): ${path.relative(io.cwd, record.script.file) || record.script.file}\n`);
  const a = record.script.args;
  const scriptArgs = [...a.positional, ...Object.entries(a.named).flatMap(([k, v]) => [`--${k}`, v])];
  return rerun(record.script.file, record.script.engine, scriptArgs);
}
