import type { StateAccess } from '@llmspell/core';

/** What a unit starts from, kept in the shared state beside the run's checkpoints. */
export interface UnitRecord {
  input: unknown;
  /** The run's shared data when the unit was dispatched. */
  shared: Record<string, unknown>;
  /** A loop iteration's item and index. */
  item?: unknown;
  index?: number;
}

/**
 * Durable-run checkpoints in the state layer. One small record per completed step
 * (`run:<id>:step:<path>` → `{o: output, s?: shared snapshot when it changed, d: ms}`) plus a
 * run record (`run:<id>`). When a run completes its step records are dropped and only the
 * run record with the result stays, so storage stays bounded; old run records are pruned
 * by count and age. A distributed run also keeps what each dispatched unit starts from
 * (`unit:<id>:<unit>`), dropped with its steps.
 */
export interface StepCheckpoint {
  o: unknown;
  s?: Record<string, unknown>;
  d?: number;
  /** The step's name, which a resume checks against the workflow's step at the same place. */
  n?: string;
}

export interface RunRecord {
  run_id: string;
  workflow: string;
  type: string;
  status: 'running' | 'completed' | 'failed';
  started_at: string;
  updated_at: string;
  steps_completed: number;
  input?: unknown;
  result?: unknown;
  error?: string;
  /** Set by the CLI so `llmspell resume <run_id>` can run the script again. */
  script?: { file: string; engine: string; args: { positional: string[]; named: Record<string, string> } };
}

export interface RetentionSettings {
  maxRuns: number;
  maxAgeMs: number;
}

export const DEFAULT_RETENTION: RetentionSettings = { maxRuns: 100, maxAgeMs: 7 * 24 * 3600 * 1000 };

export function runScope(workflow: string): string {
  return `workflow:${workflow}`;
}

const runKey = (id: string) => `run:${id}`;
const stepPrefix = (id: string) => `run:${id}:step:`;
const unitPrefix = (id: string) => `unit:${id}:`;

export class CheckpointStore {
  constructor(private readonly state: StateAccess, private readonly scope: string) {}

  async loadRun(runId: string): Promise<RunRecord | undefined> {
    return (await this.state.get(this.scope, runKey(runId))) as RunRecord | undefined ?? undefined;
  }

  async saveRun(record: RunRecord): Promise<void> {
    await this.state.set(this.scope, runKey(record.run_id), record);
  }

  async loadSteps(runId: string): Promise<Map<string, StepCheckpoint>> {
    const prefix = stepPrefix(runId);
    const keys = (await this.state.keys(this.scope)).filter((k) => k.startsWith(prefix));
    const out = new Map<string, StepCheckpoint>();
    for (const key of keys) {
      const value = (await this.state.get(this.scope, key)) as StepCheckpoint | undefined;
      if (value) out.set(key.slice(prefix.length), value);
    }
    return out;
  }

  async saveStep(runId: string, path: string, checkpoint: StepCheckpoint): Promise<void> {
    await this.state.set(this.scope, stepPrefix(runId) + path, checkpoint);
  }

  async saveUnit(runId: string, unit: string, record: UnitRecord): Promise<void> {
    await this.state.set(this.scope, unitPrefix(runId) + unit, record);
  }

  async loadUnit(runId: string, unit: string): Promise<UnitRecord | undefined> {
    return ((await this.state.get(this.scope, unitPrefix(runId) + unit)) as UnitRecord | undefined) ?? undefined;
  }

  private async dropPrefix(prefix: string): Promise<void> {
    if (this.state.deletePrefix) {
      await this.state.deletePrefix(this.scope, prefix);
      return;
    }
    for (const key of (await this.state.keys(this.scope)).filter((k) => k.startsWith(prefix))) {
      await this.state.delete(this.scope, key);
    }
  }

  /** Drops a run's step checkpoints and unit records (its run record stays). */
  async dropSteps(runId: string): Promise<void> {
    await this.dropPrefix(stepPrefix(runId));
    await this.dropPrefix(unitPrefix(runId));
  }

  /** Deletes runs beyond the newest `maxRuns` and runs older than `maxAgeMs`. */
  async prune(settings: RetentionSettings, keep?: string): Promise<number> {
    const keys = (await this.state.keys(this.scope)).filter((k) => k.startsWith('run:') && !k.includes(':step:'));
    const runs: RunRecord[] = [];
    for (const k of keys) {
      const r = (await this.state.get(this.scope, k)) as RunRecord | undefined;
      if (r && r.run_id) runs.push(r);
    }
    runs.sort((a, b) => b.updated_at.localeCompare(a.updated_at));
    const now = Date.now();
    let removed = 0;
    for (const [i, r] of runs.entries()) {
      if (r.run_id === keep) continue;
      const old = now - Date.parse(r.updated_at) > settings.maxAgeMs;
      if (i >= settings.maxRuns || old) {
        await this.dropSteps(r.run_id);
        await this.state.delete(this.scope, runKey(r.run_id));
        removed++;
      }
    }
    return removed;
  }
}
