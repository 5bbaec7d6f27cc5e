/**
 * Route plans: what a best path (or ECMP set) becomes in the kernel, following kube-router's injectRoute
 * (reference/kube-router.md §1.9–1.10) with its #728 fixed.
 *
 * Per next hop:
 * - an address that is not usable (other family, link-local, unspecified, one of ours) → `none`;
 * - not a cluster node (learned from an external router): `via-gateway` when inside a local subnet, else `none`;
 *   never a tunnel (kube-router #728 tunnelled these);
 * - a cluster node with overlay on and (`--overlay-type=full`, or `subnet` and outside every local subnet):
 *   `via-vxlan` with `--overlay-encap=vxlan`, else `via-tunnel` (ipip/fou);
 * - otherwise a cluster node inside a local subnet → `via-gateway`; outside → `none` (the default gateway or the
 *   upstream router must know the prefix, as in kube-router).
 *
 * ECMP sets (mixed plans), resolved deterministically:
 * 1. hops are de-duplicated by address and `none` hops dropped; nothing left → the prefix's plan is `none`;
 * 2. only the hops of the most preferred kind present are kept, in the order via-gateway, via-vxlan, via-tunnel
 *    (direct delivery first: it needs no encapsulation and is the only kind an external next hop can have), the
 *    others are reported in `dropped`;
 * 3. the kept hops are sorted by address (numeric), so the same set always gives the same kernel route;
 * 4. IPv6 via-tunnel keeps only its first hop: the kernel spreads IPv6 traffic only over next hops that have a
 *    gateway (rt6_qualify_for_ecmp), and tunnel routes have none;
 * 5. one hop is a plain route, more is one multipath route (RTA_MULTIPATH, weight 1 each).
 * Pure: no kernel calls.
 * @packageDocumentation
 */
import { AF_INET, AF_INET6 } from '../netlink/constants.js';
import { formatAddress, ipFamily, type IpFamily } from '../netlink/ip.js';
import { addressBytes, canonicalPrefix, compareAddressBytes, parseBinaryPrefix, prefixContains, type BinaryPrefix } from './prefix.js';
import type { BestPath, HopPlan, LocalAddress, NextHopInfo, PlanContext, PlanKind, RoutePlan } from './types.js';

/** fe80::/10: an IPv6 link-local next hop only means something together with an interface, which BGP does not give. */
const LINK_LOCAL_V6 = parseBinaryPrefix('fe80::/10');

/** Preference among hop kinds when an ECMP set mixes them (lower wins). */
const KIND_PREFERENCE: Record<PlanKind, number> = { 'via-gateway': 0, 'via-vxlan': 1, 'via-tunnel': 2, none: 3 };

interface CompiledAddress {
  readonly local: LocalAddress;
  readonly subnet: BinaryPrefix;
}

/** A plan context prepared for planning many paths (subnets parsed once, next hop classes cached). */
export class RoutePlanner {
  readonly context: PlanContext;
  private readonly addresses: CompiledAddress[];
  private readonly own = new Set<string>();
  private readonly nodeIps: Partial<Record<IpFamily, string>> = {};
  private readonly hopCache = new Map<string, HopPlan>();

  constructor(context: PlanContext) {
    this.context = context;
    // Deterministic: when subnets overlap, the lowest interface index (then lowest address) provides the gateway's dev.
    const sorted = [...context.localAddresses].sort(
      (a, b) => a.ifindex - b.ifindex || compareAddressBytes(addressBytes(a.address), addressBytes(b.address)),
    );
    this.addresses = sorted.map((local) => ({ local, subnet: parseBinaryPrefix(`${local.address}/${local.prefixLength}`) }));
    for (const a of sorted) this.own.add(formatAddress(addressBytes(a.address)));
    const v4 = context.nodeIps?.ipv4 ?? sorted.find((a) => a.family === AF_INET)?.address;
    const v6 = context.nodeIps?.ipv6 ?? sorted.find((a) => a.family === AF_INET6)?.address;
    if (v4 !== undefined) this.nodeIps[AF_INET] = formatAddress(addressBytes(v4));
    if (v6 !== undefined) this.nodeIps[AF_INET6] = formatAddress(addressBytes(v6));
  }

  /** The node IP used as source for tunnel routes of `family`. */
  nodeIp(family: IpFamily): string | undefined {
    return this.nodeIps[family];
  }

  /** The local address whose subnet holds `address`, if any. */
  localSubnetOf(address: string): LocalAddress | undefined {
    const bytes = addressBytes(address);
    return this.addresses.find((a) => prefixContains(a.subnet, bytes))?.local;
  }

