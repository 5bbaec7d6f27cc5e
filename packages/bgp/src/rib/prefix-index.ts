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
const EMPTY_SLOT = 0;
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

/**
 * IPv4: open addressing with linear probing and backward-shift deletion. A slot holds index + 1 (0 = empty) and
 * the key is read from the per-index key array: 4 octets per slot instead of 12.
 */
export class Ipv4PrefixIndex extends RefcountedIndex<Ipv4Key> implements PrefixIndex<Ipv4Key> {
  private slots = new Int32Array(INITIAL_SLOTS);
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
    const slots = this.slots;
    for (let s = this.slotOf(key); ; s = (s + 1) & this.mask) {
      const v = slots[s]!;
      if (v === EMPTY_SLOT) return -1;
      if (this.keys[v - 1] === key) return v - 1;
    }
  }

  acquire(key: Ipv4Key): number {
    const slots = this.slots;
    let s = this.slotOf(key);
    for (; ; s = (s + 1) & this.mask) {
      const v = slots[s]!;
      if (v === EMPTY_SLOT) break;
      if (this.keys[v - 1] === key) {
        this.refs[v - 1]!++;
        return v - 1;
      }
    }
    const index = this.allocate();
    this.keys[index] = key;
    slots[s] = index + 1;
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
    const slots = this.slots;
    let s = this.slotOf(this.keys[index]!);
    while (slots[s] !== index + 1) s = (s + 1) & this.mask;
    // Backward-shift deletion keeps every remaining key reachable from its home slot without tombstones.
    for (let next = (s + 1) & this.mask; slots[next] !== EMPTY_SLOT; next = (next + 1) & this.mask) {
      const home = this.slotOf(this.keys[slots[next]! - 1]!);
      if (((s - home) & this.mask) <= ((next - home) & this.mask)) {
        slots[s] = slots[next]!;
        s = next;
      }
    }
    slots[s] = EMPTY_SLOT;
    this.used--;
  }

  private rehash(): void {
    const old = this.slots;
    const n = old.length * 2;
    this.slots = new Int32Array(n);
    this.mask = n - 1;
    this.shift--;
    for (let i = 0; i < old.length; i++) {
      const v = old[i]!;
      if (v === EMPTY_SLOT) continue;
      let s = this.slotOf(this.keys[v - 1]!);
      while (this.slots[s] !== EMPTY_SLOT) s = (s + 1) & this.mask;
      this.slots[s] = v;
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
