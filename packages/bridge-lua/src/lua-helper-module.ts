// One small WebAssembly module that calls the Lua module's C API directly: the table writer's
// and the table reader's functions (lua-table-writer.ts, lua-table-reader.ts), compiled once and
// instantiated once per Lua module (each compiled module costs a start its own code space).
import type { LuaModule } from './lua-module.js';

export function leb(value: number): number[] {
  const out: number[] = [];
  let rest = value >>> 0;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest) byte |= 0x80;
    out.push(byte);
  } while (rest);
  return out;
}

export function signedLeb(value: number): number[] {
  const out: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    if ((rest === 0 && !(byte & 0x40)) || (rest === -1 && byte & 0x40)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

export const name = (text: string): number[] => [...leb(text.length), ...Buffer.from(text, 'ascii')];
export const vector = (items: number[][]): number[] => [...leb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];

/** Where a part's imports, functions and globals are in the module its parts make. */
export interface PartIndices {
  /** `call` of the part's import `i`. */
  imported(i: number): number[];
  /** `call` of the part's own function `k`. */
  own(k: number): number[];
  /** The module index of the part's global `g`. */
  global(g: number): number;
}

/** One part of the helper module: its imports (Lua exports, by field), types, globals, functions and exports. */
export interface HelperPart {
  /** [field, index into `types`] */
  imports: readonly (readonly [string, number])[];
  types: readonly (readonly [readonly number[], readonly number[]])[];
  /** Mutable i32 globals, each starting at 0. */
  globals: number;
  /** Each function: its type (index into `types`) and its body (locals and code, `end` included). */
  functions: readonly { type: number; body(at: PartIndices): number[] }[];
  /** [export name, index of the part's own function] */
  exports: readonly (readonly [string, number])[];
}

const I32 = 0x7f;

/** The module of all `parts`: imports first (in part order), then the functions, each part's indices shifted. */
function assemble(parts: readonly HelperPart[]): Uint8Array {
  const importCount = parts.reduce((n, part) => n + part.imports.length, 0);
  const types: number[][] = [];
  const imports: number[][] = [];
  const functions: number[][] = [];
  const bodies: number[][] = [];
  const exports: number[][] = [];
  let globals = 0;
  let functionBase = importCount;
  let importBase = 0;
  for (const part of parts) {
    const typeBase = types.length;
    const globalBase = globals;
    for (const [params, results] of part.types) types.push([0x60, ...vector(params.map((t) => [t])), ...vector(results.map((t) => [t]))]);
    for (const [field, type] of part.imports) imports.push([...name('e'), ...name(field), 0x00, ...leb(typeBase + type)]);
    const ownBase = functionBase;
    const at: PartIndices = {
      imported: (i) => [0x10, ...leb(importBase + i)],
      own: (k) => [0x10, ...leb(ownBase + k)],
      global: (g) => globalBase + g,
    };
    for (const fn of part.functions) {
      functions.push(leb(typeBase + fn.type));
      const body = fn.body(at);
      bodies.push([...leb(body.length), ...body]);
    }
    for (const [exported, k] of part.exports) exports.push([...name(exported), 0x00, ...leb(ownBase + k)]);
    globals += part.globals;
    importBase += part.imports.length;
    functionBase += part.functions.length;
  }
  const mutableI32 = [I32, 0x01, 0x41, 0x00, 0x0b];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(2, vector([...imports, [...name('e'), ...name('m'), 0x02, 0x00, 0x00]])),
    ...section(3, vector(functions)),
    ...section(6, vector(Array.from({ length: globals }, () => mutableI32))),
    ...section(7, vector(exports)),
    ...section(10, vector(bodies)),
  ]);
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The helper module of `parts`: compiled once, instantiated once per Lua module. */
export class LuaHelperModule<Exports> {
  private compiled?: object;
  private readonly linked = new WeakMap<object, Exports | null>();

  constructor(private readonly parts: readonly HelperPart[]) {}

  /** The helpers' exports bound to `m`, or null when the module's raw exports are not at hand or do not fit. */
  exportsFor(m: LuaModule): Exports | null {
    const exports = m.rawExports;
    if (!exports) return null;
    let linked = this.linked.get(exports);
    if (linked !== undefined) return linked;
    try {
      this.compiled ??= new wasm.Module(assemble(this.parts));
      const imports: Record<string, unknown> = { m: exports.memory };
      for (const part of this.parts) for (const [field] of part.imports) imports[field] = exports[field];
      linked = new wasm.Instance(this.compiled, { e: imports }).exports as Exports;
    } catch {
      // a build of the module whose C API differs (a LinkError): the JavaScript path stays
      linked = null;
    }
    this.linked.set(exports, linked);
    return linked;
  }
}
