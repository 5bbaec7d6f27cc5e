/**
 * Kernel routes as the reconciler compares them: the desired routes built from route plans and tunnel endpoints,
 * and the owned routes read back from the kernel, both in one normalized shape so that "already right" is an exact
 * comparison (and a route that is right is never rewritten). Pure.
 * @packageDocumentation
 */
import { AF_INET, RTN_UNICAST, RT_TABLE_MAIN } from '../netlink/constants.js';
import type { IpFamily } from '../netlink/ip.js';
import type { DecodedRoute, Route } from '../netlink/route.js';
import { hostPrefix } from './prefix.js';
import type { TunnelEndpoint } from './tunnel-backend.js';
import type { PlanKind, RoutePlan } from './types.js';

/** rtm_protocol of every route kroute installs: `zebra`, as kube-router (routes.ZebraOriginator). */
export const KROUTE_PROTOCOL = 17;
/** The `kube-router` table holding the per-tunnel host routes that the pod CIDR rules look up. */
export const TUNNEL_TABLE = 77;
/** Its name in rt_tables. */
export const TUNNEL_TABLE_NAME = 'kube-router';
/** The metric the kernel gives an IPv6 route added without one (IP6_RT_PRIO_USER); IPv4's is 0. */
export const IPV6_DEFAULT_METRIC = 1024;
/** The tables whose protocol-17 routes kroute owns. */
export const OWNED_TABLES: readonly number[] = [RT_TABLE_MAIN, TUNNEL_TABLE];

/** What an owned route is for. */
export type RouteKind = Exclude<PlanKind, 'none'> | 'tunnel-host';

/** One path of a normalized multipath route. Optional fields are always present (maybe undefined): one shape. */
export interface KernelHop {
  readonly gateway?: string | undefined;
  readonly ifindex: number;
  readonly weight: number;
  readonly onlink: boolean;
}

/** A route reduced to the fields kroute decides; the same shape for desired and kernel routes. */
export interface KernelRoute {
  readonly family: IpFamily;
  readonly table: number;
  /** Canonical prefix. */
  readonly dst: string;
  readonly priority: number;
  readonly tos: number;
  readonly type: number;
  readonly gateway: string | undefined;
  readonly oif: number | undefined;
  readonly prefsrc: string | undefined;
  readonly onlink: boolean;
  /** Sorted by (gateway, ifindex); undefined for a single-path route. */
  readonly multipath: readonly KernelHop[] | undefined;
}

/** A desired route with what it is for. */
export interface DesiredRoute {
  readonly route: KernelRoute;
  readonly kind: RouteKind;
  /** The BGP next hops it serves (for host routes: the one next hop). */
  readonly nextHops: readonly string[];
  /** False when a tunnel endpoint it needs is unknown (dry run without the tunnel): it can only be reported. */
  readonly complete: boolean;
}

/**
 * The reconciler's key of a route: table and destination (one kroute route per destination and table). A main-table
 * key is the destination itself (no string to build and hash for the bulk of the routes); others are `table|dst`.
 */
export function routeKey(table: number, dst: string): string {
  return table === RT_TABLE_MAIN ? dst : `${table}|${dst}`;
}

/** The table and destination of a key made by {@link routeKey}. */
export function parseRouteKey(key: string): { table: number; dst: string } {
  const bar = key.indexOf('|');
  return bar < 0 ? { table: RT_TABLE_MAIN, dst: key } : { table: Number(key.slice(0, bar)), dst: key.slice(bar + 1) };
}

export function keyOf(route: KernelRoute): string {
  return routeKey(route.table, route.dst);
}

function defaultPriority(family: IpFamily): number {
  return family === AF_INET ? 0 : IPV6_DEFAULT_METRIC;
}

function hopOrder(a: KernelHop, b: KernelHop): number {
  const ga = a.gateway ?? '';
  const gb = b.gateway ?? '';
  return ga < gb ? -1 : ga > gb ? 1 : a.ifindex - b.ifindex;
}

/**
 * Normalizes a route decoded from the kernel. Per-hop status flags (dead, linkdown) are not ours and are ignored.
 * Every field is always present (undefined when unset) so that all KernelRoute objects share one shape: the diff
 * compares hundreds of thousands of them.
 */
export function normalizeKernelRoute(r: DecodedRoute): KernelRoute {
  let multipath: KernelHop[] | undefined;
  if (r.multipath && r.multipath.length > 0) {
    multipath = r.multipath.map((h) => ({ gateway: h.gateway, ifindex: h.ifindex ?? 0, weight: h.weight ?? 1, onlink: h.onlink === true }));
    if (multipath.length > 1) multipath.sort(hopOrder);
  }
  return {
    family: r.family,
    table: r.table,
    dst: r.dst,
    priority: r.priority ?? defaultPriority(r.family),
    tos: r.tos,
    type: r.type,
    gateway: r.gateway,
    oif: r.oif,
    prefsrc: r.prefsrc,
    onlink: r.onlink === true,
    multipath,
  };
}

/**
 * True when a route decoded from the kernel is exactly `expected` (oif included): the same test as normalizing it
 * and comparing, without building the normalized copy for the common single-path case.
 */
