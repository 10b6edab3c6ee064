import { arrayBytes, type Budget, stringBytes } from './budget.js';
import type { Node, Pattern } from './parse.js';
import { callBuiltin, type JqEvaluator } from './builtins.js';
import {
  type Json, type Path, type Closure, type FnDef, Env, JqError, typeName, truthy, describe, binop, indexValue, sliceValue, iterate, tostring, getPath, setPath, deletePaths, format, safeIndex,
} from './values.js';

/** Carries an error raised downstream of a `try` body's output past that `try`. */
class Passthrough {
  constructor(readonly inner: unknown, readonly token: object) {}
}

/** Evaluates a parsed jq program; builtins live in builtins.ts, values and their operations in values.ts. */
export class Interpreter implements JqEvaluator {
  constructor(readonly budget: Budget) {}

  run(node: Node, input: Json, env: Env): Json[] {
    const out: Json[] = [];
    this.ev(node, input, env, (v) => {
      out.push(v);
      if ((out.length & 0x3fff) === 0) this.budget.allocate(arrayBytes(out.length), 'an array');
    });
    return out;
  }

  /** Calls `emit` for each output; generators stream so `first(range(1e9))`-style use stays cheap-ish. */
  ev(node: Node, input: Json, env: Env, emit: (v: Json) => void): void {
    this.budget.tick();
    switch (node.t) {
      case 'identity': emit(input); return;
      case 'recurse': this.recurseAll(input, emit); return;
      case 'literal': emit(node.value); return;
      case 'field':
        this.ev(node.target, input, env, (v) => {
          for (const x of safeIndex(v, node.name, node.opt)) emit(x);
        });
        return;
      case 'index':
        this.ev(node.target, input, env, (v) => {
          this.ev(node.index, input, env, (k) => {
            for (const x of safeIndex(v, k, node.opt)) emit(x);
          });
        });
        return;
      case 'slice':
        this.ev(node.target, input, env, (v) => {
          const tos = node.to ? this.run(node.to, input, env) : [null];
          const froms = node.from ? this.run(node.from, input, env) : [null];
          for (const t of tos) for (const f of froms) {
            let r: Json[];
            try { r = [sliceValue(v, f, t)]; } catch (e) { if (!node.opt || !(e instanceof JqError)) throw e; r = []; }
            for (const x of r) emit(x);
          }
        });
        return;
      case 'iterate':
        this.ev(node.target, input, env, (v) => { for (const x of iterate(v, node.opt)) emit(x); });
        return;
      case 'string': {
        const render = (i: number, acc: string): void => {
          if (i === node.parts.length) { emit(acc); return; }
          const p = node.parts[i];
          if (typeof p === 'string') { render(i + 1, acc + p); return; }
          this.ev(p, input, env, (v) => {
            const piece = node.format ? format(node.format, v) : tostring(v);
            this.budget.allocate(stringBytes(acc) + stringBytes(piece), 'a string');
            render(i + 1, acc + piece);
          });
        };
        render(0, '');
        return;
      }
      case 'format': emit(format(node.name, input)); return;
      case 'array': emit(node.body ? this.run(node.body, input, env) : []); return;
      case 'object': {
        const build = (i: number, acc: Record<string, Json>): void => {
          if (i === node.entries.length) { emit({ ...acc }); return; }
          const e = node.entries[i];
          const withKey = (key: Json) => {
            if (typeof key !== 'string') throw new JqError(`Object keys must be strings, got ${describe(key)}`);
            const valueNode: Node | null = e.value;
            if (valueNode === null) {
              const val = e.keyVar !== undefined ? env.getVar(e.keyVar) : indexValue(input, key, false)[0];
              build(i + 1, { ...acc, [key]: val });
            } else this.ev(valueNode, input, env, (val) => build(i + 1, { ...acc, [key]: val }));
          };
          if (typeof e.key === 'string') withKey(e.key);
          else this.ev(e.key, input, env, withKey);
        };
        build(0, {});
        return;
      }
      case 'pipe': this.ev(node.left, input, env, (v) => this.ev(node.right, v, env, emit)); return;
      case 'comma': this.ev(node.left, input, env, emit); this.ev(node.right, input, env, emit); return;
      case 'binop':
        this.ev(node.right, input, env, (b) => this.ev(node.left, input, env, (a) => emit(binop(node.op, a, b))));
        return;
      case 'and':
        this.ev(node.left, input, env, (a) => {
          if (!truthy(a)) { emit(false); return; }
          this.ev(node.right, input, env, (b) => emit(truthy(b)));
        });
        return;
      case 'or':
        this.ev(node.left, input, env, (a) => {
          if (truthy(a)) { emit(true); return; }
          this.ev(node.right, input, env, (b) => emit(truthy(b)));
        });
        return;
      case 'alt': {
        const good: Json[] = [];
        try {
          this.ev(node.left, input, env, (v) => { if (truthy(v)) good.push(v); });
        } catch (e) {
          if (!(e instanceof JqError)) throw e;
        }
        if (good.length) for (const v of good) emit(v);
        else this.ev(node.right, input, env, emit);
        return;
      }
      case 'neg':
        this.ev(node.body, input, env, (v) => {
          if (typeof v !== 'number') throw new JqError(`${describe(v)} cannot be negated`);
          emit(-v);
        });
        return;
      case 'var':
        if (node.name === '__loc__') { emit({ file: '<query>', line: 1 }); return; }
        emit(env.getVar(node.name));
        return;
      case 'as':
        this.ev(node.source, input, env, (v) => this.ev(node.body, input, this.bind(node.names, v, input, env), emit));
        return;
      case 'if': {
        const branches: Array<[Node, Node]> = [[node.cond, node.then], ...node.elifs];
        const go = (i: number): void => {
          if (i === branches.length) {
            if (node.else) this.ev(node.else, input, env, emit); else emit(input);
            return;
          }
          this.ev(branches[i][0], input, env, (c) => {
            if (truthy(c)) this.ev(branches[i][1], input, env, emit);
            else go(i + 1);
          });
        };
        go(0);
        return;
      }
      case 'try': {
        // Outputs before an error are kept; the error itself is swallowed or handled.
        // Errors raised downstream of an output are not this try's to catch.
        const token = {};
        try {
          this.ev(node.body, input, env, (v) => {
            try { emit(v); } catch (e) { throw new Passthrough(e, token); }
          });
        } catch (e) {
          if (e instanceof Passthrough && e.token === token) throw e.inner;
          if (!(e instanceof JqError)) throw e;
          if (node.catch) this.ev(node.catch, e.value, env, emit);
        }
        return;
      }
      case 'reduce': {
        let accs = this.run(node.init, input, env);
        this.ev(node.source, input, env, (item) => {
          const next: Json[] = [];
          const e2 = this.bind(node.name, item, input, env);
          for (const acc of accs) this.ev(node.update, acc, e2, (v) => next.push(v));
          accs = next.length ? [next[next.length - 1]] : [];
        });
        for (const a of accs) emit(a);
        return;
      }
      case 'foreach': {
        for (const init of this.run(node.init, input, env)) {
          let acc: Json = init;
          this.ev(node.source, input, env, (item) => {
            const e2 = this.bind(node.name, item, input, env);
            this.ev(node.update, acc, e2, (v) => {
              acc = v;
              if (node.extract) this.ev(node.extract, v, e2, emit); else emit(v);
            });
          });
        }
        return;
      }
      case 'assign': this.assign(node, input, env, emit); return;
      case 'def': {
        const fns = new Map<string, FnDef>();
        const e2 = new Env(env, new Map(), fns);
        fns.set(`${node.name}/${node.params.length}`, { params: node.params, body: node.body, env: e2, name: node.name });
        this.ev(node.rest, input, e2, emit);
        return;
      }
      case 'call': this.call(node.name, node.args, input, env, emit); return;
    }
  }

