// Small WebAssembly modules that call the Lua module's C API directly (lua-table-writer.ts, lua-table-reader.ts).
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
export const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/**
 * A helper module whose imports are the Lua module's exports named `fields` (module `e`, in
 * that order) and its memory (`e.m`): compiled once, instantiated once per Lua module.
 */
export class LuaHelperModule<Exports> {
  private compiled?: object;
  private readonly linked = new WeakMap<object, Exports | null>();

  constructor(private readonly bytes: () => Uint8Array, private readonly fields: readonly string[]) {}

  /** The helper's exports bound to `m`, or null when the module's raw exports are not at hand or do not fit. */
  exportsFor(m: LuaModule): Exports | null {
    const exports = m.rawExports;
    if (!exports) return null;
    let linked = this.linked.get(exports);
    if (linked !== undefined) return linked;
    try {
      this.compiled ??= new wasm.Module(this.bytes());
      const imports: Record<string, unknown> = { m: exports.memory };
      for (const field of this.fields) imports[field] = exports[field];
      linked = new wasm.Instance(this.compiled, { e: imports }).exports as Exports;
    } catch {
      // a build of the module whose C API differs (a LinkError): the JavaScript path stays
      linked = null;
    }
    this.linked.set(exports, linked);
    return linked;
  }
}
