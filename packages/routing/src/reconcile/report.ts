/**
 * What the reconciler tells the outside: per-pass reports (also the `--dry-run` output), metric hooks, and the
 * state the REST API shows.
 * @packageDocumentation
 */
import type { NetlinkError } from '../netlink/errors.js';
import type { RouteKind } from '../plan/kernel-routes.js';

/** Why a full pass (dump, diff, sweep) ran. */
export type ResyncReason = 'startup' | 'periodic' | 'overflow' | 'next-hop-gone' | 'release-sweep' | 'link' | 'addresses' | 'settings' | 'requested';

/** One kernel change (made, or in dry run: that would be made). */
export interface RouteChange {
  readonly op: 'add' | 'replace' | 'delete';
  readonly table: number;
  readonly dst: string;
  /** What the route is for; `stale` for a removed route that has no reason to exist, `duplicate` for an extra copy. */
  readonly kind: RouteKind | 'stale' | 'duplicate';
  /** iproute2-like text, e.g. `add route 10.244.3.0/24 via 10.0.0.3`. */
  readonly description: string;
}

export interface RuleChange {
  readonly op: 'add' | 'delete';
  readonly from: string;
  readonly description: string;
}

export interface DiffCounts {
  added: number;
  replaced: number;
  removed: number;
  /** Desired routes found already right (nothing sent). */
  unchanged: number;
  /** Owned routes kept although not desired, because sweeping is on hold. */
  held: number;
  failed: number;
  rulesAdded: number;
  rulesRemoved: number;
}

/** A failed kernel change, with the kernel's named error. */
export interface ReconcileError {
  readonly operation: string;
  /** errno name, e.g. `ENETUNREACH`; `ETUNNEL` when the tunnel backend failed. */
  readonly code: string;
  readonly message: string;
}

export interface ReconcileReport {
  /** A full pass (dump + diff + sweep) or an incremental one (changed paths or notifications only). */
  readonly full: boolean;
  readonly reasons: readonly ResyncReason[];
  readonly dryRun: boolean;
  readonly changes: readonly RouteChange[];
  readonly ruleChanges: readonly RuleChange[];
  readonly counts: Readonly<DiffCounts>;
  readonly errors: readonly ReconcileError[];
  readonly durationMs: number;
}

/** Callbacks for metrics and logs; all optional, called synchronously, must not throw. */
export interface ReconcilerHooks {
  routesAdded?(count: number): void;
  routesRemoved?(count: number): void;
  /** Every pass, with its counts. */
  diff?(counts: Readonly<DiffCounts>, report: ReconcileReport): void;
  netlinkError?(error: NetlinkError): void;
  /** Any other failure (tunnel backend, dump), which is retried. */
  error?(error: Error): void;
  /** Seconds from a best-path change (setPath/withdraw) to the kernel's ACK of the resulting change. */
  programmingLatency?(seconds: number, prefix: string): void;
  resync?(reason: ResyncReason): void;
}

/** One next hop of an owned kernel route, for the REST API. */
export interface OwnedNextHop {
  readonly gateway?: string;
  readonly ifindex: number;
  readonly dev?: string;
  readonly weight: number;
  readonly onlink: boolean;
}

/** A kernel route kroute owns (`GET /api/v1/kernel/routes`). */
export interface OwnedRoute {
  readonly prefix: string;
  readonly family: 'ipv4' | 'ipv6';
  readonly table: number;
  readonly protocol: number;
  /** `stale` while it has no reason to exist (held for graceful restart, or about to be swept). */
  readonly kind: RouteKind | 'stale';
  readonly nextHops: readonly OwnedNextHop[];
  /** The preferred source address (tunnel routes). */
  readonly source?: string;
  /** The BGP next hops it serves. */
  readonly bgpNextHops: readonly string[];
}

/** A change that keeps failing, retried with backoff. */
export interface FailingChange extends ReconcileError {
  readonly key: string;
  readonly attempts: number;
  readonly nextAttemptInMs: number;
}

export function emptyCounts(): DiffCounts {
  return { added: 0, replaced: 0, removed: 0, unchanged: 0, held: 0, failed: 0, rulesAdded: 0, rulesRemoved: 0 };
}
