/**
 * Routes: RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE (struct rtmsg + RTA_*), including multipath (RTA_MULTIPATH),
 * tables above 255 (RTA_TABLE), metrics (RTA_METRICS) and the onlink flag.
 * @packageDocumentation
 */
import {
  AF_INET,
  RTAX_MTU,
  RTA_DST,
  RTA_GATEWAY,
  RTA_METRICS,
  RTA_MULTIPATH,
  RTA_OIF,
  RTA_PREFSRC,
  RTA_PRIORITY,
  RTA_SRC,
  RTA_TABLE,
  RTM_DELROUTE,
  RTM_GETROUTE,
  RTM_NEWROUTE,
  RTMSG_LEN,
  RTNEXTHOP_LEN,
  RTNH_F_ONLINK,
  RTN_UNICAST,
  RTN_UNSPEC,
  RTPROT_BOOT,
  RTPROT_UNSPEC,
  RT_SCOPE_LINK,
  RT_SCOPE_NOWHERE,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_MAIN,
  RT_TABLE_MAX_IN_HEADER,
  RT_TABLE_UNSPEC,
} from './constants.js';
import { anyAddress, formatAddress, ipFamily, parsePrefix, type IpFamily } from './ip.js';
import { attrAddress, attrU32, forEachAttribute, parseAttributes } from './reader.js';
import { CHANGE_FLAGS, DUMP_FLAGS, makeRequest, newFlags, type ChangeMode, type NetlinkRequest } from './request.js';
import type { NetlinkWriter } from './writer.js';

/** One path of a multipath route (struct rtnexthop plus its attributes). */
export interface RouteNextHop {
  gateway?: string;
  /** Output interface index (rtnh_ifindex). */
  ifindex?: number;
  /** ECMP weight, 1..256 (the kernel stores weight - 1 in rtnh_hops). Default 1. */
  weight?: number;
  /** The gateway is reachable on the link even if no local prefix covers it (RTNH_F_ONLINK). */
  onlink?: boolean;
  /** Raw rtnh_flags as the kernel reports them (RTNH_F_DEAD, RTNH_F_LINKDOWN, ...). */
  flags?: number;
}

/** A kernel route. On encode, unset fields take iproute2's defaults; decode fills every header field. */
export interface Route {
  /** AF_INET or AF_INET6; inferred from `dst` when omitted. */
  family?: IpFamily;
  /** Destination prefix, e.g. `10.244.3.0/24`, `0.0.0.0/0`, `fd00::/64`. */
  dst: string;
  /** Source prefix (policy routing on source; rarely used). */
  src?: string;
  /** Routing table id (any 32-bit id; > 255 travels in RTA_TABLE). Default main (254). */
  table?: number;
  /** rtm_protocol: who installed it; kroute uses its own value to find what it owns. Default RTPROT_BOOT. */
  protocol?: number;
  /** rtm_scope. Default: universe with a gateway or next hops, link without. */
  scope?: number;
  /** rtm_type. Default RTN_UNICAST. */
  type?: number;
  tos?: number;
  /** rtm_flags; RTNH_F_ONLINK is set from `onlink`. */
  flags?: number;
  gateway?: string;
  /** Output interface index. */
  oif?: number;
  /** Preferred source address (RTA_PREFSRC). */
  prefsrc?: string;
  /** Metric (RTA_PRIORITY). */
  priority?: number;
  /** Path MTU (RTAX_MTU inside RTA_METRICS). */
  mtu?: number;
  /** Other RTAX_* metrics by number. */
  metrics?: Record<number, number>;
  /** Gateway is on-link regardless of local prefixes (RTNH_F_ONLINK). */
  onlink?: boolean;
  /** ECMP next hops (RTA_MULTIPATH). */
  multipath?: RouteNextHop[];
}

/** A route as the kernel reports it: every header field present. */
export interface DecodedRoute extends Route {
  family: IpFamily;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  tos: number;
  flags: number;
}

const RTNH_HOPS_OFFSET = 3;

function routeFamily(route: Route): IpFamily {
  return route.family ?? ipFamily(route.dst);
}