export function decodedEquals(expected: KernelRoute, r: DecodedRoute): boolean {
  if (r.multipath && r.multipath.length > 0) {
    const k = normalizeKernelRoute(r);
    return expected.oif === k.oif && sameRoute(expected, k);
  }
  return (
    expected.multipath === undefined &&
    expected.family === r.family &&
    expected.table === r.table &&
    expected.dst === r.dst &&
    expected.priority === (r.priority ?? defaultPriority(r.family)) &&
    expected.tos === r.tos &&
    expected.type === r.type &&
    expected.gateway === r.gateway &&
    expected.oif === r.oif &&
    expected.prefsrc === r.prefsrc &&
    expected.onlink === (r.onlink === true)
  );
}

function hopEqual(a: KernelHop, b: KernelHop): boolean {
  return a.gateway === b.gateway && a.ifindex === b.ifindex && a.weight === b.weight && a.onlink === b.onlink;
}

/** True when the kernel route already is the desired one (so nothing is sent for it). */
export function sameRoute(desired: KernelRoute, kernel: KernelRoute): boolean {
  if (
    desired.family !== kernel.family ||
    desired.table !== kernel.table ||
    desired.dst !== kernel.dst ||
    desired.priority !== kernel.priority ||
    desired.tos !== kernel.tos ||
    desired.type !== kernel.type ||
    desired.gateway !== kernel.gateway ||
    desired.prefsrc !== kernel.prefsrc ||
    desired.onlink !== kernel.onlink
  ) {
    return false;
  }
  // A gateway route's interface follows from its subnet; only check it when we chose one.
  if (desired.oif !== undefined && desired.oif !== kernel.oif) return false;
  const dm = desired.multipath;
  const km = kernel.multipath;
  if (!dm || !km) return dm === km;
  return dm.length === km.length && dm.every((h, i) => hopEqual(h, km[i]!));
}

/** The rtnetlink route for a desired or owned route (protocol 17). */
export function toNetlinkRoute(r: KernelRoute): Route {
  return {
    family: r.family,
    dst: r.dst,
    table: r.table,
    protocol: KROUTE_PROTOCOL,
    tos: r.tos,
    type: r.type,
    priority: r.family !== AF_INET || r.priority !== 0 ? r.priority : undefined,
    gateway: r.gateway,
    oif: r.oif !== undefined && r.oif >= 0 ? r.oif : undefined,
    prefsrc: r.prefsrc,
    onlink: r.onlink,
    multipath: r.multipath?.map((h) => ({ gateway: h.gateway, ifindex: h.ifindex, weight: h.weight, onlink: h.onlink })),
  };
}

/** The endpoint index used for a tunnel whose device is not known (dry run before the tunnel exists). */
export const UNKNOWN_IFINDEX = -1;

/** Looks up the endpoint of the overlay towards a next hop. */
export type EndpointLookup = (nextHop: string) => TunnelEndpoint | undefined;

/**
 * The main-table route for a plan (undefined for `none`). Tunnel hops whose endpoint is unknown get
 * {@link UNKNOWN_IFINDEX} and make the route incomplete.
 */
export function desiredMainRoute(plan: RoutePlan, endpoints: EndpointLookup): DesiredRoute | undefined {
  if (plan.kind === 'none' || plan.hops.length === 0) return undefined;
  let complete = true;
  const hops: KernelHop[] = plan.hops.map((h) => {
    if (plan.kind === 'via-gateway') return { gateway: h.nextHop, ifindex: h.ifindex!, weight: 1, onlink: false };
    const ep = endpoints(h.nextHop);
    if (!ep) complete = false;
    const ifindex = ep?.ifindex ?? UNKNOWN_IFINDEX;
    if (plan.kind === 'via-vxlan') return { gateway: ep?.gateway ?? h.nextHop, ifindex, weight: 1, onlink: ep?.onlink ?? true };
    return { gateway: undefined, ifindex, weight: 1, onlink: false };
  });
  const single = hops.length === 1 ? hops[0]! : undefined;
  const route: KernelRoute = {
    family: plan.family,
    table: RT_TABLE_MAIN,
    dst: plan.prefix,
    priority: defaultPriority(plan.family),
    tos: 0,
    type: RTN_UNICAST,
    gateway: single?.gateway,
    oif: single?.ifindex,
    prefsrc: plan.kind === 'via-tunnel' ? plan.src : undefined,
    onlink: single?.onlink ?? false,
    multipath: single ? undefined : hops.sort(hopOrder),
  };
  const nextHops = plan.hops.length === 1 ? [plan.hops[0]!.nextHop] : plan.hops.map((h) => h.nextHop);
  return { route, kind: plan.kind, nextHops, complete };
}

/** `<nexthop>/32|128 dev tun-x table 77`: pod traffic to a remote node always leaves through its tunnel. */
export function desiredTunnelHostRoute(nextHop: string, family: IpFamily, endpoint: TunnelEndpoint | undefined): DesiredRoute {
  const route: KernelRoute = {
    family,
    table: TUNNEL_TABLE,
    dst: hostPrefix(nextHop),
    priority: defaultPriority(family),
    tos: 0,
    type: RTN_UNICAST,
    gateway: undefined,
    oif: endpoint?.ifindex ?? UNKNOWN_IFINDEX,
    prefsrc: undefined,
    onlink: false,
    multipath: undefined,
  };
  return { route, kind: 'tunnel-host', nextHops: [nextHop], complete: endpoint !== undefined };
}

/** True for a decoded route kroute owns: protocol 17 in the main table or table 77. */
export function isOwnedRoute(r: { protocol: number; table: number }): boolean {
  return r.protocol === KROUTE_PROTOCOL && (r.table === RT_TABLE_MAIN || r.table === TUNNEL_TABLE);
}
