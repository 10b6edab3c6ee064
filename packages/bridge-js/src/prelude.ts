/**
 * Helpers evaluated inside each QuickJS context. Each chunk is a function expression the
 * bridge calls with the engine's original built-ins (captured before any script runs, so
 * a script replacing `JSON` or `Object.keys` cannot break the bridge); it returns an
 * object of helper functions the bridge keeps as handles. Nothing here is put on
 * `globalThis` except through `lazyGlobal`.
 *
 * They exist because one call into QuickJS that does the work in C/bytecode is far
 * cheaper than one FFI round trip per property: `wire` serialises plain data with the
 * engine's own JSON, `describeError` reads an exception in a single call. Parsing costs
 * about 1 ms per 7 KB, so only the small `base` chunk is evaluated when a context is
 * created; the others on first use.
 */
export const PRELUDE_FILENAME = '<llmspell-bridge>';

/** Evaluated first: captures the built-ins the other chunks receive. */
export const PRIMORDIALS_SOURCE = String.raw`(function () {
  'use strict';
  return Object.freeze({
    isArray: Array.isArray, getProto: Object.getPrototypeOf, keys: Object.keys, defineProperty: Object.defineProperty,
    ObjectProto: Object.prototype, ArrayProto: Array.prototype, stringify: JSON.stringify, parse: JSON.parse,
    isFinite: Number.isFinite, ReflectGet: Reflect.get, ErrorCtor: Error, PromiseCtor: Promise, ProxyCtor: Proxy,
    DateCtor: Date, StringCtor: String, globalObject: globalThis, asyncIteratorSymbol: Symbol.asyncIterator,
  });
})()`;