  recurseAll(v: Json, emit: (v: Json) => void): void {
    this.budget.tick();
    emit(v);
    if (Array.isArray(v)) for (const x of v) this.recurseAll(x, emit);
    else if (typeName(v) === 'object') for (const x of Object.values(v as object)) this.recurseAll(x, emit);
  }

  private bind(pattern: Pattern, value: Json, input: Json, env: Env): Env {
    const vars = new Map<string, Json>();
    const walk = (p: Pattern, v: Json) => {
      if (p.p === 'var') { vars.set(p.name, v); return; }
      if (p.p === 'array') {
        if (v !== null && !Array.isArray(v)) throw new JqError(`Cannot index ${typeName(v)} with number`);
        p.items.forEach((item, i) => walk(item, v === null ? null : (v as Json[])[i] ?? null));
        return;
      }
      for (const e of p.entries) {
        const key = typeof e.key === 'string' ? e.key : this.run(e.key, input, new Env(env, vars))[0];
        const sub = indexValue(v, key, false)[0];
        if (e.keyVar) vars.set(e.keyVar, sub);
        if (e.value) walk(e.value, sub);
      }
    };
    walk(pattern, value);
    return new Env(env, vars);
  }

  /** The paths `node` denotes in `input` (for del, path, |=, = …). */
  paths(node: Node, input: Json, env: Env, base: Path, emit: (p: Path, v: Json) => void): void {
    this.budget.tick();
    switch (node.t) {
      case 'identity': emit(base, input); return;
      case 'recurse': {
        const walk = (p: Path, v: Json) => {
          this.budget.tick();
          emit(p, v);
          if (Array.isArray(v)) v.forEach((x, i) => walk([...p, i], x));
          else if (typeName(v) === 'object') for (const [k, x] of Object.entries(v as object)) walk([...p, k], x);
        };
        walk(base, input);
        return;
      }
      case 'field':
        this.paths(node.target, input, env, base, (p, v) => {
          try { for (const x of indexValue(v, node.name, false)) emit([...p, node.name], x); }
          catch (e) { if (!node.opt || !(e instanceof JqError)) throw e; }
        });
        return;
      case 'index':
        this.paths(node.target, input, env, base, (p, v) => {
          this.ev(node.index, input, env, (k) => {
            try {
              for (const x of indexValue(v, k, false)) {
                if (typeName(k) === 'object') emit([...p, { start: (k as { start?: number }).start ?? null, end: (k as { end?: number }).end ?? null }], x);
                else emit([...p, k as string | number], x);
              }
            } catch (e) { if (!node.opt || !(e instanceof JqError)) throw e; }
          });
        });
        return;
      case 'slice':
        this.paths(node.target, input, env, base, (p, v) => {
          const from = node.from ? this.run(node.from, input, env)[0] : null;
          const to = node.to ? this.run(node.to, input, env)[0] : null;
          emit([...p, { start: from as number | null, end: to as number | null }], sliceValue(v, from, to));
        });
        return;
      case 'iterate':
        this.paths(node.target, input, env, base, (p, v) => {
          if (Array.isArray(v)) v.forEach((x, i) => emit([...p, i], x));
          else if (typeName(v) === 'object') for (const [k, x] of Object.entries(v as object)) emit([...p, k], x);
          else if (v === null) return;
          else if (!node.opt) throw new JqError(`Cannot iterate over ${describe(v)}`);
        });
        return;
      case 'pipe': this.paths(node.left, input, env, base, (p, v) => this.paths(node.right, v, env, p, emit)); return;
      case 'comma': this.paths(node.left, input, env, base, emit); this.paths(node.right, input, env, base, emit); return;
      case 'if': {
        const branches: Array<[Node, Node]> = [[node.cond, node.then], ...node.elifs];
        const go = (i: number): void => {
          if (i === branches.length) {
            if (node.else) this.paths(node.else, input, env, base, emit); else emit(base, input);
            return;
          }
          this.ev(branches[i][0], input, env, (c) => (truthy(c) ? this.paths(branches[i][1], input, env, base, emit) : go(i + 1)));
        };
        go(0);
        return;
      }
      case 'alt': {
        let any = false;
        try { this.paths(node.left, input, env, base, (p, v) => { if (truthy(v)) { any = true; emit(p, v); } }); }
        catch (e) { if (!(e instanceof JqError)) throw e; }
        if (!any) this.paths(node.right, input, env, base, emit);
        return;
      }
      case 'try':
        try { this.paths(node.body, input, env, base, emit); } catch (e) { if (!(e instanceof JqError)) throw e; }
        return;
      case 'as':
        this.ev(node.source, input, env, (v) => this.paths(node.body, input, this.bind(node.names, v, input, env), base, emit));
        return;
      case 'literal':
        if (node.value === null) { emit(base, null); return; }
        break;
      case 'reduce': {
        let accs: Array<[Path, Json]> = [];
        this.paths(node.init, input, env, base, (p, v) => accs.push([p, v]));
        this.ev(node.source, input, env, (item) => {
          const e2 = this.bind(node.name, item, input, env);
          const next: Array<[Path, Json]> = [];
          for (const [p, v] of accs) this.paths(node.update, v, e2, p, (p2, v2) => next.push([p2, v2]));
          accs = next.length ? [next[next.length - 1]] : [];
        });
        for (const [p, v] of accs) emit(p, v);
        return;
      }
      case 'def': {
        const fns = new Map<string, FnDef>();
        const e2 = new Env(env, new Map(), fns);
        fns.set(`${node.name}/${node.params.length}`, { params: node.params, body: node.body, env: e2, name: node.name });
        this.paths(node.rest, input, e2, base, emit);
        return;
      }
      case 'call': {
        const { name, args } = node;
        const user = env.getFn(`${name}/${args.length}`);
        if (user && 'params' in user) {
          this.paths(user.body, input, this.bindArgs(user, args, input, env), base, emit);
          return;
        }
        if (user && !('params' in user)) { this.paths(user.node, input, user.env, base, emit); return; }
        if (name === 'empty' && args.length === 0) return;
        if (name === 'select' && args.length === 1) {
          this.ev(args[0], input, env, (c) => { if (truthy(c)) emit(base, input); });
          return;
        }
        if ((name === 'recurse' && args.length <= 1)) {
          const f = args[0] ?? ({ t: 'iterate', target: { t: 'identity' }, opt: true } as Node);
          const walk = (p: Path, v: Json) => { emit(p, v); this.paths(f, v, env, p, walk); };
          walk(base, input);
          return;
        }
        if (name === 'first' && args.length === 0) { emit([...base, 0], indexValue(input, 0, false)[0]); return; }
        if (name === 'last' && args.length === 0) { emit([...base, -1], indexValue(input, -1, false)[0]); return; }
        if (name === 'getpath' && args.length === 1) {
          this.ev(args[0], input, env, (p) => emit([...base, ...(p as Path)], getPath(input, p as Path)));
          return;
        }
        if ((name === 'first' || name === 'last' || name === 'limit') ) {
          const all: Array<[Path, Json]> = [];
          const f = args[args.length - 1];
          this.paths(f, input, env, base, (p, v) => all.push([p, v]));
          const pick = name === 'first' ? all.slice(0, 1) : name === 'last' ? all.slice(-1) : all.slice(0, Math.max(0, Number(this.run(args[0], input, env)[0])));
          for (const [p, v] of pick) emit(p, v);
          return;
        }
        if (name === 'paths' || name === 'to_entries' || name === 'map' || name === 'map_values') break;
        break;
      }
      default:
        break;
    }
    throw new JqError(`Invalid path expression with result ${describe(this.run(node, input, env)[0] ?? null)}`);
  }

