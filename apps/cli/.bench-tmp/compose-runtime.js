import { LlmspellError, createLogger } from '@llmspell/core';
import { LlmspellRuntime, loadConfig } from '@llmspell/runtime';
import { loadTools } from './load-tools.js';
/** Reads the config with CLI flag overrides applied. */
export function loadCliConfig(flags, io) {
    const loaded = loadConfig({ configPath: flags.config, cwd: io.cwd, env: io.env });
    const runtime = loaded.config.runtime;
    if (flags.timeoutSeconds !== undefined) {
        runtime.script_timeout_seconds = Math.ceil(flags.timeoutSeconds);
        runtime.security.max_execution_time_ms = Math.round(flags.timeoutSeconds * 1000);
    }
    if (flags.maxMemoryMb !== undefined)
        runtime.security.max_memory_bytes = Math.round(flags.maxMemoryMb * 1024 * 1024);
    return loaded;
}
async function openConfiguredStore(loaded, io) {
    const persistence = loaded.config.runtime.state_persistence;
    if (!persistence.enabled)
        return undefined;
    let stateModule;
    try {
        stateModule = (await import('@llmspell/state'));
    }
    catch {
        return undefined;
    }
    if (typeof stateModule.openStateStore !== 'function')
        return undefined;
    return stateModule.openStateStore(loaded.config, io.env, { cwd: io.cwd, importer: (n) => n === '@llmspell/state-memory' ? import('@llmspell/state-memory') : n === '@llmspell/state-sqlite' ? import('@llmspell/state-sqlite') : import(n) });
}
export async function composeRuntime(flags, io, options = {}) {
    const loaded = loadCliConfig(flags, io);
    const level = flags.verbose ? 'debug' : flags.quiet ? 'error' : 'info';
    // Loading the tool packages and opening the store overlap (file reads, the SQLite open).
    const [toolsResult, storeResult] = await Promise.allSettled([
        options.tools === false ? [] : loadTools(loaded.config, io.cwd),
        options.state === false ? undefined : openConfiguredStore(loaded, io),
    ]);
    if (toolsResult.status === 'rejected') {
        if (storeResult.status === 'fulfilled')
            await storeResult.value?.close();
        throw toolsResult.reason;
    }
    if (storeResult.status === 'rejected')
        throw storeResult.reason;
    const tools = toolsResult.value;
    const stateStore = storeResult.value;
    let runtime;
    try {
        runtime = await LlmspellRuntime.create({
            config: loaded.config,
            tools,
            stateStore,
            cwd: io.cwd,
            logger: createLogger({ level, sink: (line) => io.stderr(line + '\n'), redact: (t) => runtime?.policy.redact(t) ?? t }),
        });
    }
    catch (error) {
        await stateStore?.close();
        throw error;
    }
    if (flags.verbose)
        for (const w of loaded.warnings)
            io.stderr(`[warn] ${loaded.source}: ${w}\n`);
    return { runtime, loaded };
}
export function notFound(what) {
    return new LlmspellError('NOT_FOUND', what);
}
//# sourceMappingURL=compose-runtime.js.map