export const DEFAULT_RETENTION = { maxRuns: 100, maxAgeMs: 7 * 24 * 3600 * 1000 };
export function runScope(workflow) {
    return `workflow:${workflow}`;
}
const runKey = (id) => `run:${id}`;
const stepPrefix = (id) => `run:${id}:step:`;
export class CheckpointStore {
    state;
    scope;
    constructor(state, scope) {
        this.state = state;
        this.scope = scope;
    }
    async loadRun(runId) {
        return (await this.state.get(this.scope, runKey(runId))) ?? undefined;
    }
    async saveRun(record) {
        await this.state.set(this.scope, runKey(record.run_id), record);
    }
    async loadSteps(runId) {
        const prefix = stepPrefix(runId);
        const keys = (await this.state.keys(this.scope)).filter((k) => k.startsWith(prefix));
        const out = new Map();
        for (const key of keys) {
            const value = (await this.state.get(this.scope, key));
            if (value)
                out.set(key.slice(prefix.length), value);
        }
        return out;
    }
    async saveStep(runId, path, checkpoint) {
        await this.state.set(this.scope, stepPrefix(runId) + path, checkpoint);
    }
    async dropSteps(runId) {
        const prefix = stepPrefix(runId);
        const keys = (await this.state.keys(this.scope)).filter((k) => k.startsWith(prefix));
        await this.state.store.batch(keys.map((k) => ({ type: 'delete', key: this.state.locate(this.scope, k).physical })));
    }
    /** Deletes runs beyond the newest `maxRuns` and runs older than `maxAgeMs`. */
    async prune(settings, keep) {
        const keys = (await this.state.keys(this.scope)).filter((k) => k.startsWith('run:') && !k.includes(':step:'));
        const runs = [];
        for (const k of keys) {
            const r = (await this.state.get(this.scope, k));
            if (r && r.run_id)
                runs.push(r);
        }
        runs.sort((a, b) => b.updated_at.localeCompare(a.updated_at));
        const now = Date.now();
        let removed = 0;
        for (const [i, r] of runs.entries()) {
            if (r.run_id === keep)
                continue;
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
//# sourceMappingURL=checkpoints.js.map