// Prefix sets with masklen ranges, compiled to one hash map per entry length: a lookup masks the route to each
// length present in the set (a handful for kube-router's sets) instead of scanning the entries.
import type { PrefixKey } from '../rib/prefix.js';
import { familyBits, keyFamily, keyLength, keyTruncate, parsePrefix } from '../rib/prefix.js';
import { RibError } from '../rib/errors.js';
import type { PrefixSetEntry } from './types.js';

interface LengthBucket {
  readonly length: number;
  /** Masked entry key → [min, max] pairs (flattened). */
  readonly ranges: Map<PrefixKey, number[]>;
}

export class CompiledPrefixSet {
  private readonly v4: LengthBucket[] = [];
  private readonly v6: LengthBucket[] = [];
  readonly size: number;

  constructor(
    readonly name: string,
    entries: readonly PrefixSetEntry[],
  ) {
    for (const e of entries) {
      const key = parsePrefix(e.prefix);
      const len = keyLength(key);
      const bits = familyBits(keyFamily(key));
      const min = e.masklenMin ?? len;
      const max = e.masklenMax ?? (e.masklenMin !== undefined ? bits : len);
      if (min < len || max < min || max > bits) {
        throw new RibError(`prefix set ${name}: bad masklen range ${min}..${max} for ${e.prefix}`);
      }
      const buckets = typeof key === 'number' ? this.v4 : this.v6;
      let b = buckets.find((x) => x.length === len);
      if (b === undefined) {
        b = { length: len, ranges: new Map() };
        buckets.push(b);
        buckets.sort((x, y) => x.length - y.length);
      }
      const r = b.ranges.get(key);
      if (r === undefined) b.ranges.set(key, [min, max]);
      else r.push(min, max);
    }
    this.size = entries.length;
  }

  matches(key: PrefixKey): boolean {
    const len = keyLength(key);
    const buckets = typeof key === 'number' ? this.v4 : this.v6;
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i]!;
      if (b.length > len) break;
      const r = b.ranges.get(b.length === len ? key : keyTruncate(key, b.length));
      if (r === undefined) continue;
      for (let j = 0; j < r.length; j += 2) if (len >= r[j]! && len <= r[j + 1]!) return true;
    }
    return false;
  }
}
