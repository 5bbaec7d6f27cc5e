/**
 * The per-key route diff: what to send so that the kernel's owned routes for one (table, destination) become the
 * desired route. A route that already is right yields no operation at all. Pure.
 * @packageDocumentation
 */
import { sameRoute, type DesiredRoute, type KernelRoute } from '../plan/kernel-routes.js';

export type RouteOp =
  | { readonly op: 'add'; readonly key: string; readonly route: KernelRoute; readonly desired: DesiredRoute }
  /** Overwrites the kernel route in the same (destination, tos, metric) slot (NLM_F_REPLACE). */
  | { readonly op: 'replace'; readonly key: string; readonly route: KernelRoute; readonly previous: KernelRoute; readonly desired: DesiredRoute }
  | { readonly op: 'delete'; readonly key: string; readonly route: KernelRoute; readonly why: 'stale' | 'duplicate' };

/** The outcome of diffing one key. */
export interface KeyDiff {
  readonly ops: RouteOp[];
  /** The desired route is already in the kernel. */
  readonly unchanged: boolean;
  /** Owned kernel routes kept although not desired, because sweeping is on hold. */
  readonly held: number;
}

const NOTHING: KeyDiff = { ops: [], unchanged: false, held: 0 };

function sameSlot(a: KernelRoute, b: KernelRoute): boolean {
  return a.priority === b.priority && a.tos === b.tos;
}

/**
 * Diffs one key. `kernel` holds the owned routes at that key (normally zero or one). `mayDelete` false keeps routes
 * that are not desired (graceful-restart hold); duplicates of a desired route are always removed.
 */
export function diffKey(key: string, desired: DesiredRoute | undefined, kernel: readonly KernelRoute[], mayDelete: boolean): KeyDiff {
  if (!desired) {
    if (kernel.length === 0) return NOTHING;
    if (!mayDelete) return { ops: [], unchanged: false, held: kernel.length };
    return { ops: kernel.map((route) => ({ op: 'delete', key, route, why: 'stale' })), unchanged: false, held: 0 };
  }
  const want = desired.route;
  const match = kernel.findIndex((k) => sameRoute(want, k));
  const ops: RouteOp[] = [];
  if (match >= 0) {
    kernel.forEach((k, i) => {
      if (i !== match) ops.push({ op: 'delete', key, route: k, why: 'duplicate' });
    });
    return { ops, unchanged: ops.length === 0, held: 0 };
  }
  const slot = kernel.findIndex((k) => sameSlot(want, k));
  kernel.forEach((k, i) => {
    if (i !== slot) ops.push({ op: 'delete', key, route: k, why: 'duplicate' });
  });
  if (slot >= 0) ops.push({ op: 'replace', key, route: want, previous: kernel[slot]!, desired });
  else ops.push({ op: 'add', key, route: want, desired });
  return { ops, unchanged: false, held: 0 };
}