export const PRELUDE_CHUNKS = {
  base: String.raw`(function (P) {
  'use strict';
  return {
    /** Defines a global whose value is converted from the host on first use. */
    lazyGlobal(name, load) {
      const define = (value) => P.defineProperty(P.globalObject, name, { value, writable: true, configurable: true, enumerable: true });
      P.defineProperty(P.globalObject, name, {
        configurable: true,
        enumerable: true,
        get() { const value = load(); define(value); return value; },
        set(value) { define(value); },
      });
    },
  };
})`,

  data: String.raw`(function (P) {
  'use strict';
  const { isArray, getProto, keys, ObjectProto, ArrayProto, stringify, isFinite, ReflectGet, ErrorCtor, PromiseCtor, ProxyCtor, DateCtor } = P;
  // Kinds returned by wire() when the value is not plain JSON data.
  const KIND_NULL = 0, KIND_ARRAY = 1, KIND_OBJECT = 2, KIND_ERROR = 3, KIND_PROMISE = 4, KIND_DATE = 5;

  function pure(v, depth, seen) {
    if (v === null) return true;
    switch (typeof v) {
      case 'string': case 'boolean': return true;
      case 'number': return isFinite(v);
      case 'object': {
        if (depth > 64 || seen.indexOf(v) >= 0) return false;
        seen.push(v);
        try {
          if (isArray(v)) {
            if (getProto(v) !== ArrayProto) return false;
            const n = v.length;
            if (keys(v).length !== n) return false;
            for (let i = 0; i < n; i++) if (!pure(v[i], depth + 1, seen)) return false;
            return true;
          }
          const p = getProto(v);
          if (p !== ObjectProto && p !== null) return false;
          const ks = keys(v);
          for (let i = 0; i < ks.length; i++) if (!pure(v[ks[i]], depth + 1, seen)) return false;
          return true;
        } finally {
          seen.pop();
        }
      }
      default: return false;
    }
  }

  function kindOf(v) {
    if (v === null) return KIND_NULL;
    if (isArray(v)) return KIND_ARRAY;
    if (v instanceof ErrorCtor) return KIND_ERROR;
    if (v instanceof PromiseCtor) return KIND_PROMISE;
    if (v instanceof DateCtor) return KIND_DATE;
    return KIND_OBJECT;
  }

  return {
    /** JSON text when v is plain data, else a kind number (see KIND_*). */
    wire(v) {
      if (pure(v, 0, [])) return stringify(v);
      return kindOf(v);
    },
    parse: P.parse,
    /** A plain copy the host can walk with index reads only: items, or [key, value, ...]. */
    entries(v) {
      const out = [];
      if (isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          let item;
          try { item = v[i]; } catch (e) { item = undefined; }
          out.push(item);
        }
        return out;
      }
      const ks = keys(v);
      for (let i = 0; i < ks.length; i++) {
        try { out.push(ks[i], v[ks[i]]); } catch (e) { /* a throwing getter is left out */ }
      }
      return out;
    },
    dateString(d) {
      return isFinite(d.getTime()) ? d.toISOString() : null;
    },
    /** Host pull streams (\`{ next() }\` marked __async_iterator) become \`for await\`-able. */
    asyncIterable(target) {
      P.defineProperty(target, P.asyncIteratorSymbol, {
        value() {
          return {
            next: () => target.next(),
            return: async (value) => {
              if (typeof target.return === 'function') await target.return();
              else if (typeof target.close === 'function') await target.close();
              return { done: true, value };
            },
          };
        },
        enumerable: false,
        configurable: true,
      });
      return target;
    },
    proxy(target, fallback) {
      return new ProxyCtor(target, {
        get(t, k, r) {
          if (typeof k === 'symbol' || k in t) return ReflectGet(t, k, r);
          // Awaiting or serialising the object must not look up tools named "then"/"toJSON".
          if (k === 'then' || k === 'toJSON') return undefined;
          return fallback(k);
        },
        has(t, k) {
          if (k in t) return true;
          if (typeof k === 'symbol') return false;
          const v = fallback(k);
          return v !== null && v !== undefined;
        },
      });
    },
  };
})`,

  text: String.raw`(function (P) {
  'use strict';
  const { isArray, keys, stringify, isFinite, ErrorCtor, PromiseCtor, DateCtor, StringCtor } = P;

  function text(v) {
    try { return StringCtor(v); } catch (e) { return '[object]'; }
  }

  function inspect(v, depth, seen) {
    switch (typeof v) {
      case 'string': return depth === 0 ? v : stringify(v);
      case 'undefined': return 'undefined';
      case 'function': return '[Function: ' + (v.name || 'anonymous') + ']';
      case 'symbol': case 'bigint': case 'number': case 'boolean': return text(v);
    }
    if (v === null) return 'null';
    if (v instanceof ErrorCtor) {
      const head = v.name + ': ' + v.message;
      return depth === 0 && typeof v.stack === 'string' && v.stack ? head + '\n' + v.stack.replace(/\n$/, '') : head;
    }
    if (v instanceof DateCtor) return isFinite(v.getTime()) ? v.toISOString() : 'Invalid Date';
    if (v instanceof PromiseCtor) return 'Promise {}';
    if (seen.indexOf(v) >= 0) return '[Circular]';
    if (depth > 6) return isArray(v) ? '[Array]' : '[Object]';
    seen.push(v);
    try {
      if (isArray(v)) {
        const parts = [];
        for (let i = 0; i < v.length; i++) parts.push(inspect(v[i], depth + 1, seen));
        return '[' + parts.join(',') + ']';
      }
      const parts = [];
      const ks = keys(v);
      for (let i = 0; i < ks.length; i++) {
        const k = ks[i];
        let item;
        try { item = v[k]; } catch (e) { item = undefined; }
        parts.push(stringify(k) + ':' + inspect(item, depth + 1, seen));
      }
      return '{' + parts.join(',') + '}';
    } finally {
      seen.pop();
    }
  }

  function format(args) {
    const out = [];
    for (let i = 0; i < args.length; i++) out.push(inspect(args[i], 0, []));
    return out.join(' ');
  }

  return {
    describeError(e) {
      const info = { isError: false, name: '', message: '', stack: '', code: null, lineNumber: null, fileName: null };
      try {
        if (e instanceof ErrorCtor || (typeof e === 'object' && e !== null && 'message' in e)) {
          info.isError = e instanceof ErrorCtor;
          info.name = typeof e.name === 'string' ? e.name : 'Error';
          info.message = typeof e.message === 'string' ? e.message : text(e.message);
          info.stack = typeof e.stack === 'string' ? e.stack : '';
          info.code = typeof e.code === 'string' ? e.code : null;
          info.lineNumber = typeof e.lineNumber === 'number' ? e.lineNumber : null;
          info.fileName = typeof e.fileName === 'string' ? e.fileName : null;
        } else {
          info.message = inspect(e, 0, []);
        }
      } catch (err) {
        info.message = 'unprintable error';
      }
      return stringify(info);
    },
    makeConsole(write) {
      const out = (stream) => function () { write(stream, format(arguments)); };
      const console = {
        log: out(1), info: out(1), debug: out(1), trace: out(1),
        warn: out(2), error: out(2),
      };
      return { print: out(1), console };
    },
  };
})`,
} as const;

export type PreludeChunk = keyof typeof PRELUDE_CHUNKS;

/** Which chunk defines each helper. */
export const HELPER_CHUNKS = {
  lazyGlobal: 'base',
  wire: 'data',
  parse: 'data',
  entries: 'data',
  dateString: 'data',
  proxy: 'data',
  asyncIterable: 'data',
  describeError: 'text',
  makeConsole: 'text',
} as const satisfies Record<string, PreludeChunk>;

export type Helper = keyof typeof HELPER_CHUNKS;

/** What `wire()` returns for values that are not plain JSON data. */
export const WireKind = { Null: 0, Array: 1, Object: 2, Error: 3, Promise: 4, Date: 5 } as const;
