import os from 'node:os';

const MIB = 1024 * 1024;

/** A script's memory limit when neither the caller nor the config names one (64 MiB). */
export const DEFAULT_SCRIPT_MEMORY_BYTES = 64 * MIB;

/** What the host side needs before any script value exists: runtime, tools, SDKs, a margin. */
export const HOST_BASE_HEAP_MB = 256;
/**
 * Host-side bytes per byte of script memory. A script can hand the host values as big as its
 * own heap; a string crossing from Lua or QuickJS becomes a JS string (twice the bytes when
 * it is not Latin-1), and a tool may hold a copy or two of what it was given.
 */
export const HOST_HEAP_PER_SCRIPT_BYTE = 4;

/**
 * The V8 old-generation cap (MiB) of an isolated script host:
 *
 *   heapMb = 256 + 4 × ceil(memoryBytes / MiB), at most 3/4 of the machine's memory (at least 256).
 *
 * The script engines keep their own heaps in WASM memory, outside this cap, bounded by
 * `memoryBytes` themselves; this cap bounds what the host side allocates for the script
 * (tool inputs and outputs, a jq query's intermediate values).
 */
export function hostHeapMb(memoryBytes: number): number {
  const wanted = HOST_BASE_HEAP_MB + HOST_HEAP_PER_SCRIPT_BYTE * Math.ceil(Math.max(0, memoryBytes) / MIB);
  const ceiling = Math.max(HOST_BASE_HEAP_MB, Math.floor((os.totalmem() * 0.75) / MIB));
  return Math.min(wanted, ceiling);
}