  private assign(node: Extract<Node, { t: 'assign' }>, input: Json, env: Env, emit: (v: Json) => void): void {
    const collect = (): Path[] => {
      const ps: Path[] = [];
      this.paths(node.left, input, env, [], (p) => ps.push(p));
      return ps;
    };
    if (node.op === '|=') {
      let out = input;
      for (const p of collect()) {
        const results = this.run(node.right, getPath(out, p), env);
        out = results.length === 0 ? deletePaths(out, [p]) : setPath(out, p, results[0]);
      }
      emit(out);
      return;
    }
    if (node.op === '=') {
      this.ev(node.right, input, env, (val) => {
        let out = input;
        for (const p of collect()) out = setPath(out, p, val);
        emit(out);
      });
      return;
    }
    const op = node.op.slice(0, -1);
    this.ev(node.right, input, env, (val) => {
      let out = input;
      for (const p of collect()) {
        const cur = getPath(out, p);
        out = setPath(out, p, op === '//' ? (truthy(cur) ? cur : val) : binop(op, cur, val));
      }
      emit(out);
    });
  }

  private bindArgs(fn: FnDef, args: Node[], input: Json, callerEnv: Env): Env {
    // jq binds the callee's own name for recursion; params that are `$x` are values (one per output; we take the cartesian product lazily by only supporting the first value per $param).
    const fns = new Map<string, FnDef | Closure>();
    const vars = new Map<string, Json>();
    fn.params.forEach((p, i) => {
      if (p.startsWith('$')) {
        const v = this.run(args[i], input, callerEnv);
        vars.set(p.slice(1), v[0] ?? null);
        fns.set(`${p.slice(1)}/0`, { node: { t: 'literal', value: v[0] ?? null }, env: callerEnv });
      } else fns.set(`${p}/0`, { node: args[i], env: callerEnv });
    });
    return new Env(fn.env, vars, fns);
  }

