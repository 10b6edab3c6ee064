// The JsVm layer that marshals values between the host and QuickJS, both ways (split from js-vm.ts, as bridge-lua's lua-values.ts).
import {
  LlmspellError, SCRIPT_CALLBACK, getIndexFallback, isHostAsync, isPlainObject, isScriptCallback, isScriptError,
  type ScriptCallback, type ScriptValue,
} from '@llmspell/core';
import type { QuickJSHandle } from 'quickjs-emscripten-core';
import { isErrorCode, stripCodePrefix } from './js-errors.js';
import { FAST_CALL, type FastHostFunction } from './fast-host-calls.js';
import { WireKind } from './prelude.js';
import { JsVmScheduling } from './js-vm-scheduling.js';
import { BoundaryProblem, cycleError } from './value-paths.js';

/** Cap on nesting when converting values, so a deep structure fails cleanly instead of overflowing the host stack. */
const MAX_DEPTH = 200;
/** A BigInt in this range is a number without loss (Number.MAX_SAFE_INTEGER). */
const MAX_SAFE_BIGINT = 2n ** 53n - 1n;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function isIndexKey(key: string): boolean {
  return /^(?:0|[1-9]\d*)$/.test(key) && Number(key) < 2 ** 32 - 1;
}

/** True when JSON.stringify/parse reproduces the value exactly (the fast path). */
function isPureJson(value: unknown, depth: number): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (depth > 32) return false;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    let count = 0;
    for (const key in value) {
      if (!isIndexKey(key)) return false;
      count++;
    }
    if (count !== value.length) return false;
    for (const item of value) if (!isPureJson(item, depth + 1)) return false;
    return true;
  }
  if (!isPlainObject(value) || getIndexFallback(value) || isScriptError(value)) return false;
  for (const key of Object.keys(value)) {
    if (!isPureJson((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/** A host Map as a record: string and number keys only (another key would turn into "[object Object]"). */
function mapRecord(map: Map<unknown, unknown>, keys: ReadonlyArray<string | number>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of map) {
    if (typeof key !== 'string' && typeof key !== 'number') {
      throw new BoundaryProblem(keys.slice(), `a Map with a key that is ${key === null ? 'null' : typeof key === 'object' ? 'an object' : `a ${typeof key}`}: only string and number keys make an object's keys`).toError();
    }
    Object.defineProperty(out, String(key), { value: item, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** A script function held by the host. */
export class JsCallback implements ScriptCallback {
  readonly [SCRIPT_CALLBACK] = true as const;
  readonly language = 'javascript';

  declare readonly vm: JsVmValues;
  declare readonly handle: QuickJSHandle;
  /** The script that created the function, for error messages. */
  declare readonly file: string;

  constructor(vm: JsVmValues, handle: QuickJSHandle, file: string) {
    // Not enumerable: host code that walks a value (JSON, redaction, a structured clone) must
    // see an opaque function, not follow `vm` into the whole engine and its WASM heap
    Object.defineProperties(this, { vm: { value: vm }, handle: { value: handle }, file: { value: file } });
  }

  call(...args: ScriptValue[]): Promise<ScriptValue> {
    return this.vm.invokeCallback(this, args);
  }

  release(): void {
    this.vm.releaseCallback(this);
  }
}

export abstract class JsVmValues extends JsVmScheduling {
  /** Converts a host value to a new handle the caller owns (disposing static ones is a no-op). */
  toHandle(value: unknown, stack: object[] = [], keys: Array<string | number> = []): QuickJSHandle {
    switch (typeof value) {
      case 'undefined':
      case 'symbol':
        return this.ctx.undefined;
      case 'boolean':
        return value ? this.ctx.true : this.ctx.false;
      case 'number':
        return this.ctx.newNumber(value);
      case 'string':
        // The FFI passes C strings: a NUL would cut the text short, so such strings go as JSON.
        return value.includes('\0') ? this.fromJson(JSON.stringify(value)) : this.ctx.newString(value);
      case 'bigint':
        return this.ctx.newBigInt(value);
      case 'function':
        return this.hostFunction(value as (...args: ScriptValue[]) => unknown);
      case 'object':
        break; // null, callbacks, promises, arrays and records: below
    }
    if (value === null) return this.ctx.null;
    const object = value as object;
    if (isScriptCallback(object)) return this.callbackHandle(object);
    if (isThenable(object)) return this.promiseHandle(object);
    if (object instanceof Date) return Number.isNaN(object.getTime()) ? this.ctx.null : this.ctx.newString(object.toISOString());
    if (object instanceof Error) return this.errorHandle(object);
    if (object instanceof Map) return this.toHandle(mapRecord(object, keys), stack, keys);
    if (object instanceof Set) return this.toHandle([...object], stack, keys);
    if (ArrayBuffer.isView(object)) return this.toHandle(Array.from(object as Uint8Array), stack, keys);
    const ancestor = stack.indexOf(object);
    if (ancestor >= 0) throw cycleError(keys, keys.slice(0, ancestor));
    if (stack.length >= MAX_DEPTH) throw new LlmspellError('INVALID_ARGUMENT', `value is nested deeper than ${MAX_DEPTH} levels`);
    const plain = this.engine.newPlain(object);
    if (plain) return plain;
    if (isPureJson(object, 0)) return this.fromJson(JSON.stringify(object));
    stack.push(object);
    const array = Array.isArray(object);
    let container = array ? this.ctx.newArray() : this.ctx.newObject();
    try {
      const set = (key: string | number, item: unknown) => {
        keys.push(key);
        let child: QuickJSHandle;
        try {
          child = this.toHandle(item, stack, keys);
        } finally {
          keys.pop();
        }
        try {
          this.ctx.setProp(container, key, child);
        } finally {
          child.dispose();
        }
      };
      if (array) {
        const list = object as unknown[];
        for (let i = 0; i < list.length; i++) set(i, list[i]);
        for (const key of Object.keys(list)) if (!isIndexKey(key)) set(key, (list as unknown as Record<string, unknown>)[key]);
      } else {
        for (const [key, item] of Object.entries(object)) set(key, item);
      }
      if (!array && (object as Record<string, unknown>).__async_iterator === true && typeof (object as Record<string, unknown>).next === 'function') {
        const iterable = this.callHelper('asyncIterable', container);
        container.dispose();
        container = iterable;
      }
      if (isScriptError(object)) {
        const error = this.callHelper('scriptError', container);
        container.dispose();
        container = error;
      }
      const fallback = getIndexFallback(object);
      if (fallback) {
        const lookup = this.hostFunction((key: ScriptValue) => fallback(String(key)));
        try {
          const proxy = this.callHelper('proxy', container, lookup);
          container.dispose();
          container = proxy;
        } finally {
          lookup.dispose();
        }
      }
      return container;
    } catch (error) {
      if (container.alive) container.dispose();
      throw error;
    } finally {
      stack.pop();
    }
  }

  protected fromJson(text: string): QuickJSHandle {
    const json = this.ctx.newString(text);
    try {
      return this.callHelper('parse', json);
    } finally {
      json.dispose();
    }
  }

  /**
   * A host function as the script sees it: a script-side function (`wrapSync`/`wrapAsync` in
   * prelude.ts) over the engine's host function, so that plain data crosses as one JSON text
   * each way and one engine call carries a whole host call.
   */
  protected hostFunction(fn: (...args: ScriptValue[]) => unknown): QuickJSHandle {
    // a function the script API calls asynchronous stays a promise here even when it answered at once
    const promised = isHostAsync(fn);
    const name = fn.name || 'hostFunction';
    const vm = this; // the engine passes the host function's `this` (the JSON text) as its own
    const impl: FastHostFunction = function (this: QuickJSHandle, ...argHandles: QuickJSHandle[]) {
      return vm.callHost(fn, promised, this, argHandles);
    };
    impl[FAST_CALL] = true;
    const raw = this.ctx.newFunction(name, impl);
    try {
      const nameHandle = this.ctx.newString(name);
      try {
        return this.callHelper(promised ? 'wrapAsync' : 'wrapSync', raw, nameHandle);
      } finally {
        nameHandle.dispose();
      }
    } finally {
      raw.dispose();
    }
  }

  /** One host call: `self` holds the arguments as JSON text when none come as handles. */
  protected callHost(fn: (...args: ScriptValue[]) => unknown, promised: boolean, self: QuickJSHandle, argHandles: QuickJSHandle[]): QuickJSHandle | { error: QuickJSHandle } {
    // past the time limit (a finally block, a late job) the script reaches nothing of the host
    if (this.mustStop()) return { error: this.errorHandle(this.fatal ?? new LlmspellError('CANCELLED', 'the script was stopped')) };
    let args: ScriptValue[];
    try {
      args = argHandles.length === 0 ? this.plainArguments(self) : argHandles.map((h, i) => this.fromHandle(h, i + 1));
    } catch (error) {
      return { error: this.errorHandle(error) };
    }
    let result: unknown;
    try {
      result = fn(...args);
    } catch (error) {
      if (promised) return this.ctx.newNumber(this.hostCall(Promise.reject(error)));
      return { error: this.errorHandle(error) };
    }
    if (isThenable(result)) {
      const id = this.ctx.newNumber(this.hostCall(result));
      if (promised) return id;
      try {
        return this.callHelper('pending', id);
      } finally {
        id.dispose();
      }
    }
    try {
      if (!promised) return this.plainHandle(result);
      // a value that answered at once: JSON text, or a handle that is not a number (a number is a call id)
      if (typeof result === 'number' && !Number.isFinite(result)) {
        const n = this.ctx.newNumber(result);
        try {
          return this.callHelper('resolved', n);
        } finally {
          n.dispose();
        }
      }
      return this.settledPayload(result)[1];
    } catch (error) {
      if (promised) return this.ctx.newNumber(this.hostCall(Promise.reject(error)));
      return { error: this.errorHandle(error) };
    }
  }

  /** Arguments the script checked to be plain data, as one value: the array itself (binary) or its JSON text. */
  protected plainArguments(self: QuickJSHandle): ScriptValue[] {
    if (!this.engine.binary) return JSON.parse(this.ctx.getString(self)) as ScriptValue[];
    const read = this.engine.readPlain(self);
    // more than plain data after all (an object met twice, a getter): the slow way, as for any value
    return Array.isArray(read) ? read : this.argumentsOf(self);
  }

  /** Each item of a call's arguments array the slow way, so that an error names the argument and a path inside it. */
  protected argumentsOf(array: QuickJSHandle): ScriptValue[] {
    const length = this.ctx.getLength(array) ?? 0;
    const args: ScriptValue[] = new Array(length);
    for (let i = 0; i < length; i++) {
      const h = this.ctx.getProp(array, i);
      try {
        args[i] = this.fromHandle(h, i + 1);
      } finally {
        h.dispose();
      }
    }
    return args;
  }

  /** A synchronous host function's answer: strings and plain data as JSON text, the rest as handles. */
  protected plainHandle(value: unknown): QuickJSHandle {
    if (typeof value === 'string') return this.engine.newString(JSON.stringify(value));
    if (typeof value === 'object' && value !== null) {
      if (value instanceof Date) return this.engine.newString(Number.isNaN(value.getTime()) ? 'null' : JSON.stringify(value.toISOString()));
      const plain = this.engine.newPlain(value);
      if (plain) return plain;
      if (isPureJson(value, 0)) return this.engine.newString(JSON.stringify(value));
    }
    return this.toHandle(value);
  }

  /** How a host value crosses as a call's answer: [1, JSON text] for plain data, else [2, the value]. */
  protected settledPayload(value: unknown): [number, QuickJSHandle] {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return [1, this.engine.newString(JSON.stringify(value))];
      case 'number':
        if (Number.isFinite(value)) return [1, this.engine.newString(JSON.stringify(value))];
        break;
      case 'object': {
        if (value === null) return [1, this.engine.newString('null')];
        // plain data read by the engine in one call (binary), else as JSON text
        const plain = value instanceof Date ? undefined : this.engine.newPlain(value);
        if (plain) return [2, plain];
        if (!(value instanceof Date) && isPureJson(value, 0)) return [1, this.engine.newString(JSON.stringify(value))];
        if (value instanceof Date) return [1, this.engine.newString(Number.isNaN(value.getTime()) ? 'null' : JSON.stringify(value.toISOString()))];
        break;
      }
      default:
        break; // undefined, functions, bigints, symbols: as handles
    }
    return [2, this.toHandle(value)];
  }

  protected callbackHandle(callback: ScriptCallback): QuickJSHandle {
    if (callback instanceof JsCallback && callback.vm === this && callback.handle.alive) return callback.handle.dup();
    return this.hostFunction((...args: ScriptValue[]) => callback.call(...args));
  }

  /**
   * Converts a borrowed handle to plain host data (the caller keeps ownership). A value with
   * no faithful plain-data form fails with INVALID_ARGUMENT naming its `$` path (and
   * `argument`, 1-based, when it is a host call's argument): see README, Values.
   */
  fromHandle(handle: QuickJSHandle, argument?: number): ScriptValue {
    try {
      return this.readHandle(handle, [], [], argument !== undefined);
    } catch (error) {
      if (error instanceof BoundaryProblem) throw error.toError(argument);
      throw error;
    }
  }

  /** fromHandle below the root: `stack` holds the containers above, `keys` the path to the value. */
  protected readHandle(handle: QuickJSHandle, stack: QuickJSHandle[], keys: Array<string | number>, promiseAtRoot = false): ScriptValue {
    switch (this.ctx.typeof(handle)) {
      case 'undefined':
        return undefined;
      case 'number':
        return this.ctx.getNumber(handle);
      case 'string':
        return this.readString(handle);
      case 'boolean':
        return this.ctx.eq(handle, this.ctx.true);
      case 'bigint': {
        const value = this.ctx.getBigInt(handle);
        if (value >= -MAX_SAFE_BIGINT && value <= MAX_SAFE_BIGINT) return Number(value);
        throw new BoundaryProblem(keys.slice(), `a BigInt a number cannot hold exactly (${value}n): pass it as a string`);
      }
      case 'function':
        return this.callbackFor(handle);
      case 'symbol':
        throw new BoundaryProblem(keys.slice(), 'a Symbol, which has no value outside the script: pass a string');
    }
    const wired = this.callHelper('wire', handle);
    let kind: number;
    try {
      if (this.ctx.typeof(wired) === 'string') return JSON.parse(this.ctx.getString(wired)) as ScriptValue; // JSON text has no raw NUL
      kind = this.ctx.getNumber(wired);
    } finally {
      wired.dispose();
    }
    switch (kind) {
      case WireKind.Null:
        return null;
      case WireKind.Date: {
        const text = this.callHelper('dateString', handle);
        try {
          return this.ctx.typeof(text) === 'string' ? this.ctx.getString(text) : null;
        } finally {
          text.dispose();
        }
      }
      case WireKind.Error: {
        const info = this.describe(handle.dup());
        const out: Record<string, ScriptValue> = { name: info.name, message: info.message };
        if (info.code) out.code = info.code;
        if (info.stack) out.stack = info.stack;
        return out;
      }
      case WireKind.Promise:
        // a host function may await a promise it is given; one inside data nothing awaits (and a
        // run's or a callback's own result is awaited before it gets here)
        if (promiseAtRoot && keys.length === 0) return this.hostPromise(handle) as unknown as ScriptValue;
        throw new BoundaryProblem(keys.slice(), 'a Promise inside data, which nothing awaits: await it and pass its value');
      case WireKind.Refused: {
        const described = this.callHelper('describe', handle);
        let what: string;
        try {
          what = this.ctx.getString(described);
        } finally {
          described.dispose();
        }
        const instead = what.startsWith('an instance of class ') ? 'copy the fields you need into an object ({ ...value })' : 'pass an object, array, string, number, boolean or null';
        throw new BoundaryProblem(keys.slice(), `${what}, which has no plain-data form: ${instead}`);
      }
    }
    const ancestor = stack.findIndex((above) => this.ctx.eq(above, handle));
    if (ancestor >= 0) throw new BoundaryProblem(keys.slice(), undefined, keys.slice(0, ancestor));
    if (stack.length >= MAX_DEPTH) throw new LlmspellError('INVALID_ARGUMENT', `value is nested deeper than ${MAX_DEPTH} levels`);
    const kindHandle = this.ctx.newNumber(kind);
    let flat: QuickJSHandle;
    try {
      flat = this.callHelper('entries', handle, kindHandle);
    } finally {
      kindHandle.dispose();
    }
    stack.push(handle);
    try {
      const length = this.ctx.getLength(flat) ?? 0;
      const item = (i: number, key: string | number): ScriptValue => {
        const h = this.ctx.getProp(flat, i);
        keys.push(key);
        try {
          return this.readHandle(h, stack, keys);
        } finally {
          keys.pop();
          h.dispose();
        }
      };
      if (kind === WireKind.Typed) {
        // numbers only (a BigInt64Array's items are bigints): one JSON text, not a call per item
        const text = this.callHelper('wire', flat);
        try {
          if (this.ctx.typeof(text) === 'string') return JSON.parse(this.ctx.getString(text)) as ScriptValue;
        } finally {
          text.dispose();
        }
      }
      if (kind === WireKind.Array || kind === WireKind.Set || kind === WireKind.Typed) {
        const out: ScriptValue[] = new Array(length);
        for (let i = 0; i < length; i++) out[i] = item(i, i);
        return out;
      }
      const out: Record<string, ScriptValue> = {};
      for (let i = 0; i + 1 < length; i += 2) {
        const key = kind === WireKind.Map ? this.mapKey(flat, i, keys) : this.keyAt(flat, i);
        if (kind === WireKind.Map && Object.prototype.hasOwnProperty.call(out, key)) {
          throw new BoundaryProblem(keys.slice(), `a Map with two keys that read as ${JSON.stringify(key)} (a number and a string): use a plain object`);
        }
        Object.defineProperty(out, key, { value: item(i + 1, key), enumerable: true, writable: true, configurable: true });
      }
      return out;
    } finally {
      stack.pop();
      flat.dispose();
    }
  }

  /** An object's key in entries(): a string. */
  private keyAt(flat: QuickJSHandle, i: number): string {
    const h = this.ctx.getProp(flat, i);
    try {
      return this.ctx.typeof(h) === 'string' ? this.readString(h) : String(this.readHandle(h, [], []));
    } finally {
      h.dispose();
    }
  }

  /** A Map's key as an object key: strings and numbers have one; any other key (an object, a boolean) is refused. */
  private mapKey(flat: QuickJSHandle, i: number, keys: Array<string | number>): string {
    const h = this.ctx.getProp(flat, i);
    try {
      const type = this.ctx.typeof(h);
      if (type === 'string') return this.readString(h);
      if (type === 'number') return String(this.ctx.getNumber(h));
      const what = type === 'object' && this.ctx.eq(h, this.ctx.null) ? 'null' : type === 'object' ? 'an object' : `a ${type}`;
      throw new BoundaryProblem(keys.slice(), `a Map with a key that is ${what}: only string and number keys make an object's keys (use an array of [key, value] pairs)`);
    } finally {
      h.dispose();
    }
  }

  protected readString(handle: QuickJSHandle): string {
    const text = this.ctx.getString(handle);
    // (getLength answers only for objects: a string's own length is read as a property)
    const length = this.ctx.getProp(handle, 'length');
    const full = this.ctx.typeof(length) === 'number' ? this.ctx.getNumber(length) : -1;
    length.dispose();
    if (text.length === full) return text;
    // Cut short at a NUL by the C-string FFI: read it through JSON instead.
    const json = this.callHelper('wire', handle);
    try {
      return JSON.parse(this.ctx.getString(json)) as string;
    } finally {
      json.dispose();
    }
  }

  protected callbackFor(handle: QuickJSHandle): ScriptCallback {
    const owned = handle.dup();
    this.owned.add(owned);
    this.liveCallbacks.add(owned);
    const callback = new JsCallback(this, owned, [...this.ops][0]?.file ?? this.lastFile);
    this.finalizer.register(callback, owned, callback);
    return callback;
  }

  releaseCallback(callback: JsCallback): void {
    this.finalizer.unregister(callback);
    this.releaseHandle(callback.handle);
  }

  /** A script promise handed to the host: settles as the script's jobs run. */
  protected hostPromise(handle: QuickJSHandle): Promise<ScriptValue> {
    const owned = handle.dup();
    this.owned.add(owned);
    return this.ctx.resolvePromise(owned).then((result) => {
      this.releaseHandle(owned);
      if (result.error) {
        const info = this.describe(result.error);
        throw new LlmspellError(isErrorCode(info.code) ? info.code : 'SCRIPT_ERROR', stripCodePrefix(info.message, info.code ?? ''));
      }
      try {
        return this.fromHandle(result.value);
      } finally {
        result.value.dispose();
      }
    });
  }

  /** Calls a script function the host holds, as one operation with its own budget (see JsVm). */
  abstract invokeCallback(callback: JsCallback, args: ScriptValue[]): Promise<ScriptValue>;
}