  /** Classifies one next hop for a prefix of `family`. */
  classify(hop: NextHopInfo, family: IpFamily): HopPlan {
    const cacheKey = `${family}|${hop.clusterNode ? 1 : 0}|${hop.address}`;
    const cached = this.hopCache.get(cacheKey);
    if (cached && cached.remote.node === hop.node && cached.remote.podCidrs === hop.podCidrs) return cached;
    const plan = this.classifyUncached(hop, family);
    this.hopCache.set(cacheKey, plan);
    return plan;
  }

  private classifyUncached(hop: NextHopInfo, family: IpFamily): HopPlan {
    const remote = { ...(hop.node !== undefined ? { node: hop.node } : {}), ...(hop.podCidrs !== undefined ? { podCidrs: hop.podCidrs } : {}) };
    const none = (nextHop: string, reason: string): HopPlan => ({ kind: 'none', nextHop, clusterNode: hop.clusterNode, remote, reason });
    let bytes: Buffer;
    try {
      if (ipFamily(hop.address) !== family) return none(hop.address, 'next hop family differs from the prefix family');
      bytes = addressBytes(hop.address);
    } catch {
      return none(hop.address, 'next hop is not an IP address');
    }
    const nextHop = formatAddress(bytes);
    if (bytes.every((b) => b === 0)) return none(nextHop, 'next hop is the unspecified address');
    if (family === AF_INET6 && prefixContains(LINK_LOCAL_V6, bytes)) return none(nextHop, 'link-local next hop (no interface known)');
    if (this.own.has(nextHop)) return none(nextHop, 'next hop is this node');
    const subnet = this.addresses.find((a) => prefixContains(a.subnet, bytes))?.local;
    const viaGateway = (): HopPlan => ({ kind: 'via-gateway', nextHop, ifindex: subnet!.ifindex, clusterNode: hop.clusterNode, remote });
    if (!hop.clusterNode) {
      // kube-router #728: a next hop that is not a cluster node is never reached through the overlay.
      return subnet ? viaGateway() : none(nextHop, 'external next hop outside every local subnet (never tunnelled)');
    }
    const overlay = this.context.overlay;
    if (overlay.enabled && (overlay.type === 'full' || !subnet)) {
      if (overlay.encap === 'vxlan') return { kind: 'via-vxlan', nextHop, clusterNode: true, remote };
      if (this.nodeIps[family] === undefined) return none(nextHop, 'no node IP of the prefix family to source the tunnel route');
      return { kind: 'via-tunnel', nextHop, clusterNode: true, remote };
    }
    return subnet ? viaGateway() : none(nextHop, 'next hop outside every local subnet and overlay is off');
  }

  /** The plan for one best path or ECMP set. */
  plan(path: BestPath): RoutePlan {
    return this.planCanonical(path, canonicalPrefix(path.prefix));
  }

  /** {@link plan} for a caller that already holds the canonical form of `path.prefix`. */
  planCanonical(path: BestPath, prefix: string): RoutePlan {
    const family: IpFamily = prefix.includes(':') ? AF_INET6 : AF_INET;
    const seen = new Set<string>();
    const usable: HopPlan[] = [];
    const dropped: HopPlan[] = [];
    for (const hop of path.nextHops) {
      const p = this.classify(hop, family);
      if (seen.has(p.nextHop)) continue;
      seen.add(p.nextHop);
      if (p.kind === 'none') dropped.push(p);
      else usable.push(p);
    }
    if (usable.length === 0) return { prefix, family, kind: 'none', hops: [], dropped };
    let best = usable[0]!.kind;
    for (const h of usable) if (KIND_PREFERENCE[h.kind] < KIND_PREFERENCE[best]) best = h.kind;
    let hops = usable.filter((h) => h.kind === best);
    for (const h of usable) if (h.kind !== best) dropped.push({ ...h, reason: `ECMP set: ${best} hops are preferred over ${h.kind}` });
    if (hops.length > 1) hops.sort((a, b) => compareAddressBytes(addressBytes(a.nextHop), addressBytes(b.nextHop)));
    if (best === 'via-tunnel' && family === AF_INET6 && hops.length > 1) {
      for (const h of hops.slice(1)) dropped.push({ ...h, reason: 'IPv6 multipath needs gateways; tunnel routes have none' });
      hops = hops.slice(0, 1);
    }
    const plan: RoutePlan = { prefix, family, kind: best, hops, dropped };
    if (best === 'via-tunnel') return { ...plan, src: this.nodeIps[family]! };
    return plan;
  }
}

/** Plans one path (convenience for single use; build a {@link RoutePlanner} for many). */
export function planRoute(path: BestPath, context: PlanContext): RoutePlan {
  return new RoutePlanner(context).plan(path);
}
