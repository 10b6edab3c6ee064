/**
 * Values that cross between a script engine and the host. The runtime defines the
 * script API over these plain values only; each bridge converts them to and from its
 * engine (Lua tables, QuickJS handles).
 */
export type ScriptValue =
  | null
  | undefined
  | boolean
  | number
  | string
  | ScriptValue[]
  | ScriptObject
  | HostFunction
  | ScriptCallback;

export interface ScriptObject {
  [key: string]: ScriptValue;
}

/** A host function exposed to scripts. May return a promise: Lua awaits it, JS gets the promise. */
export type HostFunction = ((...args: ScriptValue[]) => ScriptValue | Promise<ScriptValue>) & {
  [HOST_METHOD]?: true;
  [HOST_ASYNC]?: true;
};

export const HOST_METHOD: unique symbol = Symbol.for('llmspell.hostMethod');
export const HOST_ASYNC: unique symbol = Symbol.for('llmspell.hostAsync');
export const SCRIPT_CALLBACK: unique symbol = Symbol.for('llmspell.scriptCallback');

/**
 * A script function handed to the host (a hook, a custom workflow step, a stream
 * callback). Calling it runs the script function inside its engine.
 */
export interface ScriptCallback {
  readonly [SCRIPT_CALLBACK]: true;
  /** Which engine the function lives in ("lua", "javascript"). */
  readonly language: string;
  call(...args: ScriptValue[]): Promise<ScriptValue>;
  /**
   * `call` answering within the call when the function finishes without waiting for the host:
   * its value, or a thrown error; a promise only when it waits (it called a host function
   * whose work had to wait). Hook executors and workflow steps prefer it, so a tool call or a
   * step whose script callbacks all answer at once stays synchronous.
   */
  callNow?(...args: ScriptValue[]): ScriptValue | Promise<ScriptValue>;
  /** Frees the engine-side reference; calling afterwards fails. */
  release(): void;
}

/**
 * Marks a function stored on an object as a method, so Lua scripts may call it as
 * `obj:method(x)` (the bridge drops the `self` argument) as well as `obj.method(x)`.
 * Functions on global tables (`Tool.invoke`) are plain functions.
 */
export function hostMethod<F extends (...args: any[]) => any>(fn: F): F & HostFunction {
  (fn as unknown as HostFunction)[HOST_METHOD] = true;
  return fn as F & HostFunction;
}

/**
 * Marks a function that scripts see as asynchronous (a promise in JavaScript) but that may
 * answer within the call: it returns its value, or throws, when its work did not wait, and
 * returns a promise otherwise. Lua takes an immediate answer without suspending the script;
 * JavaScript still gets a promise, already settled, so `.then` and `await` behave as ever
 * (an immediate error becomes a rejected promise, not an exception at the call).
 */
export function hostAsync<F extends (...args: any[]) => any>(fn: F): F & HostFunction {
  (fn as unknown as HostFunction)[HOST_ASYNC] = true;
  return fn as F & HostFunction;
}

/** Not enumerable: copies, JSON and equality checks do not see it (a WeakSet cost every hook call garbage-collector work). */
const SCRIPT_SNAPSHOT: unique symbol = Symbol.for('llmspell.scriptSnapshot');

/**
 * Marks plain data the host made for one script call and never changes afterwards (a hook's
 * context): a bridge may then convert it when the script first reads it instead of up front.
 * `fields`: for a view (a Proxy whose own keys and values are those of a plain object, with an
 * index fallback for the rest), that plain object, which a bridge reads instead of the view.
 */
export function markScriptSnapshot<T extends object>(value: T, fields: object = value): T {
  Object.defineProperty(value, SCRIPT_SNAPSHOT, { value: fields });
  return value;
}

/** The plain fields of a value marked with markScriptSnapshot, or undefined. */
export function scriptSnapshotFields(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const fields = (value as { [SCRIPT_SNAPSHOT]?: Record<string, unknown> })[SCRIPT_SNAPSHOT];
  return typeof fields === 'object' && fields !== null ? fields : undefined;
}

