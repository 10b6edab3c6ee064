/** A FIFO ring buffer that grows up to its bound (no O(n) shift). */
export class BoundedQueue<T> {
  private buf: Array<T | undefined>;
  private head = 0;
  private count = 0;

  constructor(readonly max: number, initial = 16) {
    this.buf = new Array(Math.max(1, Math.min(initial, max)));
  }

  get length(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count >= this.max;
  }

  /** False when full. */
  push(item: T): boolean {
    if (this.count >= this.max) return false;
    if (this.count === this.buf.length) this.grow();
    this.buf[(this.head + this.count) % this.buf.length] = item;
    this.count += 1;
    return true;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.buf.length;
    this.count -= 1;
    return item;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.buf[this.head];
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.buf[(this.head + i) % this.buf.length] as T);
    return out;
  }

  clear(): void {
    this.buf = new Array(Math.min(16, this.max));
    this.head = 0;
    this.count = 0;
  }

  private grow(): void {
    const size = Math.min(this.max, this.buf.length * 2);
    const next = new Array<T | undefined>(size);
    for (let i = 0; i < this.count; i++) next[i] = this.buf[(this.head + i) % this.buf.length];
    this.buf = next;
    this.head = 0;
  }
}