  private call(name: string, args: Node[], input: Json, env: Env, emit: (v: Json) => void): void {
    const user = env.getFn(`${name}/${args.length}`);
    if (user) {
      if ('params' in user) {
        // Value parameters with several outputs run the body once per combination.
        const valueIdx = user.params.map((p, i) => (p.startsWith('$') ? i : -1)).filter((i) => i >= 0);
        if (valueIdx.some((i) => this.run(args[i], input, env).length !== 1)) {
          const combos = (k: number, fixed: Node[]): void => {
            if (k === valueIdx.length) { this.ev(user.body, input, this.bindArgs(user, fixed, input, env), emit); return; }
            for (const v of this.run(args[valueIdx[k]], input, env)) {
              const next = [...fixed];
              next[valueIdx[k]] = { t: 'literal', value: v };
              combos(k + 1, next);
            }
          };
          combos(0, [...args]);
          return;
        }
        this.ev(user.body, input, this.bindArgs(user, args, input, env), emit);
      } else this.ev(user.node, input, user.env, emit);
      return;
    }
    callBuiltin(this, name, args, input, env, emit);
  }

  firstOf(node: Node, input: Json, env: Env): { found: boolean; value?: Json } {
    const STOP = {};
    let value: Json;
    let found = false;
    try {
      this.ev(node, input, env, (v) => { value = v; found = true; throw STOP; });
    } catch (e) { if (e !== STOP) throw e; }
    return found ? { found, value } : { found };
  }
}