export function isScriptSnapshot(value: unknown): boolean {
  return scriptSnapshotFields(value) !== undefined;
}

export function isHostAsync(value: unknown): boolean {
  return typeof value === 'function' && (value as HostFunction)[HOST_ASYNC] === true;
}

export function isHostMethod(value: unknown): boolean {
  return typeof value === 'function' && (value as HostFunction)[HOST_METHOD] === true;
}

export function isScriptCallback(value: unknown): value is ScriptCallback {
  return typeof value === 'object' && value !== null && (value as ScriptCallback)[SCRIPT_CALLBACK] === true;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Key under which the runtime tags an object that stands for a live host entity
 * (an agent, a workflow, a hook handle). When the script hands the object back
 * (`agent = myAgent` in a workflow step), the runtime finds the entity by this key.
 */
export const HANDLE_KEY = '__handle';

export const INDEX_FALLBACK: unique symbol = Symbol.for('llmspell.indexFallback');

/**
 * Gives an object a lookup for keys it does not have (Lua `__index`, a JS Proxy `get`):
 * `Tool.web_scraper` finds a tool registered after the globals were built.
 */
export function withIndexFallback<T extends ScriptObject>(object: T, fallback: (key: string) => ScriptValue): T {
  Object.defineProperty(object, INDEX_FALLBACK, { value: fallback, enumerable: false });
  return object;
}

export function getIndexFallback(value: unknown): ((key: string) => ScriptValue) | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  return (value as { [INDEX_FALLBACK]?: (key: string) => ScriptValue })[INDEX_FALLBACK];
}

/** Not enumerable, like the snapshot mark: JSON, copies and key loops see the plain fields only. */
const SCRIPT_ERROR: unique symbol = Symbol.for('llmspell.scriptError');

/** An error as scripts get it in a result: its fields, the message among them. */
export interface ScriptErrorFields {
  message: string;
  code?: string;
  [key: string]: unknown;
}

/**
 * Marks an error record a script gets inside a result (a tool's soft failure `result.error`,
 * a failed workflow's `r.error`) so that each bridge makes it a value that is both: its fields
 * (`err.message`, `err.code`) and its message wherever a script uses it as text (Lua:
 * `tostring`, `..`, `err:match(p)`; JavaScript: `String(err)`, `"x: " + err`), since the
 * reference's scripts use it both ways. JSON of it is the plain fields. On the host,
 * `String(err)` and template literals give the message too (a non-enumerable toString).
 * Marks `value` itself and returns it.
 */
export function markScriptError<T extends ScriptErrorFields>(value: T): T {
  Object.defineProperty(value, SCRIPT_ERROR, { value: true });
  Object.defineProperty(value, 'toString', { value: errorText, writable: true, configurable: true });
  return value;
}

function errorText(this: ScriptErrorFields): string {
  return String(this.message);
}

export function isScriptError(value: unknown): value is ScriptErrorFields {
  return typeof value === 'object' && value !== null && (value as { [SCRIPT_ERROR]?: true })[SCRIPT_ERROR] === true;
}

/**
 * The pull-stream protocol between the runtime and the bridges. An object with
 * `__async_iterator: true` and host methods `next()` → `{ done, value }` and (optional)
 * `return()` is a stream: the JS bridge makes it `for await`-able, Lua calls `next()` in a loop.
 * `Agent:stream()` returns one.
 */
export const ASYNC_ITERATOR_KEY = '__async_iterator';

export interface ScriptAsyncIterator extends ScriptObject {
  [ASYNC_ITERATOR_KEY]: true;
  next: HostFunction;
  return?: HostFunction;
}

export function isScriptAsyncIterator(value: unknown): value is ScriptAsyncIterator {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    && (value as Record<string, unknown>)[ASYNC_ITERATOR_KEY] === true && typeof (value as Record<string, unknown>).next === 'function';
}
