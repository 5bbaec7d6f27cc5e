/**
 * Pure core of the ipip / ip6tnl / GUE tunnels: what the link towards a next hop must look like, whether an existing
 * link matches it, which links are kroute's, and which FOU receive ports the links still need. No kernel calls.
 * @packageDocumentation
 */
import { AF_INET, AF_INET6, IPPROTO_IPV6, type DecodedLink, type IpFamily, type Link } from '@kroute/routing';
import { canonicalAddress } from './address.js';
import { TUNNEL_PREFIX, tunnelName } from './naming.js';

/** kroute's tunnel encapsulations: plain IP-in-IP, or IP-in-IP inside GUE (kube-router's `fou`). */
export type TunnelEncap = 'ipip' | 'fou';

/** kube-router's FoU port default (`--overlay-encap-port`). */
export const DEFAULT_FOU_PORT = 5555;
/** kube-router requires the FoU port to be at least this (options.go validation). */
export const MIN_FOU_PORT = 1024;
const MAX_PORT = 0xffff;
/** kube-router creates GUE links with `ttl 225` (linux_tunnels.go); we do the same so both sides agree. */
export const FOU_TUNNEL_TTL = 225;
/** Plain ipip / ip6tnl links inherit the inner packet's TTL / hop limit (0), as kube-router's netlink links do. */
export const INHERIT_TTL = 0;

/** The link kroute wants towards one next hop. */
export interface DesiredTunnel {
  name: string;
  kind: 'ipip' | 'ip6tnl';
  family: IpFamily;
  local: string;
  remote: string;
  ttl: number;
  /** GUE destination port; undefined for plain IP-in-IP. */
  guePort?: number;
}

/** Validates a FOU port (`--overlay-encap-port`). */
export function checkFouPort(port: number): void {
  if (!Number.isInteger(port) || port < MIN_FOU_PORT || port > MAX_PORT) {
    throw new RangeError(`FoU port ${port}: must be an integer in ${MIN_FOU_PORT}..${MAX_PORT}`);
  }
}

/** The tunnel towards canonical `remote` from canonical `local` of the same family. */
export function desiredTunnel(remote: string, local: string, family: IpFamily, encap: TunnelEncap, fouPort: number): DesiredTunnel {
  const t: DesiredTunnel = {
    name: tunnelName(remote),
    kind: family === AF_INET6 ? 'ip6tnl' : 'ipip',
    family,
    local,
    remote,
    ttl: encap === 'fou' ? FOU_TUNNEL_TTL : INHERIT_TTL,
  };
  if (encap === 'fou') t.guePort = fouPort;
  return t;
}

/**
 * The RTM_NEWLINK object creating `t`, up at once. ip6tnl carries IPv6 (`mode ip6ip6`): the routes through an IPv6
 * next hop are IPv6 prefixes. GUE: `encap gue encap-sport auto encap-dport PORT` (sport 0 = the kernel hashes the
 * flow into the source port, so ECMP in the underlay spreads the flows).
 */
export function tunnelLink(t: DesiredTunnel): Link {
  return {
    name: t.name,
    up: true,
    info: {
      kind: t.kind,
      tunnel: {
        local: t.local,
        remote: t.remote,
        ttl: t.ttl,
        ...(t.kind === 'ip6tnl' ? { proto: IPPROTO_IPV6 } : {}),
        ...(t.guePort !== undefined ? { encap: { type: 'gue' as const, sport: 0, dport: t.guePort } } : {}),
      },
    },
  };
}

function sameAddress(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  try {
    return canonicalAddress(a) === b;
  } catch {
    return false;
  }
}

/** Why `link` is not the tunnel `t` (a reason to recreate it), or undefined when it is. */
export function tunnelMismatch(link: DecodedLink, t: DesiredTunnel): string | undefined {
  const kind = link.info?.kind;
  if (kind !== t.kind) return `kind ${kind ?? 'unknown'}, want ${t.kind}`;
  const tun = link.info?.tunnel;
  if (!tun) return 'no tunnel parameters';
  if (!sameAddress(tun.remote, t.remote)) return `remote ${tun.remote ?? 'any'}, want ${t.remote}`;
  if (!sameAddress(tun.local, t.local)) return `local ${tun.local ?? 'any'}, want ${t.local}`;
  const encap = tun.encap?.type ?? 'none';
  const wantEncap = t.guePort !== undefined ? 'gue' : 'none';
  if (encap !== wantEncap) return `encap ${encap}, want ${wantEncap}`;
  if (t.guePort !== undefined && tun.encap?.dport !== t.guePort) return `encap dport ${tun.encap?.dport ?? 0}, want ${t.guePort}`;
  if ((tun.ttl ?? INHERIT_TTL) !== t.ttl) return `ttl ${tun.ttl ?? INHERIT_TTL}, want ${t.ttl}`;
  if (t.kind === 'ip6tnl' && tun.proto !== IPPROTO_IPV6) return `proto ${tun.proto ?? 0}, want ${IPPROTO_IPV6}`;
  return undefined;
}

/**
 * Links kroute owns: ipip / ip6tnl links named `tun-…`. That includes kube-router's (same scheme, and before its v2
 * `tun-<ip without dots>`), which kroute takes over; other link kinds with such names are left alone.
 */
export function isOwnedTunnel(link: Pick<DecodedLink, 'name' | 'info'>): boolean {
  const kind = link.info?.kind;
  return link.name.startsWith(TUNNEL_PREFIX) && (kind === 'ipip' || kind === 'ip6tnl');
}

/** A FOU receive port by family: `2/5555`. */
export function fouKey(family: IpFamily, port: number): string {
  return `${family}/${port}`;
}

/**
 * FOU receive ports that links in the namespace still send to (`family/port`). Tunnels are symmetric, so a node
 * with a GUE link towards a peer also receives GUE from it: the port stays while any link uses it.
 */
export function fouPortsInUse(links: readonly DecodedLink[]): Set<string> {
  const used = new Set<string>();
  for (const l of links) {
    const kind = l.info?.kind;
    const encap = l.info?.tunnel?.encap;
    if ((kind !== 'ipip' && kind !== 'ip6tnl') || !encap || encap.type === 'none') continue;
    used.add(fouKey(kind === 'ip6tnl' ? AF_INET6 : AF_INET, encap.dport ?? 0));
  }
  return used;
}

/** Owned tunnel links that no next hop in `keep` (canonical addresses) accounts for. */
export function orphanedTunnels(links: readonly DecodedLink[], keep: Iterable<string>): DecodedLink[] {
  const wanted = new Set<string>();
  for (const k of keep) wanted.add(tunnelName(k));
  return links.filter((l) => isOwnedTunnel(l) && !wanted.has(l.name));
}