function writeMetrics(w: NetlinkWriter, route: Route): void {
  const metrics: [number, number][] = [];
  if (route.mtu !== undefined) metrics.push([RTAX_MTU, route.mtu]);
  for (const [k, v] of Object.entries(route.metrics ?? {})) {
    if (Number(k) !== RTAX_MTU || route.mtu === undefined) metrics.push([Number(k), v]);
  }
  if (metrics.length === 0) return;
  w.beginNest(RTA_METRICS);
  for (const [k, v] of metrics) w.attrU32(k, v);
  w.endNest();
}

function writeMultipath(w: NetlinkWriter, hops: RouteNextHop[]): void {
  w.beginNest(RTA_MULTIPATH);
  for (const hop of hops) {
    const start = w.mark();
    w.u16(0); // rtnh_len, patched below
    w.u8((hop.flags ?? 0) | (hop.onlink ? RTNH_F_ONLINK : 0));
    w.u8((hop.weight ?? 1) - 1);
    w.i32(hop.ifindex ?? 0);
    if (hop.gateway !== undefined) w.attrAddress(RTA_GATEWAY, hop.gateway);
    w.patchU16(start, w.mark() - start);
  }
  w.endNest();
}

/**
 * Writes a complete route message. Attribute order follows iproute2's `ip route add PREFIX [table N] [metric M]
 * [src S] [via G] dev D [mtu X] [nexthop ...]`: DST, SRC, TABLE, PRIORITY, PREFSRC, GATEWAY, OIF, METRICS, MULTIPATH.
 * For RTM_DELROUTE the unset header fields are wildcards, as iproute2 sends them (scope NOWHERE, type/protocol 0).
 */
export function encodeRouteMessage(w: NetlinkWriter, type: number, flags: number, route: Route, seq = 0): void {
  const family = routeFamily(route);
  const dst = parsePrefix(route.dst);
  const src = route.src !== undefined ? parsePrefix(route.src) : undefined;
  const table = route.table ?? RT_TABLE_MAIN;
  const isDelete = type === RTM_DELROUTE;
  const hasNextHop = route.gateway !== undefined || (route.multipath?.length ?? 0) > 0;
  const defaultScope = isDelete ? RT_SCOPE_NOWHERE : hasNextHop ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;

  w.beginMessage(type, flags, seq);
  w.u8(family);
  w.u8(dst.length);
  w.u8(src?.length ?? 0);
  w.u8(route.tos ?? 0);
  w.u8(table > RT_TABLE_MAX_IN_HEADER ? RT_TABLE_UNSPEC : table);
  w.u8(route.protocol ?? (isDelete ? RTPROT_UNSPEC : RTPROT_BOOT));
  w.u8(route.scope ?? defaultScope);
  w.u8(route.type ?? (isDelete ? RTN_UNSPEC : RTN_UNICAST));
  w.u32((route.flags ?? 0) | (route.onlink ? RTNH_F_ONLINK : 0));
  // iproute2 omits RTA_DST for a default route (prefix length 0).
  if (dst.length > 0) w.attrAddress(RTA_DST, dst.address);
  if (src && src.length > 0) w.attrAddress(RTA_SRC, src.address);
  if (table > RT_TABLE_MAX_IN_HEADER) w.attrU32(RTA_TABLE, table);
  if (route.priority !== undefined) w.attrU32(RTA_PRIORITY, route.priority);
  if (route.prefsrc !== undefined) w.attrAddress(RTA_PREFSRC, route.prefsrc);
  if (route.gateway !== undefined) w.attrAddress(RTA_GATEWAY, route.gateway);
  if (route.oif !== undefined) w.attrU32(RTA_OIF, route.oif);
  writeMetrics(w, route);
  if (route.multipath && route.multipath.length > 0) writeMultipath(w, route.multipath);
  w.endMessage();
}

