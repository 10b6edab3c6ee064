/**
 * Column statistics gathered one value at a time, so `analyze` keeps per column only what its
 * answer needs: the numbers (for the median), at most 20 value counts, five samples, and the
 * distinct values up to a budget, after which the distinct count is a HyperLogLog estimate.
 */

export type ColumnType = 'empty' | 'integer' | 'float' | 'boolean' | 'date' | 'string';

const INT = /^[+-]?\d+$/;
// Unambiguous digits (`\d+(?:\.\d*)?`, not `\d+\.?\d*`): a long run of digits cannot backtrack.
export const FLOAT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOL = /^(?:true|false|yes|no)$/i;
const TRUE = /^(?:true|yes)$/i;
const DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$|^\d{1,2}\/\d{1,2}\/\d{4}$/;
const NULL_WORD = /^(?:null|na|n\/a|nan|none)$/i;

export function isNull(v: string | undefined): boolean {
  if (v === undefined) return true;
  const t = v.trim();
  return t === '' || (t.length <= 4 && NULL_WORD.test(t));
}

export function valueType(v: string): ColumnType {
  const t = v.trim();
  if (INT.test(t)) return 'integer';
  if (FLOAT.test(t)) return 'float';
  if (BOOL.test(t)) return 'boolean';
  if (DATE.test(t) && !Number.isNaN(Date.parse(t))) return 'date';
  return 'string';
}

/** The type a set of seen value types makes: one type, numbers mixed → float, else string. */
export function typeOfSeen(seen: Set<ColumnType>): ColumnType {
  if (seen.size === 0) return 'empty';
  if (seen.size === 1) return [...seen][0];
  if ([...seen].every((t) => t === 'integer' || t === 'float')) return 'float';
  return 'string';
}

/** Infers a column's type one value at a time. */
export class TypeTracker {
  readonly seen = new Set<ColumnType>();
  add(v: string): void {
    if (!isNull(v)) this.seen.add(valueType(v));
  }
  get type(): ColumnType {
    return typeOfSeen(this.seen);
  }
}

export function typedValue(v: string, type: ColumnType): unknown {
  if (isNull(v)) return null;
  switch (type) {
    case 'integer':
    case 'float': return Number(v.trim());
    case 'boolean': return TRUE.test(v.trim());
    default: return v;
  }
}

/** 32-bit FNV-1a over UTF-16 code units, with a final avalanche so the top bits mix well. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const HLL_BITS = 14;
const HLL_REGISTERS = 1 << HLL_BITS;

/** HyperLogLog (2^14 registers, about 0.8 % standard error) for distinct counts past the exact budget. */
class HyperLogLog {
  private readonly registers = new Uint8Array(HLL_REGISTERS);
  add(value: string): void {
    const h = hash32(value);
    const index = h >>> (32 - HLL_BITS);
    const rest = (h << HLL_BITS) >>> 0;
    const rank = rest === 0 ? 32 - HLL_BITS + 1 : Math.clz32(rest) + 1;
    if (rank > this.registers[index]) this.registers[index] = rank;
  }
  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (const r of this.registers) {
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const m = HLL_REGISTERS;
    const raw = (0.7213 / (1 + 1.079 / m)) * m * m / sum;
    if (raw <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
    const two32 = 2 ** 32;
    if (raw > two32 / 30) return Math.round(-two32 * Math.log(1 - raw / two32));
    return Math.round(raw);
  }
}

/** Exact distinct values up to `limit`, then an estimate. */
export class DistinctCounter {
  private exact: Set<string> | null = new Set();
  private sketch: HyperLogLog | null = null;
  constructor(private readonly limit: number) {}
  add(value: string): void {
    if (this.exact) {
      this.exact.add(value);
      if (this.exact.size <= this.limit) return;
      this.sketch = new HyperLogLog();
      for (const v of this.exact) this.sketch.add(v);
      this.exact = null;
      return;
    }
    this.sketch!.add(value);
  }
  get count(): number {
    return this.exact ? this.exact.size : this.sketch!.estimate();
  }
  get estimated(): boolean {
    return this.exact === null;
  }
}

/** A growable list of numbers in a typed array: 8 bytes a value, no boxing. */
class NumberList {
  private data = new Float64Array(1024);
  length = 0;
  push(n: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = n;
  }
  sorted(): Float64Array {
    return this.data.subarray(0, this.length).sort();
  }
}

const MAX_VALUE_COUNTS = 20;

export class ColumnProfile {
  private readonly types = new TypeTracker();
  private nulls = 0;
  private present = 0;
  private readonly distinct: DistinctCounter;
  /** Counts per value while there are at most 20 distinct values. */
  private counts: Map<string, number> | null = new Map();
  private readonly samples: string[] = [];
  private readonly sampleSet = new Set<string>();
  /** Numbers for min/max/mean/median; dropped once a non-number shows the column is not numeric. */
  private numbers: NumberList | null = new NumberList();
  private minText: string | undefined;
  private maxText: string | undefined;
  private minLength = Infinity;
  private maxLength = -Infinity;
  private trues = 0;

