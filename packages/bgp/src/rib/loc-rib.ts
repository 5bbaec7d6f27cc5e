// The Loc-RIB of one family: per prefix index, its candidate paths arranged best first, and the ECMP count.
// A prefix with one candidate stores the Path itself (no array), which is the common case for a full table.
import type { Family } from '../wire/types.js';
import { ChangeLog } from './change-log.js';
import { selectBest, type DecisionOptions } from './decision.js';
import type { Path } from './path.js';
import { Ipv4PrefixIndex, Ipv6PrefixIndex, type PrefixIndex } from './prefix-index.js';

/** The ECMP count is kept in a Uint8Array; larger sets are truncated (far beyond any kernel's nexthop limit). */
const MAX_ECMP_STORED = 255;
const EMPTY: readonly Path[] = Object.freeze([]);

export class LocRib {
  readonly index: PrefixIndex;
  readonly log: ChangeLog;
  private paths: Array<Path | Path[] | undefined> = [];
  private ecmp = new Uint8Array(1024);
  private readonly scratch: Path[] = [];
  /** Prefixes with at least one accepted path. */
  size = 0;

  constructor(
    readonly family: Family,
    private readonly decision: DecisionOptions,
  ) {
    this.index = family === 'ipv4-unicast' ? new Ipv4PrefixIndex() : new Ipv6PrefixIndex();
    this.log = new ChangeLog(this.index);
  }

  private ensure(idx: number): void {
    while (this.paths.length <= idx) this.paths.push(undefined);
    if (idx >= this.ecmp.length) {
      let n = this.ecmp.length;
      while (n <= idx) n *= 2;
      const e = new Uint8Array(n);
      e.set(this.ecmp);
      this.ecmp = e;
    }
  }

  best(idx: number): Path | undefined {
    const c = this.paths[idx];
    return c === undefined ? undefined : Array.isArray(c) ? c[0] : c;
  }

  /** All candidates, best first; the first ecmpCount() of them are the ECMP set. */
  candidates(idx: number): readonly Path[] {
    const c = this.paths[idx];
    return c === undefined ? EMPTY : Array.isArray(c) ? c : [c];
  }

  ecmpCount(idx: number): number {
    const c = this.paths[idx];
    return c === undefined ? 0 : Array.isArray(c) ? this.ecmp[idx]! : 1;
  }

  /** The ECMP set (best first). With `scratch`, a lone path is returned in it instead of a new array. */
  ecmpSet(idx: number, scratch?: Path[]): readonly Path[] {
    const c = this.paths[idx];
    if (c === undefined) return EMPTY;
    if (!Array.isArray(c)) {
      if (scratch === undefined) return [c];
      scratch[0] = c;
      return scratch;
    }
    const n = this.ecmp[idx]!;
    return n === c.length ? c.slice() : c.slice(0, n);
  }

  /** Indices with at least one path (for full scans). */
  forEachIndex(fn: (idx: number) => void): void {
    const p = this.paths;
    for (let i = 0; i < p.length; i++) if (p[i] !== undefined) fn(i);
  }

  add(idx: number, path: Path): void {
    this.ensure(idx);
    const c = this.paths[idx];
    if (c === undefined) {
      this.paths[idx] = path;
      this.size++;
      this.log.push(idx);
      return;
    }
    const arr = Array.isArray(c) ? c : [c];
    if (!Array.isArray(c)) this.ecmp[idx] = 1;
    arr.push(path);
    this.reselect(idx, arr, path);
  }

  remove(idx: number, path: Path): void {
    const c = this.paths[idx];
    if (c === undefined) return;
    if (!Array.isArray(c)) {
      if (c !== path) return;
      this.paths[idx] = undefined;
      this.size--;
      this.log.push(idx);
      return;
    }
    const at = c.indexOf(path);
    if (at < 0) return;
    const wasEcmp = at < this.ecmp[idx]!;
    const before = this.snapshotEcmp(idx, c);
    c.splice(at, 1);
    if (c.length === 1) {
      this.paths[idx] = c[0]!;
      this.log.push(idx);
      return;
    }
    // Even a path outside the ECMP set can matter: its MED may have eliminated a path of its neighbour AS.
    this.ecmp[idx] = Math.min(selectBest(c, this.decision), MAX_ECMP_STORED);
    if (wasEcmp || this.ecmpDiffers(idx, c, before)) this.log.push(idx);
  }

  /** A candidate's attributes changed in place (implicit withdraw, policy re-evaluation, stale flag). */
  changed(idx: number, path: Path): void {
    const c = this.paths[idx];
    if (c === undefined) return;
    if (!Array.isArray(c)) {
      if (c === path) this.log.push(idx);
      return;
    }
    this.reselect(idx, c, path);
  }

  private reselect(idx: number, arr: Path[], touched: Path): void {
    const wasEcmp = arr.indexOf(touched) < this.ecmp[idx]!;
    const before = this.snapshotEcmp(idx, arr);
    this.paths[idx] = arr;
    this.ecmp[idx] = Math.min(selectBest(arr, this.decision), MAX_ECMP_STORED);
    const isEcmp = arr.indexOf(touched) < this.ecmp[idx]!;
    if (wasEcmp || isEcmp || this.ecmpDiffers(idx, arr, before)) this.log.push(idx);
  }

  /** The current best and ECMP members, copied into a reused buffer (valid until the next call). */
  private snapshotEcmp(idx: number, arr: readonly Path[]): readonly Path[] {
    const n = Math.min(this.ecmp[idx]!, arr.length);
    const s = this.scratch;
    s.length = n;
    for (let i = 0; i < n; i++) s[i] = arr[i]!;
    return s;
  }

  /** Did the best path or the ECMP membership change from `before`? */
  private ecmpDiffers(idx: number, arr: readonly Path[], before: readonly Path[]): boolean {
    const n = this.ecmp[idx]!;
    if (n !== before.length || arr[0] !== before[0]) return true;
    for (let i = 1; i < n; i++) if (!before.includes(arr[i]!)) return true;
    return false;
  }
}
