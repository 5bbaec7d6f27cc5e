// Neighbour sets: peer addresses or CIDRs. The answer per peer address is cached; peers are few.
import { keyLength, parsePrefix } from '../rib/prefix.js';
import type { PrefixKey } from '../rib/prefix.js';
import { CompiledPrefixSet } from './prefix-set.js';

export class CompiledNeighborSet {
  private readonly set: CompiledPrefixSet;
  private readonly cache = new Map<string, boolean>();
  readonly size: number;

  constructor(
    readonly name: string,
    entries: readonly string[],
  ) {
    // A neighbour entry covers every host address inside it: masklen range len..host length.
    this.set = new CompiledPrefixSet(
      name,
      entries.map((e) => {
        const key: PrefixKey = parsePrefix(e);
        return { prefix: e, masklenMin: keyLength(key) };
      }),
    );
    this.size = entries.length;
  }

  matches(address: string): boolean {
    let m = this.cache.get(address);
    if (m === undefined) {
      m = address !== '' && this.set.matches(parsePrefix(address));
      this.cache.set(address, m);
    }
    return m;
  }
}