  constructor(readonly name: string, distinctLimit: number) {
    this.distinct = new DistinctCounter(distinctLimit);
  }

  add(v: string): void {
    if (isNull(v)) {
      this.nulls++;
      return;
    }
    this.present++;
    const type = valueType(v);
    this.types.seen.add(type);
    this.distinct.add(v);
    if (this.counts) {
      this.counts.set(v, (this.counts.get(v) ?? 0) + 1);
      if (this.counts.size > MAX_VALUE_COUNTS) this.counts = null;
    }
    if (this.samples.length < 5 && !this.sampleSet.has(v)) {
      this.samples.push(v);
      this.sampleSet.add(v);
    }
    if (this.numbers) {
      if (type === 'integer' || type === 'float') this.numbers.push(Number(v.trim()));
      else this.numbers = null;
    }
    if (this.minText === undefined || v < this.minText) this.minText = v;
    if (this.maxText === undefined || v > this.maxText) this.maxText = v;
    if (v.length < this.minLength) this.minLength = v.length;
    if (v.length > this.maxLength) this.maxLength = v.length;
    if (type === 'boolean' && TRUE.test(v.trim())) this.trues++;
  }

  get type(): ColumnType {
    return this.types.type;
  }

  result(): Record<string, unknown> {
    const type = this.type;
    const col: Record<string, unknown> = {
      name: this.name,
      type,
      null_count: this.nulls,
      non_null_count: this.present,
      unique_count: this.distinct.count,
    };
    if (this.distinct.estimated) col.unique_count_estimated = true;
    if ((type === 'integer' || type === 'float') && this.numbers) {
      const nums = this.numbers.sorted();
      let sum = 0;
      for (const n of nums) sum += n;
      const mean = sum / nums.length;
      const mid = Math.floor(nums.length / 2);
      col.min = nums[0];
      col.max = nums[nums.length - 1];
      col.sum = sum;
      col.mean = mean;
      col.median = nums.length % 2 ? nums[mid] : (nums[mid - 1] + nums[mid]) / 2;
      let squares = 0;
      for (const n of nums) squares += (n - mean) ** 2;
      col.std_dev = nums.length > 1 ? Math.sqrt(squares / (nums.length - 1)) : 0;
    } else if (type === 'string' || type === 'date') {
      col.min = this.minText ?? null;
      col.max = this.maxText ?? null;
      if (this.present > 0) {
        col.min_length = this.minLength;
        col.max_length = this.maxLength;
      }
    } else if (type === 'boolean') {
      col.true_count = this.trues;
      col.false_count = this.present - this.trues;
    }
    if (this.counts && !this.distinct.estimated) {
      col.value_counts = Object.fromEntries([...this.counts.entries()].sort((a, b) => b[1] - a[1]));
    }
    col.sample_values = this.samples;
    return col;
  }
}
