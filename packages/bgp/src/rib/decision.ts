// The decision process (RFC 4271 §9.1.2), by elimination so MED (compared only within a neighbour AS) stays
// well-defined with three or more paths. Steps, in order:
//   0. a locally originated path beats every learned one (we have no weight; this is the documented stand-in);
//      then a path without LLGR_STALE beats one with it (RFC 9494 §4.3: long-lived stale is least preferred);
//   1. highest LOCAL_PREF; 2. shortest AS_PATH (AS_SET = 1, confederation segments 0); 3. lowest ORIGIN;
//   4. lowest MED among paths from the same neighbour AS (or all paths with alwaysCompareMed);
//   5. eBGP over iBGP;  -- the paths left here form the ECMP set --
//   6. lowest router ID, using ORIGINATOR_ID when present (RFC 4456 §9);
//   7. shortest CLUSTER_LIST (RFC 4456 §9);  8. lowest peer address.
// Stale paths (RFC 4724 §4.2) stay eligible with no penalty: the RFC keeps them in use until replaced or swept.
import type { Path } from './path.js';

export interface DecisionOptions {
  /** Compare MED between paths from different neighbour ASes too. */
  readonly alwaysCompareMed?: boolean;
  /** A missing MED is the worst value instead of 0 (RFC 4271 §9.1.2.2 says 0; many operators prefer worst). */
  readonly missingMedAsWorst?: boolean;
  /** Upper bound on the ECMP set size (default: unbounded). */
  readonly maxEcmp?: number;
}

export type DecisionStep =
  | 'local'
  | 'llgr-stale'
  | 'local-pref'
  | 'as-path-length'
  | 'origin'
  | 'med'
  | 'ebgp-over-ibgp'
  | 'router-id'
  | 'cluster-list-length'
  | 'peer-address'
  | 'equal';

const MAX_MED = 0xffffffff;

function medOf(p: Path, worst: boolean): number {
  const m = p.attrs!.med;
  return m === undefined ? (worst ? MAX_MED : 0) : m;
}

function routerIdOf(p: Path): number {
  return p.attrs!.originatorId ?? p.peer.routerId;
}

/** Keeps the candidates whose score is minimal; returns how many are left (they are moved to the front). */
function keepMin(c: Path[], n: number, score: (p: Path) => number): number {
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const s = score(c[i]!);
    if (s < best) best = s;
  }
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (score(c[i]!) === best) {
      const t = c[k]!;
      c[k] = c[i]!;
      c[i] = t;
      k++;
    }
  }
  return k;
}

function keepMinMed(c: Path[], n: number, opts: DecisionOptions): number {
  const worst = opts.missingMedAsWorst === true;
  if (opts.alwaysCompareMed) return keepMin(c, n, (p) => medOf(p, worst));
  // Per neighbour AS: a path survives if no path from the same AS has a lower MED.
  const minByAs = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const p = c[i]!;
    const as = p.attrs!.neighborAs;
    const m = medOf(p, worst);
    const cur = minByAs.get(as);
    if (cur === undefined || m < cur) minByAs.set(as, m);
  }
  let k = 0;
  for (let i = 0; i < n; i++) {
    const p = c[i]!;
    if (medOf(p, worst) === minByAs.get(p.attrs!.neighborAs)) {
      c[i] = c[k]!;
      c[k] = p;
      k++;
    }
  }
  return k;
}

/**
 * Orders `paths` in place so that paths[0] is the best and paths[0..n) is the ECMP set; returns n.
 * Every path must have been accepted by import policy (attrs non-null).
 */
export function selectBest(paths: Path[], opts: DecisionOptions = {}): number {
  let n = paths.length;
  if (n <= 1) return n;
  n = keepMin(paths, n, (p) => (p.peer.local ? 0 : 1));
  n = keepMin(paths, n, (p) => (p.attrs!.llgrStale ? 1 : 0));
  n = keepMin(paths, n, (p) => -p.attrs!.localPref);
  n = keepMin(paths, n, (p) => p.attrs!.asPathLength);
  n = keepMin(paths, n, (p) => p.attrs!.origin);
  n = keepMinMed(paths, n, opts);
  n = keepMin(paths, n, (p) => (p.peer.ibgp ? 1 : 0));
  const ecmp = n;
  n = keepMin(paths, n, routerIdOf);
  n = keepMin(paths, n, (p) => p.attrs!.clusterListLength);
  if (n > 1) {
    let b = 0;
    for (let i = 1; i < n; i++) if (paths[i]!.peer.order < paths[b]!.peer.order) b = i;
    const t = paths[0]!;
    paths[0] = paths[b]!;
    paths[b] = t;
  }
  // paths[0] is the best; make sure it is inside the ECMP prefix (it is: elimination only moves survivors forward).
  return opts.maxEcmp !== undefined ? Math.min(ecmp, Math.max(1, opts.maxEcmp)) : ecmp;
}

/** Which step prefers one path over the other (for tests, logs and the looking glass); 'equal' if none does. */
export function explainPreference(a: Path, b: Path, opts: DecisionOptions = {}): { winner: Path | null; step: DecisionStep } {
  const arr = [a, b];
  const steps: Array<[DecisionStep, (p: Path) => number]> = [
    ['local', (p) => (p.peer.local ? 0 : 1)],
    ['llgr-stale', (p) => (p.attrs!.llgrStale ? 1 : 0)],
    ['local-pref', (p) => -p.attrs!.localPref],
    ['as-path-length', (p) => p.attrs!.asPathLength],
    ['origin', (p) => p.attrs!.origin],
  ];
  for (const [step, score] of steps) {
    const d = score(a) - score(b);
    if (d !== 0) return { winner: d < 0 ? a : b, step };
  }
  if (keepMinMed(arr, 2, opts) === 1) return { winner: arr[0]!, step: 'med' };
  const late: Array<[DecisionStep, (p: Path) => number]> = [
    ['ebgp-over-ibgp', (p) => (p.peer.ibgp ? 1 : 0)],
    ['router-id', routerIdOf],
    ['cluster-list-length', (p) => p.attrs!.clusterListLength],
  ];
  for (const [step, score] of late) {
    const d = score(a) - score(b);
    if (d !== 0) return { winner: d < 0 ? a : b, step };
  }
  if (a.peer.order !== b.peer.order) return { winner: a.peer.order < b.peer.order ? a : b, step: 'peer-address' };
  return { winner: null, step: 'equal' };
}
