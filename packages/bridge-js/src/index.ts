export { JsEngine, createJsEngine, DEFAULT_JS_STACK_BYTES, MAX_JS_STACK_BYTES } from './js-engine.js';
export type { JsEngineOptions } from './js-engine.js';
export { rewriteTopLevelAwait } from './repl-await.js';
