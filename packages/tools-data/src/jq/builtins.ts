import { arrayBytes, type Budget, stringBytes } from './budget.js';
import { jsonPreview } from './json-size.js';
import { jsonTooDeepAt, MAX_JSON_DEPTH } from '../json-text.js';
import type { Node } from './parse.js';
import {
  type Json, type Path, Env, JqError, typeName, truthy, describe, compare, equal, add, indexValue, indices, iterate, contains, length, keysOf, tostring, toJson, getPath, setPath, deletePaths, toEntries, fromEntries, flatten, toNumber, regex, matches, captureObject, implode, addAll, toNumStrict, strOf, arrOf,
} from './values.js';

/** What the builtins need of the interpreter: evaluating their arguments and walking paths. */
export interface JqEvaluator {
  readonly budget: Budget;
  run(node: Node, input: Json, env: Env): Json[];
  ev(node: Node, input: Json, env: Env, emit: (v: Json) => void): void;
  paths(node: Node, input: Json, env: Env, base: Path, emit: (p: Path, v: Json) => void): void;
  firstOf(node: Node, input: Json, env: Env): { found: boolean; value?: Json };
  recurseAll(v: Json, emit: (v: Json) => void): void;
}

/** Runs jq's builtin `name/arity` (the user's definitions were looked up first). */
export function callBuiltin(interp: JqEvaluator, name: string, args: Node[], input: Json, env: Env, emit: (v: Json) => void): void {
  const arity = `${name}/${args.length}`;
  const one = (f: (v: Json) => Json) => emit(f(input));
  const withArg = (i: number, f: (a: Json) => void) => interp.ev(args[i], input, env, f);
  switch (arity) {
    case 'empty/0': return;
    case 'not/0': return one((v) => !truthy(v));
    case 'length/0': return one(length);
    case 'utf8bytelength/0':
      if (typeof input !== 'string') throw new JqError(`${describe(input)} only strings have UTF-8 byte length`);
      return one((v) => Buffer.byteLength(v as string, 'utf8'));
    case 'keys/0': return one((v) => keysOf(v, true));
    case 'keys_unsorted/0': return one((v) => keysOf(v, false));
    case 'values/0': if (input !== null) emit(input); return;
    case 'has/1':
      return withArg(0, (k) => {
        if (typeName(input) === 'object' && typeof k === 'string') emit(Object.prototype.hasOwnProperty.call(input, k));
        else if (Array.isArray(input) && typeof k === 'number') emit(k >= 0 && k < input.length);
        else throw new JqError(`Cannot check whether ${typeName(input)} has a ${typeName(k)} key`);
      });
    case 'in/1':
      return withArg(0, (o) => {
        if (typeName(o) === 'object' && typeof input === 'string') emit(Object.prototype.hasOwnProperty.call(o, input));
        else if (Array.isArray(o) && typeof input === 'number') emit(input >= 0 && input < o.length);
        else throw new JqError(`Cannot check whether ${typeName(o)} has a ${typeName(input)} key`);
      });
    case 'contains/1': return withArg(0, (b) => emit(contains(input, b)));
    case 'inside/1': return withArg(0, (b) => emit(contains(b, input)));
    case 'select/1': return withArg(0, (c) => { if (truthy(c)) emit(input); });
    case 'map/1': {
      const arr = iterate(input, false);
      const out: Json[] = [];
      for (const x of arr) interp.ev(args[0], x, env, (v) => out.push(v));
      emit(out);
      return;
    }
    case 'map_values/1': {
      if (Array.isArray(input)) {
        const out: Json[] = [];
        for (const x of input) { const r = interp.run(args[0], x, env); if (r.length) out.push(r[0]); }
        emit(out);
      } else if (typeName(input) === 'object') {
        const out: Record<string, Json> = {};
        for (const [k, x] of Object.entries(input as object)) { const r = interp.run(args[0], x, env); if (r.length) out[k] = r[0]; }
        emit(out);
      } else throw new JqError(`Cannot iterate over ${describe(input)}`);
      return;
    }
    case 'add/0': {
      const arr = iterate(input, false);
      interp.budget.tick(arr.length);
      emit(addAll(arr));
      return;
    }
    case 'add/1': {
      let acc: Json = null;
      interp.ev(args[0], input, env, (x) => { acc = add(acc, x); });
      emit(acc);
      return;
    }
    case 'any/0': return one((v) => iterate(v, false).some(truthy));
    case 'all/0': return one((v) => iterate(v, false).every(truthy));
    case 'any/1': return one((v) => iterate(v, false).some((x) => interp.run(args[0], x, env).some(truthy)));
    case 'all/1': return one((v) => iterate(v, false).every((x) => interp.run(args[0], x, env).every(truthy)));
    case 'any/2': return emit(interp.run(args[0], input, env).some((x) => interp.run(args[1], x, env).some(truthy)));
    case 'all/2': return emit(interp.run(args[0], input, env).every((x) => interp.run(args[1], x, env).every(truthy)));
    case 'range/1': return withArg(0, (n) => { for (let i = 0; i < toNumber(n); i++) { interp.budget.tick(); emit(i); } });
    case 'range/2':
      return withArg(0, (a) => withArg(1, (b) => { for (let i = toNumber(a); i < toNumber(b); i++) { interp.budget.tick(); emit(i); } }));
    case 'range/3':
      return withArg(0, (a) => withArg(1, (b) => withArg(2, (s) => {
        const st = toNumber(s);
        if (st > 0) for (let i = toNumber(a); i < toNumber(b); i += st) { interp.budget.tick(); emit(i); }
        else if (st < 0) for (let i = toNumber(a); i > toNumber(b); i += st) { interp.budget.tick(); emit(i); }
      })));
    case 'floor/0': return one((v) => Math.floor(toNumStrict(v, 'floor')));
    case 'ceil/0': return one((v) => Math.ceil(toNumStrict(v, 'ceil')));
    case 'round/0': return one((v) => Math.round(toNumStrict(v, 'round')));
    case 'fabs/0': case 'abs/0': return one((v) => Math.abs(toNumStrict(v, 'abs')));
    case 'sqrt/0': return one((v) => Math.sqrt(toNumStrict(v, 'sqrt')));
    case 'log/0': return one((v) => Math.log(toNumStrict(v, 'log')));
    case 'log10/0': return one((v) => Math.log10(toNumStrict(v, 'log10')));
    case 'log2/0': return one((v) => Math.log2(toNumStrict(v, 'log2')));
    case 'exp/0': return one((v) => Math.exp(toNumStrict(v, 'exp')));
    case 'exp10/0': return one((v) => 10 ** toNumStrict(v, 'exp10'));
    case 'pow/2': return withArg(0, (a) => withArg(1, (b) => emit(Math.pow(toNumStrict(a, 'pow'), toNumStrict(b, 'pow')))));
    case 'log/1': return withArg(0, (b) => emit(Math.log(toNumStrict(input, 'log')) / Math.log(toNumStrict(b, 'log'))));
    case 'infinite/0': return emit(Number.MAX_VALUE);
    case 'nan/0': return emit(NaN);
    case 'isnan/0': return one((v) => typeof v === 'number' && Number.isNaN(v));
    case 'isinfinite/0': return one((v) => typeof v === 'number' && !Number.isFinite(v) && !Number.isNaN(v));
    case 'isnormal/0': return one((v) => typeof v === 'number' && Number.isFinite(v) && v !== 0);
    case 'tostring/0': return one(tostring);
    case 'tonumber/0': return one(toNumber);
    case 'type/0': return one(typeName);
    case 'tojson/0': return one(toJson);
    case 'fromjson/0':
      return one((v) => {
        if (typeof v === 'string' && jsonTooDeepAt(v) >= 0) throw new JqError(`${describe(v)} cannot be parsed as JSON: nested deeper than ${MAX_JSON_DEPTH} levels`);
        try { return JSON.parse(v as string); } catch (e) { throw new JqError(`${describe(v)} cannot be parsed as JSON: ${(e as Error).message}`); }
      });
    case 'ascii_downcase/0': return one((v) => strOf(v, 'ascii_downcase').replace(/[A-Z]/g, (c) => c.toLowerCase()));
    case 'ascii_upcase/0': return one((v) => strOf(v, 'ascii_upcase').replace(/[a-z]/g, (c) => c.toUpperCase()));
    case 'ltrimstr/1': return withArg(0, (s) => emit(typeof input === 'string' && typeof s === 'string' && input.startsWith(s) ? input.slice(s.length) : input));
    case 'rtrimstr/1':
      return withArg(0, (s) => emit(typeof input === 'string' && typeof s === 'string' && s.length > 0 && input.endsWith(s) ? input.slice(0, -s.length) : input));
    case 'trim/0': return one((v) => strOf(v, 'trim').trim());
    case 'ltrim/0': return one((v) => strOf(v, 'ltrim').trimStart());
    case 'rtrim/0': return one((v) => strOf(v, 'rtrim').trimEnd());
    case 'startswith/1': return withArg(0, (s) => { if (typeof input !== 'string' || typeof s !== 'string') throw new JqError('startswith() requires string inputs'); emit(input.startsWith(s)); });
    case 'endswith/1': return withArg(0, (s) => { if (typeof input !== 'string' || typeof s !== 'string') throw new JqError('endswith() requires string inputs'); emit(input.endsWith(s)); });
    case 'split/1': return withArg(0, (s) => { if (typeof input !== 'string' || typeof s !== 'string') throw new JqError('split input and separator must be strings'); emit(input === '' ? [] : input.split(s)); });
    case 'split/2': return withArg(0, (re) => withArg(1, (fl) => emit(regex(re, fl).rx.split(strOf(input, 'split')))));
    case 'join/1':
      return withArg(0, (sep) => {
        const arr = iterate(input, false);
        interp.budget.tick(arr.length);
        let total = tostring(sep).length * arr.length;
        for (const x of arr) if (typeof x === 'string') total += x.length;
        interp.budget.allocate(total, 'a string');
        emit(arr.map((x) => {
          if (x === null) return '';
          if (typeof x === 'object') throw new JqError(`Cannot join with ${typeName(x)}`);
          return String(x);
        }).join(tostring(sep)));
      });
    case 'explode/0': return one((v) => {
      const s = strOf(v, 'explode');
      interp.budget.allocate(arrayBytes(s.length), 'an array');
      interp.budget.tick(s.length);
      return Array.from(s, (c) => c.codePointAt(0)!);
    });
    case 'implode/0': return one((v) => implode(iterate(v, false)));
    case 'ascii/0': return one((v) => String.fromCharCode(v as number));
    case 'test/1': return withArg(0, (re) => emit(matches(input, re, null).length > 0));
    case 'test/2': return withArg(0, (re) => withArg(1, (fl) => emit(matches(input, re, fl).length > 0)));
    case 'match/1': return withArg(0, (re) => { for (const m of matches(input, re, null)) emit(m); });
    case 'match/2': return withArg(0, (re) => withArg(1, (fl) => { for (const m of matches(input, re, fl)) emit(m); }));
    case 'capture/1': return withArg(0, (re) => { for (const m of matches(input, re, null)) emit(captureObject(m)); });
    case 'capture/2': return withArg(0, (re) => withArg(1, (fl) => { for (const m of matches(input, re, fl)) emit(captureObject(m)); }));
    case 'scan/1': case 'scan/2':
      return withArg(0, (re) => {
        const fl = args[1] ? interp.run(args[1], input, env)[0] : null;
        for (const m of matches(input, re, fl, true)) {
          const caps = m.captures as Array<{ string: Json }>;
          emit(caps.length ? caps.map((c) => c.string) : m.string);
        }
      });
    case 'splits/1': case 'splits/2':
      return withArg(0, (re) => {
        const fl = args[1] ? interp.run(args[1], input, env)[0] : null;
        for (const s of regex(re, fl).rx.split(strOf(input, 'splits'))) emit(s);
      });
    case 'sub/2': case 'sub/3': case 'gsub/2': case 'gsub/3': {
      const s = strOf(input, name);
      return withArg(0, (re) => {
        const fl = args[2] ? interp.run(args[2], input, env)[0] : null;
        const all = matches(s, re, fl, name === 'gsub');
        let out = '';
        let last = 0;
        for (const m of all) {
          const rep = interp.run(args[1], captureObject(m), env)[0];
          const offset = m.offset as number;
          const piece = s.slice(last, offset) + tostring(rep);
          interp.budget.allocate(stringBytes(out) + stringBytes(piece), 'a string');
          out += piece;
          last = offset + (m.string as string).length;
        }
        emit(out + s.slice(last));
      });
    }
    case 'sort/0': return one((v) => { const arr = arrOf(v, 'sort'); interp.budget.tick(arr.length); return [...arr].sort(compare); });
    case 'sort_by/1': {
      const arr = arrOf(input, 'sort_by');
      interp.budget.tick(arr.length);
      const keyed = arr.map((x) => ({ x, k: interp.run(args[0], x, env) }));
      keyed.sort((a, b) => compare(a.k, b.k));
      emit(keyed.map((e) => e.x));
      return;
    }
    case 'group_by/1': {
      const arr = arrOf(input, 'group_by');
      interp.budget.tick(arr.length);
      const keyed = arr.map((x) => ({ x, k: interp.run(args[0], x, env) })).sort((a, b) => compare(a.k, b.k));
      const groups: Json[][] = [];
      let prev: Json[] | undefined;
      for (const e of keyed) {
        if (prev && equal(prev, e.k)) groups[groups.length - 1].push(e.x);
        else groups.push([e.x]);
        prev = e.k;
      }
      emit(groups);
      return;
    }
    case 'unique/0': {
      const arr = arrOf(input, 'unique');
      interp.budget.tick(arr.length);
      const sorted = [...arr].sort(compare);
      emit(sorted.filter((x, i) => i === 0 || !equal(x, sorted[i - 1])));
      return;
    }
    case 'unique_by/1': {
      const keyed = arrOf(input, 'unique_by').map((x) => ({ x, k: interp.run(args[0], x, env) })).sort((a, b) => compare(a.k, b.k));
      emit(keyed.filter((e, i) => i === 0 || !equal(e.k, keyed[i - 1].k)).map((e) => e.x));
      return;
    }
    case 'min/0': case 'max/0': {
      const arr = arrOf(input, name);
      if (arr.length === 0) return emit(null);
      emit(arr.reduce((a, b) => (name === 'min' ? (compare(b, a) < 0 ? b : a) : (compare(b, a) >= 0 ? b : a))));
      return;
    }
    case 'min_by/1': case 'max_by/1': {
      const arr = arrOf(input, name);
      if (arr.length === 0) return emit(null);
      const keyed = arr.map((x) => ({ x, k: interp.run(args[0], x, env) }));
      emit(keyed.reduce((a, b) => (name === 'min_by' ? (compare(b.k, a.k) < 0 ? b : a) : (compare(b.k, a.k) >= 0 ? b : a))).x);
      return;
    }
    case 'reverse/0':
      return one((v) => (v === null ? [] : typeof v === 'string' ? [...v].reverse().join('') : [...arrOf(v, 'reverse')].reverse()));
    case 'flatten/0': return one((v) => flatten(v, 1e9));
    case 'flatten/1': return withArg(0, (d) => emit(flatten(input, toNumber(d))));
    case 'to_entries/0': return one(toEntries);
    case 'from_entries/0': return one(fromEntries);
    case 'with_entries/1': {
      const entries = toEntries(input) as Json[];
      const out: Json[] = [];
      for (const e of entries) interp.ev(args[0], e, env, (v) => out.push(v));
      emit(fromEntries(out));
      return;
    }
    case 'first/0': return one((v) => indexValue(v, 0, false)[0]);
    case 'last/0': return one((v) => indexValue(v, -1, false)[0]);
    case 'nth/1': return withArg(0, (n) => emit(indexValue(input, n, false)[0]));
    case 'first/1': {
      const out = interp.firstOf(args[0], input, env);
      if (out.found) emit(out.value);
      return;
    }
    case 'last/1': {
      const all = interp.run(args[0], input, env);
      if (all.length) emit(all[all.length - 1]);
      return;
    }
    case 'nth/2': return withArg(0, (n) => { const all = interp.run(args[1], input, env); const i = toNumber(n); if (i < 0) throw new JqError("Out of bounds negative array index"); if (i < all.length) emit(all[i]); });
    case 'limit/2':
      return withArg(0, (n) => {
        const max = toNumber(n);
        if (max <= 0) return;
        let count = 0;
        const STOP = {};
        try {
          interp.ev(args[1], input, env, (v) => { emit(v); count++; if (count >= max) throw STOP; });
        } catch (e) { if (e !== STOP) throw e; }
      });
    case 'isempty/1': return emit(!interp.firstOf(args[0], input, env).found);
    case 'until/2': {
      let cur = input;
      for (;;) {
        interp.budget.tick();
        if (truthy(interp.run(args[0], cur, env)[0])) break;
        cur = interp.run(args[1], cur, env)[0];
      }
      emit(cur);
      return;
    }
    case 'while/2': {
      let cur = input;
      while (truthy(interp.run(args[0], cur, env)[0])) { interp.budget.tick(); emit(cur); cur = interp.run(args[1], cur, env)[0]; }
      return;
    }
    case 'repeat/1': {
      const go = (v: Json): void => { emit(v); interp.ev(args[0], v, env, go); };
      go(input);
      return;
    }
    case 'recurse/0': interp.recurseAll(input, emit); return;
    case 'recurse/1': { const go = (v: Json): void => { emit(v); interp.ev(args[0], v, env, go); }; go(input); return; }
    case 'recurse/2': {
      const go = (v: Json): void => { emit(v); interp.ev(args[0], v, env, (n) => { if (truthy(interp.run(args[1], n, env)[0])) go(n); }); };
      go(input);
      return;
    }
    case 'walk/1': {
      const w = (v: Json): Json => {
        let inner = v;
        if (Array.isArray(v)) inner = v.map(w);
        else if (typeName(v) === 'object') inner = Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, w(x)]));
        const r = interp.run(args[0], inner, env);
        return r.length ? r[0] : null;
      };
      emit(w(input));
      return;
    }
    case 'transpose/0': {
      const rows = arrOf(input, 'transpose') as Json[][];
      let n = 0;
      for (const r of rows) if (Array.isArray(r) && r.length > n) n = r.length;
      interp.budget.allocate(arrayBytes(n * rows.length), 'an array');
      interp.budget.tick(n * rows.length);
      emit(Array.from({ length: n }, (_, i) => rows.map((r) => r[i] ?? null)));
      return;
    }
    case 'indices/1': return withArg(0, (x) => emit(indices(input, x)));
    case 'index/1': return withArg(0, (x) => { const r = indices(input, x) as number[] | null; emit(r && r.length ? r[0] : null); });
    case 'rindex/1': return withArg(0, (x) => { const r = indices(input, x) as number[] | null; emit(r && r.length ? r[r.length - 1] : null); });
    case 'path/1': { const out: Json[] = []; interp.paths(args[0], input, env, [], (p) => out.push(p)); for (const p of out) emit(p); return; }
    case 'paths/0': {
      interp.paths({ t: 'recurse' }, input, env, [], (p) => { if (p.length) emit(p); });
      return;
    }
    case 'paths/1': {
      interp.paths({ t: 'recurse' }, input, env, [], (p, v) => { if (p.length && interp.run(args[0], v, env).some(truthy)) emit(p); });
      return;
    }
    case 'leaf_paths/0': {
      // jq: paths(scalars), and paths(f) keeps a path only when f's output is truthy, so null/false leaves drop out.
      interp.paths({ t: 'recurse' }, input, env, [], (p, v) => { if (p.length && v !== null && v !== false && typeof v !== 'object') emit(p); });
      return;
    }
    case 'getpath/1': return withArg(0, (p) => { try { emit(getPath(input, p as Path)); } catch { emit(null); } });
    case 'setpath/2': return withArg(0, (p) => withArg(1, (v) => emit(setPath(input, p as Path, v))));
    case 'delpaths/1': return withArg(0, (ps) => emit(deletePaths(input, ps as Path[])));
    case 'del/1': {
      const ps: Path[] = [];
      interp.paths(args[0], input, env, [], (p) => ps.push(p));
      emit(deletePaths(input, ps));
      return;
    }
    case 'to_array/0': return one((v) => (Array.isArray(v) ? v : [v]));
    case 'tostream/0': {
      const walk = (p: Path, v: Json, top: boolean): void => {
        interp.budget.tick();
        if (v !== null && typeof v === 'object' && Object.keys(v).length) {
          const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
          entries.forEach(([k, x]) => walk([...p, k], x, false));
          const lastKey = entries[entries.length - 1][0];
          emit([[...p, lastKey]]);
        } else emit([p, v]);
        void top;
      };
      walk([], input, true);
      return;
    }
    case 'error/0': throw new JqError(typeof input === 'string' ? input : `${jsonPreview(input, 8192)} (not a string)`, input);
    case 'error/1': return withArg(0, (m) => { throw new JqError(typeof m === 'string' ? m : `${jsonPreview(m, 8192)} (not a string)`, m); });
    case 'debug/0': case 'debug/1': emit(input); return;
    case 'now/0': return emit(Date.now() / 1000);
    case 'todate/0': case 'todateiso8601/0': return one((v) => new Date(toNumber(v) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    case 'fromdate/0': case 'fromdateiso8601/0':
      return one((v) => { const t = Date.parse(strOf(v, 'fromdate')); if (Number.isNaN(t)) throw new JqError(`date "${v}" does not match format "%Y-%m-%dT%H:%M:%SZ"`); return Math.floor(t / 1000); });
    case 'combinations/0': {
      const arrs = arrOf(input, 'combinations') as Json[][];
      const go = (i: number, acc: Json[]): void => {
        interp.budget.tick();
        if (i === arrs.length) { emit(acc); return; }
        for (const x of arrs[i]) go(i + 1, [...acc, x]);
      };
      go(0, []);
      return;
    }
    case 'input/0': case 'inputs/0': throw new JqError(`${name} is not available: the tool evaluates one input at a time`);
    case 'env/0': case '$ENV/0': return emit({});
    case 'splits/0': break;
    case 'getpath/2': break;
    case 'objects/0': if (typeName(input) === 'object') emit(input); return;
    case 'arrays/0': if (Array.isArray(input)) emit(input); return;
    case 'strings/0': if (typeof input === 'string') emit(input); return;
    case 'numbers/0': if (typeof input === 'number') emit(input); return;
    case 'booleans/0': if (typeof input === 'boolean') emit(input); return;
    case 'nulls/0': if (input === null) emit(input); return;
    case 'iterables/0': if (input !== null && typeof input === 'object') emit(input); return;
    case 'scalars/0': if (input === null || typeof input !== 'object') emit(input); return;
    case 'halt/0': case 'halt_error/0': case 'halt_error/1': throw new JqError(`${name} is not supported`);
    case 'tojson/1': break;
    case 'ascii/1': break;
    case 'min_by/0': break;
    case 'group_by/0': break;
    case 'significand/0': return one((v) => { const n = toNumber(v); if (n === 0) return 0; const e = Math.floor(Math.log2(Math.abs(n))); return n / 2 ** e; });
    case 'trunc/0': return one((v) => Math.trunc(toNumStrict(v, 'trunc')));
    case 'getpath/0': break;
    case 'abs/1': break;
    case 'splits/3': break;
    case 'ltrimstr/0': break;
    case 'has/0': break;
    case 'pick/1': {
      const ps: Path[] = [];
      interp.paths(args[0], input, env, [], (p) => ps.push(p));
      let out: Json = null;
      for (const p of ps) out = setPath(out, p, getPath(input, p));
      emit(out);
      return;
    }
    default: break;
  }
  throw new JqError(`${arity} is not defined`);
}
