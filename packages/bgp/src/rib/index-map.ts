// A map from prefix index to a value, for Adj-RIB-In and Adj-RIB-Out. Small tables use a Map; once a table holds a
// good share of all indices of its family it switches to a plain array indexed by prefix index: 8 octets per slot
// instead of ~40 per Map entry, and no rehashing as a full table arrives.

/** Below this many entries a Map is always used. */
const DENSE_MIN_ENTRIES = 4096;
/** Go dense when at least 1 in DENSE_DENSITY slots of the array would be used. */
const DENSE_DENSITY = 4;

export class IndexMap<V> {
  private map: Map<number, V> | null = new Map();
  private dense: Array<V | undefined> | null = null;
  /** Highest key ever set while in Map mode (an upper bound: deletions do not lower it). */
  private maxKey = 0;
  size = 0;

  get(i: number): V | undefined {
    return this.dense !== null ? this.dense[i] : this.map!.get(i);
  }

  has(i: number): boolean {
    return this.get(i) !== undefined;
  }

  set(i: number, v: V): void {
    const d = this.dense;
    if (d !== null) {
      while (d.length <= i) d.push(undefined);
      if (d[i] === undefined) this.size++;
      d[i] = v;
      return;
    }
    const m = this.map!;
    const before = m.size;
    m.set(i, v);
    if (m.size !== before) {
      this.size++;
      if (i > this.maxKey) this.maxKey = i;
      if (this.size >= DENSE_MIN_ENTRIES && this.size * DENSE_DENSITY >= this.maxKey) this.densify();
    }
  }

  delete(i: number): boolean {
    const d = this.dense;
    if (d !== null) {
      if (i >= d.length || d[i] === undefined) return false;
      d[i] = undefined;
      this.size--;
      return true;
    }
    if (!this.map!.delete(i)) return false;
    this.size--;
    return true;
  }

  clear(): void {
    this.map = new Map();
    this.dense = null;
    this.size = 0;
    this.maxKey = 0;
  }

  /** Visits every entry; fn may delete the current entry. */
  forEach(fn: (v: V, i: number) => void): void {
    const d = this.dense;
    if (d !== null) {
      for (let i = 0; i < d.length; i++) {
        const v = d[i];
        if (v !== undefined) fn(v, i);
      }
      return;
    }
    this.map!.forEach(fn);
  }

  keys(): number[] {
    const out: number[] = [];
    this.forEach((_v, i) => out.push(i));
    return out;
  }

  private densify(): void {
    const d: Array<V | undefined> = [];
    for (let i = 0; i <= this.maxKey; i++) d.push(undefined);
    for (const [k, v] of this.map!) d[k] = v;
    this.dense = d;
    this.map = null;
  }
}
