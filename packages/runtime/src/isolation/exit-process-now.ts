import { createRequire } from 'node:module';

/**
 * A tiny WASI program: `_start` calls `proc_exit(code)`. Node's WASI (with `returnOnExit:
 * false`) implements proc_exit with the C library's `exit()`, which ends the process without
 * the shutdown step that joins worker threads.
 */
function exitProgram(code: number): Uint8Array {
  const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
  const module = ascii('wasi_snapshot_preview1');
  const name = ascii('proc_exit');
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x08, 0x02, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x00, // types: (i32)->(), ()->()
    0x02, 0x24, 0x01, module.length, ...module, name.length, ...name, 0x00, 0x00, // import proc_exit
    0x03, 0x02, 0x01, 0x01, // one function of type ()->()
    0x05, 0x03, 0x01, 0x00, 0x01, // one page of memory
    0x07, 0x13, 0x02, 0x06, ...ascii('memory'), 0x02, 0x00, 0x06, ...ascii('_start'), 0x00, 0x01, // exports
    0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, code & 0x3f, 0x10, 0x00, 0x0b, // _start: proc_exit(code)
  ]);
}

interface WasiInstance {
  getImportObject(): object;
  start(instance: object): number;
}
type WasiModule = { WASI: new (options: { version: string; returnOnExit: boolean }) => WasiInstance };
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => object;
}

/**
 * Ends the process now with `code` (0-63), without waiting for worker threads. Node's own
 * exit joins every worker thread, so a thread stuck in native code (a SQLite query that never
 * ends, say) would hold `process.exit` forever. Use it only when `stuckHostCount() > 0`:
 * nothing after it runs (no 'exit' listeners, no pending writes on asynchronous streams).
 */
export function exitProcessNow(code: number): never {
  const emitWarning = process.emitWarning;
  let wasi: WasiModule;
  try {
    process.emitWarning = () => undefined; // "WASI is an experimental feature" is not for our users
    wasi = createRequire(import.meta.url)('node:wasi') as WasiModule;
  } finally {
    process.emitWarning = emitWarning;
  }
  const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const runner = new wasi.WASI({ version: 'preview1', returnOnExit: false });
  const instance = new Wasm.Instance(new Wasm.Module(exitProgram(code)), runner.getImportObject());
  runner.start(instance);
  process.exit(code); // not reached where WASI exits; the ordinary exit elsewhere
}
