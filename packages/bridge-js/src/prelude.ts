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
    DateCtor: Date, StringCtor: String, globalObject: globalThis, asyncIteratorSymbol: Symbol.asyncIterator, toPrimitiveSymbol: Symbol.toPrimitive,
    PromiseThen: Promise.prototype.then, PromiseResolve: Promise.resolve, apply: Reflect.apply,
    create: Object.create, setProto: Object.setPrototypeOf, values: Object.values,
    bind: Function.prototype.bind, FunctionCall: Function.prototype.call,
    MapCtor: Map, MapForEach: Map.prototype.forEach, SetCtor: Set, SetForEach: Set.prototype.forEach,
    isView: ArrayBuffer.isView, DataViewCtor: DataView, FunctionToString: Function.prototype.toString,
    WeakSetCtor: WeakSet, WeakSetAdd: WeakSet.prototype.add, WeakSetHas: WeakSet.prototype.has,
  });
})()`;

/**
 * Evaluated before any script, with the primordials and the longest array a script's memory
 * could hold. QuickJS checks its interrupt handler (the time limit) in the bytecode loop and
 * on function calls, never inside a built-in's own C loop: `a.length = 2 ** 32 - 1;
 * a.join("")` walks four billion holes, and `s.indexOf(t)` compares up to |s|*|t| characters,
 * in one uninterruptible call. Walks longer than any real array are refused as out of memory
 * (they are longer than the memory limit could hold; SCRIPT_MEMORY_LIMIT); heavy string
 * searches (indexOf, lastIndexOf, includes, split, replace, replaceAll with a long string)
 * run in steps between which the interrupt handler is consulted (see search()).
 */
export const GUARDS_SOURCE = String.raw`(function (P, maxWalk) {
  'use strict';
  const apply = Reflect.apply, defineProperty = Object.defineProperty, StringCtor = String, NumberCtor = Number;
  const InternalErrorCtor = InternalError, ObjectCtor = Object, trunc = Math.trunc, min = Math.min, max = Math.max;
  const AP = Array.prototype, SP = String.prototype;
  const charCodeAt = SP.charCodeAt, slice = SP.slice, indexOf = SP.indexOf, lastIndexOf = SP.lastIndexOf, startsWith = SP.startsWith;
  const HEAVY = 1 << 24;

  function replaceMethod(proto, name, make) {
    const original = proto[name];
    if (typeof original !== 'function') return;
    const guarded = make(original);
    defineProperty(guarded, 'name', { value: name });
    defineProperty(guarded, 'length', { value: original.length });
    defineProperty(proto, name, { value: guarded, writable: true, configurable: true, enumerable: false });
  }

  function lengthOf(value) {
    const n = NumberCtor(value);
    if (!(n > 0)) return 0;
    return n === Infinity ? 2 ** 53 - 1 : min(trunc(n), 2 ** 53 - 1);
  }

  function checkWalk(name, self, extra) {
    if (self === null || self === undefined) return; // the original throws its TypeError
    let n = lengthOf(ObjectCtor(self).length);
    if (extra) for (let i = 0; i < extra.length; i++) {
      const item = extra[i];
      if (item !== null && typeof item === 'object') n += lengthOf(item.length);
    }
    if (n > maxWalk) {
      // longer than any array the script's memory holds: a memory-limit failure, refused up front
      throw new InternalErrorCtor('out of memory: Array.prototype.' + name + ' over a length of ' + n + ', more than the memory limit holds (' + maxWalk + ' elements)');
    }
  }

  const WALKERS = ['concat', 'copyWithin', 'every', 'fill', 'filter', 'find', 'findIndex', 'findLast', 'findLastIndex', 'flat', 'flatMap',
    'forEach', 'includes', 'indexOf', 'join', 'lastIndexOf', 'map', 'reduce', 'reduceRight', 'reverse', 'shift', 'slice', 'some', 'sort',
    'splice', 'toLocaleString', 'toReversed', 'toSorted', 'toSpliced', 'unshift', 'with'];
  for (let i = 0; i < WALKERS.length; i++) {
    const name = WALKERS[i];
    replaceMethod(AP, name, (original) => function () {
      checkWalk(name, this, name === 'concat' ? arguments : undefined);
      return apply(original, this, arguments);
    });
  }

  // A search the interrupt handler can stop. Needles up to 4 KiB: the original indexOf looks
  // for a prefix of at most 64 characters inside windows of the text (each call bounded), and
  // each candidate is checked with startsWith; the loop between the calls is bytecode. Longer
  // needles: Knuth-Morris-Pratt over char codes, linear-time.
  const code = Function.prototype.call.bind(charCodeAt);
  const Int32ArrayCtor = Int32Array;
  const PREFIX = 64, WINDOW_WORK = 1 << 22, KMP_FROM = 4096;

  function failureTable(needle, reversed) {
    const m = needle.length, last = m - 1;
    const at = (i) => code(needle, reversed ? last - i : i);
    const fail = new Int32ArrayCtor(m);
    for (let i = 1, k = 0; i < m; i++) {
      const c = at(i);
      while (k > 0 && c !== at(k)) k = fail[k - 1];
      if (c === at(k)) k++;
      fail[i] = k;
    }
    return fail;
  }

  /** The first index >= from of needle in text, or -1. */
  function search(text, needle, from) {
    const m = needle.length, n = text.length;
    if (m > KMP_FROM) {
      const fail = failureTable(needle, false);
      for (let i = from, k = 0; i < n; i++) {
        const c = code(text, i);
        while (k > 0 && c !== code(needle, k)) k = fail[k - 1];
        if (c === code(needle, k) && ++k === m) return i - m + 1;
      }
      return -1;
    }
    const p = min(m, PREFIX), prefix = apply(slice, needle, [0, p]), width = max(WINDOW_WORK / p, 1 << 12);
    for (let start = from; start <= n - m; start += width) {
      const end = min(start + width, n - m + 1); // candidates start in [start, end)
      const window = apply(slice, text, [start, end + p - 1]);
      for (let k = apply(indexOf, window, [prefix, 0]); k !== -1; k = apply(indexOf, window, [prefix, k + 1])) {
        if (p === m || apply(startsWith, text, [needle, start + k])) return start + k;
      }
    }
    return -1;
  }

  /** The last index <= from of needle in text, or -1. */
  function searchLast(text, needle, from) {
    const m = needle.length, n = text.length;
    if (m > KMP_FROM) {
      const fail = failureTable(needle, true);
      for (let i = min(from + m - 1, n - 1), k = 0; i >= 0; i--) {
        const c = code(text, i);
        while (k > 0 && c !== code(needle, m - 1 - k)) k = fail[k - 1];
        if (c === code(needle, m - 1 - k) && ++k === m) return i;
      }
      return -1;
    }
    const p = min(m, PREFIX), prefix = apply(slice, needle, [0, p]), width = max(WINDOW_WORK / p, 1 << 12);
    for (let last = from; last >= 0; last -= width) {
      const first = max(last - width + 1, 0); // candidates start in [first, last]
      const window = apply(slice, text, [first, last + p]);
      for (let k = apply(lastIndexOf, window, [prefix, last - first]); k !== -1; k = k === 0 ? -1 : apply(lastIndexOf, window, [prefix, k - 1])) {
        if (p === m || apply(startsWith, text, [needle, first + k])) return first + k;
      }
    }
    return -1;
  }

  function toPosition(value) {
    const n = NumberCtor(value);
    return n !== n ? 0 : trunc(n);
  }

  // a needle of one character is found in linear time by the original
  const heavy = (text, needle) => needle.length > 1 && (text.length * needle.length) > HEAVY;
  const primitive = (value) => value === null || (typeof value !== 'object' && typeof value !== 'function');
  const plainArgs = (self, value) => self !== null && self !== undefined && value !== null && value !== undefined && primitive(value);

  replaceMethod(SP, 'indexOf', (original) => function (needle, position) {
    if (!plainArgs(this, needle)) return apply(original, this, arguments);
    const text = StringCtor(this), what = StringCtor(needle), from = min(max(toPosition(position), 0), text.length);
    return heavy(text, what) ? search(text, what, from) : apply(original, text, [what, from]);
  });
  replaceMethod(SP, 'includes', (original) => function (needle, position) {
    if (!plainArgs(this, needle)) return apply(original, this, arguments);
    const text = StringCtor(this), what = StringCtor(needle), from = min(max(toPosition(position), 0), text.length);
    return heavy(text, what) ? search(text, what, from) !== -1 : apply(original, text, [what, from]);
  });
  replaceMethod(SP, 'lastIndexOf', (original) => function (needle, position) {
    if (!plainArgs(this, needle)) return apply(original, this, arguments);
    const text = StringCtor(this), what = StringCtor(needle), n = NumberCtor(position);
    const from = n !== n ? text.length : min(max(trunc(n), 0), text.length);
    if (!heavy(text, what)) return apply(original, text, [what, from]);
    return what.length > text.length ? -1 : searchLast(text, what, min(from, text.length - what.length));
  });
  replaceMethod(SP, 'split', (original) => function (separator, limit) {
    if (!plainArgs(this, separator)) return apply(original, this, arguments);
    const text = StringCtor(this), what = StringCtor(separator);
    if (!heavy(text, what)) return apply(original, text, [what, limit]);
    const most = limit === undefined ? 2 ** 32 - 1 : NumberCtor(limit) >>> 0;
    const parts = [];
    if (most === 0) return parts;
    let from = 0;
    for (let at = search(text, what, 0); at !== -1 && parts.length < most; at = search(text, what, from)) {
      parts.push(apply(slice, text, [from, at]));
      from = at + what.length;
    }
    if (parts.length < most) parts.push(apply(slice, text, [from]));
    return parts;
  });

  // GetSubstitution for a match without groups: $$, $&, the text before ($ backtick) and after ($') it; anything else stays
  function substitute(template, matched, position, text) {
    let out = '';
    for (let i = 0; i < template.length; i++) {
      const c = template[i];
      if (c !== '$' || i + 1 === template.length) { out += c; continue; }
      const next = template[i + 1];
      if (next === '$') out += '$';
      else if (next === '&') out += matched;
      else if (next === '${"`"}') out += apply(slice, text, [0, position]);
      else if (next === "'") out += apply(slice, text, [position + matched.length]);
      else { out += c; continue; }
      i++;
    }
    return out;
  }

  for (const name of ['replace', 'replaceAll']) {
    replaceMethod(SP, name, (original) => function (needle, replacement) {
      if (!plainArgs(this, needle)) return apply(original, this, arguments);
      const text = StringCtor(this), what = StringCtor(needle);
      if (!heavy(text, what)) return apply(original, text, [what, replacement]);
      const call = typeof replacement === 'function';
      const template = call ? '' : StringCtor(replacement);
      let out = '', from = 0;
      for (let at = search(text, what, 0); at !== -1; at = name === 'replaceAll' ? search(text, what, from) : -1) {
        out += apply(slice, text, [from, at]) + (call ? StringCtor(replacement(what, at, text)) : substitute(template, what, at, text));
        from = at + what.length;
      }
      return out + apply(slice, text, [from]);
    });
  }
})`;

export const PRELUDE_CHUNKS = {
  base: String.raw`(function (P) {
  'use strict';
  const { apply, PromiseResolve, PromiseCtor } = P;
  return {
    /** A promise fulfilled with v (the answer of a host call that did not have to wait). */
    resolved(v) {
      return apply(PromiseResolve, PromiseCtor, [v]);
    },
    /** Defines a global whose value is converted from the host on first use. */
    lazyGlobal(name, load) {
      // A language built-in (JSON) stays: the runtime declares globals for every engine.
      if (P.apply(P.ObjectProto.hasOwnProperty, P.globalObject, [name])) return;
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

  call: String.raw`(function (P, binary) {
  'use strict';
  const { isArray, getProto, keys, values, ObjectProto, ArrayProto, stringify, parse, isFinite, apply, PromiseCtor, PromiseResolve, create, defineProperty, bind, FunctionCall } = P;
  // Promise.resolve bound to %Promise%: a call without Reflect.apply and its argument array (per async host call)
  const resolved = apply(bind, PromiseResolve, [PromiseCtor]);

  // Plain JSON data (what JSON.stringify then JSON.parse gives back unchanged). No cycle check:
  // a cycle passes the depth cap and is refused, and the host's slow path names it.
  function pure(v, depth) {
    if (depth > 64) return false;
    if (isArray(v)) {
      if (getProto(v) !== ArrayProto) return false;
      const n = v.length;
      if (keys(v).length !== n) return false;
      for (let i = 0; i < n; i++) if (!pureItem(v[i], depth)) return false;
      return true;
    }
    const p = getProto(v);
    if (p !== ObjectProto && p !== null) return false;
    const ks = keys(v);
    for (let i = 0; i < ks.length; i++) if (!pureItem(v[ks[i]], depth)) return false;
    return true;
  }
  function pureItem(x, depth) {
    switch (typeof x) {
      case 'string': case 'boolean': return true;
      case 'number': return isFinite(x);
      case 'object': return x === null || pure(x, depth + 1);
      default: return false;
    }
  }

  /**
   * Whether the engine's binary writer (JS_WriteObject) may be given v: plain objects and
   * arrays all the way down, none of them an array longer than its items. The writer loops
   * over an array's length in C without consulting the interrupt handler (a.length = 2 ** 32 - 1
   * would hold the engine for minutes), so such an array takes the host's slow path, which
   * the time and memory limits stop. The leaves are not checked here: the writer refuses what
   * it cannot write (a getter, a Proxy, a function) and the host's reader what is not plain
   * data (a Date, a shared object), and either way the host reads the value the slow way;
   * the rest (NaN, undefined) reads as the slow way reads it. Cheaper than pure(): one call
   * per object, none per leaf.
   */
  function writable(v, depth) {
    if (depth > 64) return false;
    if (isArray(v)) {
      if (getProto(v) !== ArrayProto) return false;
      const n = v.length;
      if (n > 256 && keys(v).length !== n) return false;
      for (let i = 0; i < n; i++) {
        const x = v[i];
        if (typeof x === 'object' && x !== null && !writable(x, depth + 1)) return false;
      }
      return true;
    }
    const p = getProto(v);
    if (p !== ObjectProto && p !== null) return false;
    const xs = values(v);
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i];
      if (typeof x === 'object' && x !== null && !writable(x, depth + 1)) return false;
    }
    return true;
  }

  /** writable() of a call's own arguments array (made by the call: a short, ordinary array). */
  function writableArgs(args) {
    for (let i = 0; i < args.length; i++) {
      const x = args[i];
      if (typeof x === 'object' && x !== null && !writable(x, 1)) return false;
    }
    return true;
  }

  // Host calls still waiting, by id: settled by the host through settle().
  const waiting = create(null);

  /**
   * A promise for host call id that notes when the script first handles it. Whatever handles
   * a promise reads its constructor first (await, then, catch, finally, Promise.all/race/
   * resolve, as the spec's PromiseResolve and SpeciesConstructor do): an own getter on the
   * promise sees that and answers %Promise%, so await still takes its one-job path.
   */
  function pending(id) {
    let record;
    const promise = new PromiseCtor((resolve, reject) => { record = { resolve, reject, observed: false }; });
    defineProperty(promise, 'constructor', {
      get() { record.observed = true; return PromiseCtor; },
      configurable: true,
    });
    waiting[id] = record;
    return promise;
  }

  /**
   * The script-side face of a host function. Arguments cross as one value passed as the
   * host function's this (with no arguments): the arguments array itself when the host reads
   * it in binary (binary; when the writer may be given it, see writable()), else one JSON
   * text of plain data; anything else as they are (then there is at least one). The host answers a JSON text for plain data (a string always
   * comes as JSON), a value as it is, or (asynchronous functions) a number: the id of a
   * host call still running.
   */
  function call(raw, withThis, args) {
    if (binary) return writableArgs(args) ? withThis(args) : apply(raw, undefined, args);
    return pure(args, 0) ? withThis(stringify(args)) : apply(raw, undefined, args);
  }

  /** raw called with its one value as this and no arguments (Function.prototype.call bound to raw: no argument array made). */
  const callWithThis = (raw) => apply(bind, FunctionCall, [raw]);

  return {
    wrapSync(raw, name) {
      const withThis = callWithThis(raw);
      const fn = { [name](...args) {
        const r = call(raw, withThis, args);
        return typeof r === 'string' ? parse(r) : r;
      } }[name];
      return fn;
    },
    wrapAsync(raw, name) {
      const withThis = callWithThis(raw);
      const fn = { [name](...args) {
        const r = call(raw, withThis, args);
        switch (typeof r) {
          case 'string': return resolved(parse(r));
          case 'number': return pending(r);
          default: return resolved(r);
        }
      } }[name];
      return fn;
    },
    /** A promise for the host call with this id (a synchronous host function that returned a promise). */
    pending,
    /**
     * Settles host call id (code = id * 4 + how): how 0 rejects with payload, 1 fulfils with
     * the data in JSON text payload, 2 with payload itself. A rejection answers whether the
     * script already handled the promise; otherwise the record stays for observed(id).
     */
    settle(code, payload) {
      const how = code % 4, id = (code - how) / 4;
      const record = waiting[id];
      if (record === undefined) return true;
      if (how === 0) {
        record.reject(payload);
        if (!record.observed) return false;
      } else {
        record.resolve(how === 1 ? parse(payload) : payload);
      }
      delete waiting[id];
      return true;
    },
    /** Whether the script handled rejected host call id by now; forgets it. */
    observed(id) {
      const record = waiting[id];
      delete waiting[id];
      return record === undefined || record.observed;
    },
  };
})`,

  data: String.raw`(function (P) {
  'use strict';
  const {
    isArray, getProto, keys, ObjectProto, ArrayProto, stringify, isFinite, ReflectGet, ErrorCtor, PromiseCtor, ProxyCtor, DateCtor,
    apply, MapCtor, MapForEach, SetCtor, SetForEach, isView, DataViewCtor, FunctionToString, WeakSetCtor, WeakSetAdd, WeakSetHas,
  } = P;
  // Kinds returned by wire() when the value is not plain JSON data.
  const KIND_NULL = 0, KIND_ARRAY = 1, KIND_OBJECT = 2, KIND_ERROR = 3, KIND_PROMISE = 4, KIND_DATE = 5;
  const KIND_MAP = 6, KIND_SET = 7, KIND_TYPED = 8, KIND_REFUSED = 9;
  // Objects the host made whose prototype is not Object.prototype (proxy() below): still plain objects to the host.
  const hostObjects = new WeakSetCtor();

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
    const p = getProto(v);
    if (p === ObjectProto || p === null || apply(WeakSetHas, hostObjects, [v])) return KIND_OBJECT;
    if (v instanceof MapCtor) return KIND_MAP;
    if (v instanceof SetCtor) return KIND_SET;
    if (isView(v) && !(v instanceof DataViewCtor)) return KIND_TYPED;
    // a class instance, a RegExp, a WeakMap, an ArrayBuffer and so on: its own fields alone would be a silent loss
    return KIND_REFUSED;
  }

  /** What v is, for the host's refusal: "a RegExp" for a built-in, "an instance of class P" for the script's own. */
  function describe(v) {
    try {
      const p = getProto(v);
      const ctor = p === null ? undefined : p.constructor;
      const name = typeof ctor === 'function' && typeof ctor.name === 'string' ? ctor.name : '';
      if (name === '' || ctor === ObjectProto.constructor) return 'an object whose prototype is not Object.prototype';
      const native = apply(FunctionToString, ctor, []).indexOf('[native code]') >= 0;
      return native ? ('AEIOU'.indexOf(name[0]) >= 0 ? 'an ' : 'a ') + name : 'an instance of class ' + name;
    } catch (e) {
      return 'an object whose prototype is not Object.prototype';
    }
  }

  // Made on the first error only: successful runs pay nothing.
  let errorProto;
  function makeErrorProto() {
    const StringCtor = P.StringCtor, SP = StringCtor.prototype;
    const proto = P.create(ObjectProto);
    const define = (key, fn) => P.defineProperty(proto, key, { value: fn, writable: true, configurable: true, enumerable: false });
    function message() { return StringCtor(this.message); }
    define('toString', message);
    define('valueOf', message);
    define(P.toPrimitiveSymbol, message);
    // Looked up on String.prototype at each call, so the guarded versions (GUARDS_SOURCE) run.
    const names = ['at', 'charAt', 'charCodeAt', 'codePointAt', 'concat', 'endsWith', 'includes', 'indexOf',
      'lastIndexOf', 'localeCompare', 'match', 'matchAll', 'normalize', 'padEnd', 'padStart', 'repeat', 'replace',
      'replaceAll', 'search', 'slice', 'split', 'startsWith', 'substring', 'substr', 'toLowerCase', 'toUpperCase',
      'toLocaleLowerCase', 'toLocaleUpperCase', 'trim', 'trimStart', 'trimEnd'];
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      if (typeof SP[name] !== 'function') continue;
      const forward = function () { return apply(SP[name], StringCtor(this.message), arguments); };
      P.defineProperty(forward, 'name', { value: name });
      define(name, forward);
    }
    return proto;
  }

  return {
    /** JSON text when v is plain data, else a kind number (see KIND_*). */
    wire(v) {
      if (pure(v, 0, [])) return stringify(v);
      return kindOf(v);
    },
    parse: P.parse,
    /** A plain copy the host can walk with index reads only: items (arrays, Sets, typed arrays), or [key, value, ...] (objects, Maps). */
    entries(v, kind) {
      const out = [];
      if (kind === KIND_MAP) {
        apply(MapForEach, v, [(item, key) => { out.push(key, item); }]);
        return out;
      }
      if (kind === KIND_SET) {
        apply(SetForEach, v, [(item) => { out.push(item); }]);
        return out;
      }
      if (isArray(v) || kind === KIND_TYPED) {
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
    describe,
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
    /**
     * target with unknown keys asked of the host. The Proxy sits behind target as its
     * prototype, so target's own keys (Tool.invoke, Tool.list) are plain property reads and
     * only a key target lacks reaches the traps.
     */
    proxy(target, fallback) {
      const lookup = new ProxyCtor(P.create(P.ObjectProto), {
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
      P.setProto(target, lookup);
      apply(WeakSetAdd, hostObjects, [target]);
      return target;
    },
    /**
     * An error record the host marked (a tool's soft failure, a failed workflow's error):
     * still its own fields (JSON, key loops, back to the host), and its message wherever it is
     * used as text ('failed: ' + e, e.match(re), e.includes(s)), as reference scripts use it.
     */
    scriptError(target) {
      P.setProto(target, errorProto || (errorProto = makeErrorProto()));
      apply(WeakSetAdd, hostObjects, [target]);
      return target;
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
  resolved: 'base',
  wrapSync: 'call',
  wrapAsync: 'call',
  pending: 'call',
  settle: 'call',
  observed: 'call',
  wire: 'data',
  parse: 'data',
  entries: 'data',
  dateString: 'data',
  describe: 'data',
  proxy: 'data',
  scriptError: 'data',
  asyncIterable: 'data',
  describeError: 'text',
  makeConsole: 'text',
} as const satisfies Record<string, PreludeChunk>;

export type Helper = keyof typeof HELPER_CHUNKS;

/** What `wire()` returns for values that are not plain JSON data. */
export const WireKind = { Null: 0, Array: 1, Object: 2, Error: 3, Promise: 4, Date: 5, Map: 6, Set: 7, Typed: 8, Refused: 9 } as const;
