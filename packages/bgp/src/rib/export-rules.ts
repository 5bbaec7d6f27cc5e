// What the protocol (not policy) says about sending a path to a peer: RFC 4271 §9.1.3 / §5.1, iBGP split horizon,
// route reflection (RFC 4456 §6, §8) and RFC 1997 well-known communities.
import type { Family } from '../wire/types.js';
import type { AttrSet, AttrTable, RouteAttributes } from './attrs.js';
import { DEFAULT_LOCAL_PREF } from './attrs.js';
import { splitAs4Path, prependAs, asPathContains } from './as-path.js';
import { RibError } from './errors.js';
import type { Path, Peer } from './path.js';
import { parseIpv4 } from './prefix.js';
import { Modified } from '../policy/engine.js';
import { isIPv4 } from 'node:net';

/** RFC 4456 §7: a cluster ID given as a uint32 or as an IPv4 address (kube-router's rr.server / rr.client). */
export function parseClusterId(value: number | string): number {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RibError(`bad cluster ID ${value}`);
    return value;
  }
  const t = value.trim();
  if (/^\d+$/.test(t)) return parseClusterId(Number(t));
  if (isIPv4(t)) return parseIpv4(t);
  throw new RibError(`bad cluster ID ${JSON.stringify(value)}: expected a uint32 or an IPv4 address`);
}

export interface LocalIdentity {
  readonly asn: number;
  readonly routerId: number;
  /** Our cluster ID when we reflect routes (defaults to the router ID, RFC 4456 §7). */
  readonly clusterId: number;
  /** True when at least one peer is a route-reflector client. */
  readonly isReflector: boolean;
}

/**
 * RFC 4271 §9.1.2 and RFC 4456 §8: a path received from `from` that must not enter Adj-RIB-In's accepted set:
 * our AS in AS_PATH, our router ID as ORIGINATOR_ID, or our cluster ID in CLUSTER_LIST. Returns the reason.
 */
export function inboundLoop(attrs: AttrSet, from: Peer, me: LocalIdentity): string | null {
  if (asPathContains(attrs.attrs.asPath, me.asn)) return 'as-path-loop';
  if (from.ibgp) {
    if (attrs.originatorId === me.routerId) return 'originator-id-loop';
    if (attrs.attrs.clusterList?.includes(me.clusterId)) return 'cluster-list-loop';
  }
  return null;
}

/** RFC 4271 §5.1.5: LOCAL_PREF from an external peer is ignored; ORIGINATOR_ID/CLUSTER_LIST are iBGP-only. */
export function sanitizeInbound(attrs: RouteAttributes, from: Peer): RouteAttributes {
  if (from.ibgp || (attrs.localPref === undefined && attrs.originatorId === undefined && attrs.clusterList === undefined)) return attrs;
  const { localPref: _lp, originatorId: _o, clusterList: _c, ...rest } = attrs;
  return rest;
}

/** May the best path be advertised to `to` at all (before export policy)? */
export function mayExport(best: Path, to: Peer, me: LocalIdentity): boolean {
  const from = best.peer;
  if (from === to) return false; // never back to the peer it came from
  const a = best.attrs!;
  if (a.noAdvertise) return false; // RFC 1997
  if (!to.ibgp && a.noExport) return false; // RFC 1997 (NO_EXPORT_SUBCONFED too: no confederations here)
  // RFC 9494 §4.5: LLGR_STALE paths only go to peers that understand them (we do not use the iBGP exception).
  if (a.llgrStale && !to.llgr) return false;
  if (!from.local && from.ibgp && to.ibgp) {
    // RFC 4271 §9.2.1 split horizon, relaxed by RFC 4456 §6 for a reflector: from a client to everyone,
    // from a non-client only to clients.
    if (!me.isReflector) return false;
    if (!from.rrClient && !to.rrClient) return false;
  }
  // Sender-side loop avoidance: the peer would drop it (RFC 4271 §9.1.2), so do not send it.
  if (!to.ibgp && asPathContains(a.attrs.asPath, to.asn)) return false;
  return true;
}

export function nextHopSelf(to: Peer, family: Family): string | undefined {
  return family === 'ipv4-unicast' ? to.localAddress : to.localAddressV6;
}

/**
 * The attributes actually sent (RFC 4271 §5.1, RFC 4456 §8), from the post-export-policy set.
 * `modified` says which attributes export policy set explicitly (policy/engine.ts Modified bits).
 */
export function exportAttributes(
  table: AttrTable,
  post: AttrSet,
  modified: number,
  from: Peer,
  to: Peer,
  family: Family,
  me: LocalIdentity,
): AttrSet {
  const a = post.attrs;
  const patch: { -readonly [K in keyof RouteAttributes]?: RouteAttributes[K] } = {};
  const self = nextHopSelf(to, family);
  if (!to.ibgp) {
    patch.asPath = prependAs(a.asPath, me.asn); // §5.1.2
    if ((modified & Modified.NEXT_HOP) === 0 && self !== undefined) {
      patch.nextHop = self; // §5.1.3: next hop self towards external peers
      patch.linkLocalNextHop = undefined;
    }
    patch.localPref = undefined; // §5.1.5
    // §5.1.4: a MED received from another AS is not passed on; ours (local or set by policy) is.
    if ((modified & Modified.MED) === 0 && !from.local) patch.med = undefined;
    patch.originatorId = undefined; // RFC 4456 §8: iBGP-only, optional non-transitive
    patch.clusterList = undefined;
  } else {
    if (a.localPref === undefined) patch.localPref = DEFAULT_LOCAL_PREF; // §5.1.5: always sent to internal peers
    if (from.local && a.nextHop === undefined && self !== undefined) patch.nextHop = self;
    if (!from.local && from.ibgp) {
      // RFC 4456 §8: reflecting. ORIGINATOR_ID names the router that injected the path into the AS; the
      // CLUSTER_LIST gets our cluster ID prepended.
      patch.originatorId = a.originatorId ?? from.routerId;
      patch.clusterList = [me.clusterId, ...(a.clusterList ?? [])];
    }
    if (a.asPath === undefined) patch.asPath = [];
  }
  let out = table.derive(post, patch);
  if (!to.fourOctetAs) out = table.intern(splitAs4Path(out.attrs)); // RFC 6793 §4.2.2
  return out;
}

