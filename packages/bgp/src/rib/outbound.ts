// The output side of the RIB: what each peer should be sent (export rules + export policy against its
// Adj-RIB-Out), grouped by attribute set, and the best-path change feed. Both read the Loc-RIB change log.
import type { Family } from '../wire/types.js';
import type { AttrSet, AttrTable } from './attrs.js';
import { exportAttributes, mayExport, nextHopSelf, type LocalIdentity } from './export-rules.js';
import type { LocRib } from './loc-rib.js';
import type { Path } from './path.js';
import type { PeerState } from './peer-state.js';
import type { PrefixKey } from './prefix.js';

/** The change-log reader behind drainBestPathChanges. */
export const EVENTS_READER = '\u0000best-path-events';
/** Export caches are dropped wholesale past this many entries. */
const MAX_EXPORT_CACHE = 1 << 18;

export interface AnnouncedGroup {
  readonly attrs: AttrSet;
  readonly prefixes: PrefixKey[];
}

/** What to send one peer for one family, grouped by attribute set so the packer can fill UPDATEs. */
export interface OutboundUpdate {
  readonly family: Family;
  readonly withdrawn: PrefixKey[];
  readonly announced: AnnouncedGroup[];
  /** RFC 4724 §2: this batch completes the initial table; send End-of-RIB after it. */
  readonly endOfRib: boolean;
}

export type BestPathListener = (key: PrefixKey, best: Path | undefined, ecmp: readonly Path[]) => void;

export class Outbound {
  private stamps: [Uint32Array, Uint32Array] = [new Uint32Array(0), new Uint32Array(0)];
  private generation = 0;

  constructor(
    private readonly loc: readonly [LocRib, LocRib],
    private readonly identity: LocalIdentity,
    private readonly attrs: AttrTable,
  ) {}

  /** True when collect() would produce something for this (established) peer. */
  hasPending(s: PeerState): boolean {
    return [0, 1].some((f) => s.fullSync[f] || s.scan[f] !== null || this.loc[f]!.log.pending(s.peer.address) > 0);
  }

  private stamp(f: 0 | 1): Uint32Array {
    const bound = this.loc[f].index.bound;
    if (this.stamps[f].length < bound) {
      const next = new Uint32Array(Math.max(bound, this.stamps[f].length * 2));
      next.set(this.stamps[f]);
      this.stamps[f] = next;
    }
    this.generation = (this.generation + 1) >>> 0 || 1;
    return this.stamps[f];
  }

  /**
   * The body of Rib.collect for an established peer outside deferral: the difference between what export would
   * send and the peer's Adj-RIB-Out (updated as if sent), at most `maxPrefixes` prefixes, null when empty.
   */
  collect(s: PeerState, family: Family, maxPrefixes: number): OutboundUpdate | null {
    const address = s.peer.address;
    const f = family === 'ipv4-unicast' ? 0 : 1;
    const loc = this.loc[f];
    const withdrawn: PrefixKey[] = [];
    const groups = new Map<AttrSet, PrefixKey[]>();
    const stamps = this.stamp(f);
    const gen = this.generation;
    const adjOut = s.adjOut[f];
    const index = loc.index;
    let budget = maxPrefixes;
    const visit = (idx: number): void => {
      if (stamps[idx] === gen) return;
      stamps[idx] = gen;
      const want = this.desired(s, f, idx);
      const had = adjOut.get(idx);
      if (want === had) return;
      const key = index.keyOf(idx);
      if (want === null) {
        if (had === undefined) return;
        adjOut.delete(idx);
        index.release(idx);
        withdrawn.push(key);
        budget--;
        return;
      }
      if (had === undefined) index.retain(idx);
      adjOut.set(idx, want);
      let g = groups.get(want);
      if (g === undefined) groups.set(want, (g = []));
      g.push(key);
      budget--;
    };
    if (s.fullSync[f]) {
      // A full pass: every Loc-RIB prefix, then every prefix in Adj-RIB-Out (to withdraw what export no longer
      // allows). Changes during a pass stay in the log and are read once it is done.
      s.fullSync[f] = false;
      loc.log.skip(address);
      loc.log.compact();
      s.scan[f] = { phase: 0, pos: 0, outKeys: null };
    }
    let endOfRib = false;
    const scan = s.scan[f];
    if (scan !== null) {
      if (scan.phase === 0) {
        const bound = index.bound;
        while (scan.pos < bound && budget > 0) {
          const idx = scan.pos++;
          if (loc.best(idx) !== undefined) visit(idx);
        }
        if (scan.pos >= bound) {
          scan.phase = 1;
          scan.pos = 0;
          scan.outKeys = adjOut.keys();
        }
      }
      if (scan.phase === 1) {
        const keys = scan.outKeys!;
        while (scan.pos < keys.length && budget > 0) visit(keys[scan.pos++]!);
        if (scan.pos >= keys.length) {
          s.scan[f] = null;
          endOfRib = s.eorPending[f]!;
          s.eorPending[f] = false;
        }
      }
    }
    if (s.scan[f] === null && budget > 0) {
      loc.log.read(address, (idx) => {
        if (budget <= 0) return false;
        visit(idx);
        return true;
      });
    }
    if (withdrawn.length === 0 && groups.size === 0 && !endOfRib) return null;
    const announced: AnnouncedGroup[] = [];
    for (const [attrs, prefixes] of groups) announced.push({ attrs, prefixes });
    return { family, withdrawn, announced, endOfRib };
  }

  /** The attribute set export would send `s` for prefix idx now, or null (withdrawn / not advertised). */
  private desired(s: PeerState, f: 0 | 1, idx: number): AttrSet | null {
    const best = this.loc[f].best(idx);
    if (best === undefined || !mayExport(best, s.peer, this.identity)) return null;
    const family: Family = f === 0 ? 'ipv4-unicast' : 'ipv6-unicast';
    const chain = s.exportChain!;
    let post: AttrSet | null = best.attrs!;
    let modified = 0;
    if (!chain.passThrough) {
      post = chain.evaluate(family, this.loc[f].index.keyOf(idx), post, s.peer.address, nextHopSelf(s.peer, family));
      if (post === null) return null;
      modified = chain.modified;
    }
    const from = best.peer;
    const reflect = !from.local && from.ibgp && s.peer.ibgp;
    const ck: number | string = reflect ? `${post.id}/${modified}/${from.address}` : post.id * 16 + modified * 2 + (from.local ? 1 : 0);
    const cache = s.exportCache[f];
    let out = cache.get(ck);
    if (out === undefined) {
      if (cache.size > MAX_EXPORT_CACHE) cache.clear();
      out = exportAttributes(this.attrs, post, modified, from, s.peer, family, this.identity);
      cache.set(ck, out);
    }
    return out;
  }

  /**
   * Best-path changes since the last call: for each changed prefix its best path (undefined: no route any more)
   * and its ECMP set. The ECMP array is only valid during the callback.
   */
  drainBestPathChanges(family: Family, fn: BestPathListener): number {
    const f = family === 'ipv4-unicast' ? 0 : 1;
    const loc = this.loc[f];
    if (!loc.log.has(EVENTS_READER)) return 0;
    const stamps = this.stamp(f);
    const gen = this.generation;
    const single: Path[] = [];
    let n = 0;
    loc.log.read(EVENTS_READER, (idx) => {
      if (stamps[idx] === gen) return;
      stamps[idx] = gen;
      n++;
      fn(loc.index.keyOf(idx), loc.best(idx), loc.ecmpSet(idx, single));
    });
    return n;
  }
}