/** Decodes the payload of an RTM_NEWROUTE / RTM_DELROUTE message. */
export function decodeRoute(payload: Buffer): DecodedRoute {
  const family = payload[0] as IpFamily;
  const dstLen = payload[1]!;
  const srcLen = payload[2]!;
  const attrs = parseAttributes(payload, RTMSG_LEN);
  const flags = payload.readUInt32LE(8);
  const route: DecodedRoute = {
    family,
    dst: `${attrAddress(attrs, RTA_DST) ?? anyAddress(family)}/${dstLen}`,
    tos: payload[3]!,
    table: attrU32(attrs, RTA_TABLE) ?? payload[4]!,
    protocol: payload[5]!,
    scope: payload[6]!,
    type: payload[7]!,
    flags,
  };
  if (flags & RTNH_F_ONLINK) route.onlink = true;
  if (srcLen > 0) route.src = `${attrAddress(attrs, RTA_SRC) ?? anyAddress(family)}/${srcLen}`;
  const gateway = attrAddress(attrs, RTA_GATEWAY);
  if (gateway !== undefined) route.gateway = gateway;
  const oif = attrU32(attrs, RTA_OIF);
  if (oif !== undefined) route.oif = oif;
  const prefsrc = attrAddress(attrs, RTA_PREFSRC);
  if (prefsrc !== undefined) route.prefsrc = prefsrc;
  const priority = attrU32(attrs, RTA_PRIORITY);
  if (priority !== undefined) route.priority = priority;
  const metrics = attrs.get(RTA_METRICS);
  if (metrics) {
    const m: Record<number, number> = {};
    forEachAttribute(metrics, 0, metrics.length, (t, v) => {
      if (v.length >= 4) m[t] = v.readUInt32LE(0);
    });
    if (m[RTAX_MTU] !== undefined) route.mtu = m[RTAX_MTU];
    route.metrics = m;
  }
  const mp = attrs.get(RTA_MULTIPATH);
  if (mp) route.multipath = decodeMultipath(mp);
  return route;
}

function decodeMultipath(buf: Buffer): RouteNextHop[] {
  const hops: RouteNextHop[] = [];
  let off = 0;
  while (off + RTNEXTHOP_LEN <= buf.length) {
    const len = buf.readUInt16LE(off);
    if (len < RTNEXTHOP_LEN || off + len > buf.length) break;
    const flags = buf[off + 2]!;
    const hop: RouteNextHop = {
      ifindex: buf.readInt32LE(off + 4),
      weight: buf[off + RTNH_HOPS_OFFSET]! + 1,
      flags,
    };
    if (flags & RTNH_F_ONLINK) hop.onlink = true;
    const attrs = parseAttributes(buf, off + RTNEXTHOP_LEN, off + len);
    const gw = attrs.get(RTA_GATEWAY);
    if (gw) hop.gateway = formatAddress(gw);
    hops.push(hop);
    off += (len + 3) & ~3;
  }
  return hops;
}

/** `add route 10.244.3.0/24 via 10.0.0.3 table 77`: how errors name a route. */
export function describeRoute(verb: string, route: Route): string {
  let text = `${verb} route ${route.dst}`;
  if (route.gateway !== undefined) text += ` via ${route.gateway}`;
  if (route.multipath?.length) text += ` via ${route.multipath.map((h) => h.gateway ?? `if${h.ifindex}`).join(', ')}`;
  if (route.gateway === undefined && !route.multipath?.length && route.oif !== undefined) text += ` dev if${route.oif}`;
  const table = route.table ?? RT_TABLE_MAIN;
  if (table !== RT_TABLE_MAIN) text += ` table ${table}`;
  return text;
}

/** A request to add (create, fail if present), replace (create or overwrite) or append a route. */
export function newRouteRequest(route: Route, mode: ChangeMode = 'add'): NetlinkRequest {
  const flags = newFlags(mode);
  return makeRequest(describeRoute(mode, route), false, (w, seq) => encodeRouteMessage(w, RTM_NEWROUTE, flags, route, seq));
}

/** A request to delete a route; unset fields match any value. */
export function deleteRouteRequest(route: Route): NetlinkRequest {
  return makeRequest(describeRoute('delete', route), false, (w, seq) =>
    encodeRouteMessage(w, RTM_DELROUTE, CHANGE_FLAGS, route, seq),
  );
}

/** A dump of every route of `family` (all tables; filter the result by table/protocol in JS). */
export function dumpRoutesRequest(family: IpFamily | 0 = 0): NetlinkRequest {
  const name = family === AF_INET ? 'IPv4 ' : family === 0 ? '' : 'IPv6 ';
  return makeRequest(`dump ${name}routes`, true, (w, seq) => {
    w.beginMessage(RTM_GETROUTE, DUMP_FLAGS, seq);
    w.u8(family);
    w.zeros(RTMSG_LEN - 1);
    w.endMessage();
  });
}
