import { newQuickJSWASMModuleFromVariant, type QuickJSSyncVariant, type QuickJSWASMModule } from 'quickjs-emscripten-core';
import releaseSyncVariant from '@jitl/quickjs-wasmfile-release-sync';
import { LlmspellError } from '@llmspell/core';

/**
 * The compiled QuickJS WASM module, shared by every context in the process: compiling
 * it costs tens of milliseconds, a runtime inside it well under one. Each context still
 * gets its own QuickJS runtime (own heap, limits, interrupt handler).
 */
let shared: Promise<QuickJSWASMModule> | undefined;
let loaded: QuickJSWASMModule | undefined;

export function loadQuickJS(): Promise<QuickJSWASMModule> {
  if (!shared) {
    const loading = newQuickJSWASMModuleFromVariant(releaseSyncVariant as unknown as QuickJSSyncVariant).catch((error: unknown) => {
      if (shared === loading) shared = undefined;
      throw new LlmspellError('ENGINE_NOT_AVAILABLE', `cannot load the QuickJS engine: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
    shared = loading;
    void loading.then((module) => {
      if (shared === loading) loaded = module;
    }, () => undefined);
  }
  return shared;
}

/**
 * Drops the shared module after its WASM instance was left in an unknown state (a
 * native stack overflow or an engine abort inside QuickJS). Contexts created later
 * load a fresh instance; the old one is left to the garbage collector.
 */
export function discardQuickJS(module: QuickJSWASMModule): void {
  if (loaded === module) {
    loaded = undefined;
    shared = undefined;
  }
}
