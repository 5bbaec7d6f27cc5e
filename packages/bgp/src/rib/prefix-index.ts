// Maps each prefix key to a small dense integer (an SMI in V8), so every RIB table can be a Map with SMI keys or an
// array indexed by it: no boxed doubles or strings per prefix. Indices are refcounted by the tables that hold the
// prefix and recycled when the last one lets go.
import type { Ipv4Key, Ipv6Key, PrefixKey } from './prefix.js';

export interface PrefixIndex<K extends PrefixKey = PrefixKey> {
  /** The index of `key`, allocating one if needed; takes one reference. */
  acquire(key: K): number;
  /** The index of `key`, or -1. Takes no reference. */
  find(key: K): number;
  /** Takes one more reference on an index already held. */
  retain(index: number): void;
  /** Drops one reference; the index is recycled when none are left. */
  release(index: number): void;
  keyOf(index: number): K;
  /** One more than the highest index ever handed out: the length dense per-index arrays need. */
  readonly bound: number;
  /** Prefixes currently referenced. */
  readonly size: number;
}

const INITIAL_SLOTS = 1024;
const EMPTY = -1;
/** Resize when more than half the slots are used: linear probing stays short. */
const MAX_LOAD_NUMERATOR = 1;
const MAX_LOAD_DENOMINATOR = 2;
const GOLDEN = 0x9e3779b1;
const TWO_POW_32 = 0x1_0000_0000;

abstract class RefcountedIndex<K extends PrefixKey> {
  protected refs = new Int32Array(INITIAL_SLOTS);
  protected free: number[] = [];
  bound = 0;
  size = 0;

  protected allocate(): number {
    const reused = this.free.pop();
    const index = reused ?? this.bound++;
    if (index >= this.refs.length) this.growPerIndex(index + 1);
    this.refs[index] = 1;
    this.size++;
    return index;
  }

  protected growPerIndex(need: number): void {
    let n = this.refs.length;
    while (n < need) n *= 2;
    const refs = new Int32Array(n);
    refs.set(this.refs);
    this.refs = refs;
    this.growKeys(n);
  }

  protected abstract growKeys(n: number): void;
  protected abstract forget(index: number): void;

  retain(index: number): void {
    this.refs[index]!++;
  }

  release(index: number): void {
    if (--this.refs[index]! === 0) {
      this.forget(index);
      this.free.push(index);
      this.size--;
    }
  }

  abstract keyOf(index: number): K;
}

/** IPv4: an open-addressing table over Float64Array keys with linear probing and backward-shift deletion. */
export class Ipv4PrefixIndex extends RefcountedIndex<Ipv4Key> implements PrefixIndex<Ipv4Key> {
  private slotKeys = new Float64Array(INITIAL_SLOTS).fill(EMPTY);
  private slotIndex = new Int32Array(INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  private shift = 32 - Math.log2(INITIAL_SLOTS);
  private used = 0;
  private keys = new Float64Array(INITIAL_SLOTS);

  private slotOf(key: number): number {
    const low = key % TWO_POW_32;
    const len = (key - low) / TWO_POW_32;
    // Fibonacci hashing takes the product's high bits: prefixes differ mostly in their high address bits.
    return Math.imul((low ^ Math.imul(len, GOLDEN)) | 0, GOLDEN) >>> this.shift;
  }

  find(key: Ipv4Key): number {
    const keys = this.slotKeys;
    for (let s = this.slotOf(key); ; s = (s + 1) & this.mask) {
      const k = keys[s]!;
      if (k === key) return this.slotIndex[s]!;
      if (k === EMPTY) return -1;
    }
  }

  acquire(key: Ipv4Key): number {
    const keys = this.slotKeys;
    let s = this.slotOf(key);
    for (; ; s = (s + 1) & this.mask) {
      const k = keys[s]!;
      if (k === key) {
        const index = this.slotIndex[s]!;
        this.refs[index]!++;
        return index;
      }
      if (k === EMPTY) break;
    }
    const index = this.allocate();
    this.keys[index] = key;
    keys[s] = key;
    this.slotIndex[s] = index;
    if (++this.used * MAX_LOAD_DENOMINATOR > (this.mask + 1) * MAX_LOAD_NUMERATOR) this.rehash();
    return index;
  }

  keyOf(index: number): Ipv4Key {
    return this.keys[index]!;
  }

  protected growKeys(n: number): void {
    const keys = new Float64Array(n);
    keys.set(this.keys);
    this.keys = keys;
  }

  protected forget(index: number): void {
    const key = this.keys[index]!;
    const keys = this.slotKeys;
    let s = this.slotOf(key);
    while (keys[s] !== key) s = (s + 1) & this.mask;
    // Backward-shift deletion keeps every remaining key reachable from its home slot without tombstones.
    for (let next = (s + 1) & this.mask; keys[next] !== EMPTY; next = (next + 1) & this.mask) {
      const home = this.slotOf(keys[next]!);
      const distNext = (next - home) & this.mask;
      const distHole = (s - home) & this.mask;
      if (distHole <= distNext) {
        keys[s] = keys[next]!;
        this.slotIndex[s] = this.slotIndex[next]!;
        s = next;
      }
    }
    keys[s] = EMPTY;
    this.used--;
  }

  private rehash(): void {
    const oldKeys = this.slotKeys;
    const oldIndex = this.slotIndex;
    const slots = oldKeys.length * 2;
    this.slotKeys = new Float64Array(slots).fill(EMPTY);
    this.slotIndex = new Int32Array(slots);
    this.mask = slots - 1;
    this.shift--;
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i]!;
      if (k === EMPTY) continue;
      let s = this.slotOf(k);
      while (this.slotKeys[s] !== EMPTY) s = (s + 1) & this.mask;
      this.slotKeys[s] = k;
      this.slotIndex[s] = oldIndex[i]!;
    }
  }
}

/** IPv6: keys are short strings already, so a Map does the hashing. */
export class Ipv6PrefixIndex extends RefcountedIndex<Ipv6Key> implements PrefixIndex<Ipv6Key> {
  private map = new Map<Ipv6Key, number>();
  private keys: Ipv6Key[] = [];

  find(key: Ipv6Key): number {
    return this.map.get(key) ?? -1;
  }

  acquire(key: Ipv6Key): number {
    const found = this.map.get(key);
    if (found !== undefined) {
      this.refs[found]!++;
      return found;
    }
    const index = this.allocate();
    while (this.keys.length <= index) this.keys.push('');
    this.keys[index] = key;
    this.map.set(key, index);
    return index;
  }

  keyOf(index: number): Ipv6Key {
    return this.keys[index]!;
  }

  protected growKeys(): void {
    // keys is a plain array grown on demand in acquire().
  }

  protected forget(index: number): void {
    this.map.delete(this.keys[index]!);
    this.keys[index] = '';
  }
}
