import { getHeapStatistics } from 'node:v8';
import { LlmspellError } from '@llmspell/core';

/** Evaluation limits of one jq run; json_processor derives them from its settings and input. */
export interface JqLimits {
  /** Evaluation steps (each filter application, each element a builtin walks). */
  maxSteps?: number;
  /** Largest value a query may build, and the most its outputs may add up to, in estimated bytes. */
  maxValueBytes?: number;
  deadline?: number;
  signal?: AbortSignal;
}

export const DEFAULT_MAX_STEPS = 10_000_000;
export const DEFAULT_MAX_VALUE_BYTES = 64 * 1024 * 1024;

/** Allocations this large also look at the heap (see `heapGuard`). */
const LARGE_ALLOCATION = 1024 * 1024;
/** The share of the heap limit past which a query is stopped rather than let the process die. */
const HEAP_SHARE = 0.8;

/**
 * The budget a jq evaluation spends. Steps bound the work of `range(1e12)`, `repeat`, `until`;
 * `allocate` refuses a value over `maxValueBytes` before building it (`"x" * 1e9`, doubling
 * arrays); `touch` lets long builtin loops (comparisons, flattening) see the deadline; and the heap
 * guard stops a query whose live values together approach the heap limit (deep recursion that
 * holds many large values), so the host gets a coded error instead of V8's fatal out-of-memory.
 */
export class Budget {
  steps = 0;
  private sinceCheck = 0;
  readonly maxSteps: number;
  readonly maxValueBytes: number;
  private readonly deadline: number;
  private readonly signal?: AbortSignal;

  constructor(limits: JqLimits = {}) {
    this.maxSteps = limits.maxSteps ?? DEFAULT_MAX_STEPS;
    this.maxValueBytes = limits.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.deadline = limits.deadline ?? Date.now() + 30_000;
    this.signal = limits.signal;
  }

  tick(n = 1): void {
    this.steps += n;
    if (this.steps > this.maxSteps) {
      throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `jq query exceeded ${this.maxSteps} evaluation steps ([tools.json_processor] max_steps)`);
    }
    this.touch(n);
  }

  /** Work that is not a step but takes time: checks the deadline, the cancel signal and the heap now and then. */
  touch(n = 1): void {
    this.sinceCheck += n;
    if (this.sinceCheck < 4096) return;
    this.sinceCheck = 0;
    if (Date.now() > this.deadline) throw new LlmspellError('TIMEOUT', 'jq query exceeded its time limit');
    if (this.signal?.aborted) throw new LlmspellError('CANCELLED', 'jq query cancelled');
    this.heapGuard();
  }

  /** Call before building a value of about `bytes`; `what` names it in the error. */
  allocate(bytes: number, what: string): void {
    if (bytes > this.maxValueBytes) {
      throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `jq query would build ${what} of about ${Math.round(bytes)} bytes, over the limit of ${this.maxValueBytes} ([tools.json_processor] max_output_bytes)`);
    }
    if (bytes >= LARGE_ALLOCATION) this.heapGuard(bytes);
  }

  /**
   * Reads the heap statistics only: no forced collection, which would need `--expose-gc` set
   * process-wide at run time. Garbage not yet collected counts as used, so a query may be stopped
   * a little early when the heap is full of garbage; V8 collects well before 80 % of its limit as
   * a rule, and a stop is a coded error, never a crash.
   */
  private heapGuard(upcoming = 0): void {
    const heap = getHeapStatistics();
    if (heap.used_heap_size + upcoming > heap.heap_size_limit * HEAP_SHARE) {
      throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `jq query stopped: the values it holds use ${Math.round(heap.used_heap_size / 1048576)} MiB, near the heap limit of ${Math.round(heap.heap_size_limit / 1048576)} MiB`);
    }
  }
}

/** Estimated bytes of a string value. */
export const stringBytes = (s: string): number => s.length;
/** Estimated bytes of an array's slots. */
export const arrayBytes = (length: number): number => length * 8;
/** Estimated bytes of an object's entries. */
export const objectBytes = (keys: number): number => keys * 32;
