import type { StateAccess } from '@llmspell/core';
/**
 * Durable-run checkpoints in the state layer. One small record per completed step
 * (`run:<id>:step:<path>` → `{o: output, s?: shared snapshot when it changed, d: ms}`) plus a
 * run record (`run:<id>`). When a run completes its step records are dropped and only the
 * run record with the result stays, so storage stays bounded; old run records are pruned
 * by count and age.
 */
export interface StepCheckpoint {
    o: unknown;
    s?: Record<string, unknown>;
    d?: number;
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
    script?: {
        file: string;
        engine: string;
        args: {
            positional: string[];
            named: Record<string, string>;
        };
    };
}
export interface RetentionSettings {
    maxRuns: number;
    maxAgeMs: number;
}
export declare const DEFAULT_RETENTION: RetentionSettings;
export declare function runScope(workflow: string): string;
export declare class CheckpointStore {
    private readonly state;
    private readonly scope;
    constructor(state: StateAccess, scope: string);
    loadRun(runId: string): Promise<RunRecord | undefined>;
    saveRun(record: RunRecord): Promise<void>;
    loadSteps(runId: string): Promise<Map<string, StepCheckpoint>>;
    saveStep(runId: string, path: string, checkpoint: StepCheckpoint): Promise<void>;
    dropSteps(runId: string): Promise<void>;
    /** Deletes runs beyond the newest `maxRuns` and runs older than `maxAgeMs`. */
    prune(settings: RetentionSettings, keep?: string): Promise<number>;
}
//# sourceMappingURL=checkpoints.d.ts.map