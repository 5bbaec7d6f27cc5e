/**
 * Pure core of the VXLAN backend: the device kroute wants, whether an existing one matches, and which neighbour and
 * FDB entries of the device a set of remote nodes accounts for. No kernel calls.
 * @packageDocumentation
 */
import { AF_INET6, NUD_PERMANENT, type DecodedFdbEntry, type DecodedLink, type DecodedNeighbour, type IpFamily, type Link } from '@kroute/routing';
import { canonicalAddress } from './address.js';
import { overlayMtu } from './mtu.js';
import { vtepMac } from './vtep.js';

/** The device name: one per node, ≤ 15 characters, distinct from the `tun-*` links. */
export const DEFAULT_VXLAN_DEVICE = 'kroute.vxlan';
/** VNI flannel uses by default. */
export const DEFAULT_VNI = 1;
/** RFC 7348 §5: the IANA VXLAN port (Linux's own default is the pre-IANA 8472). */
export const DEFAULT_VXLAN_PORT = 4789;
/** RFC 7348 §5: the VNI is 24 bits. */
export const MAX_VNI = 0xffffff;
const MAX_PORT = 0xffff;

/** The VXLAN device kroute wants. */
export interface DesiredVxlan {
  name: string;
  vni: number;
  port: number;
  /** This node's underlay address (the VTEP source). */
  local: string;
  family: IpFamily;
  /** Underlay interface index. */
  underlay: number;
  mtu: number;
  mac: string;
}

export function checkVxlanSettings(vni: number, port: number): void {
  if (!Number.isInteger(vni) || vni < 1 || vni > MAX_VNI) throw new RangeError(`VXLAN VNI ${vni}: must be 1..${MAX_VNI}`);
  if (!Number.isInteger(port) || port < 1 || port > MAX_PORT) throw new RangeError(`VXLAN port ${port}: must be 1..${MAX_PORT}`);
}

export function desiredVxlan(
  name: string,
  vni: number,
  port: number,
  local: string,
  family: IpFamily,
  underlay: number,
  underlayMtu: number,
): DesiredVxlan {
  return { name, vni, port, local, family, underlay, mtu: overlayMtu(underlayMtu, 'vxlan', family), mac: vtepMac(local) };
}

/** `ip link add NAME address MAC mtu M up type vxlan id VNI local IP dev UNDERLAY dstport PORT nolearning`. */
export function vxlanLink(v: DesiredVxlan): Link {
  return {
    name: v.name,
    mtu: v.mtu,
    address: v.mac,
    up: true,
    info: { kind: 'vxlan', vxlan: { id: v.vni, local: v.local, link: v.underlay, port: v.port, learning: false } },
  };
}

/** Why `link` cannot be the device `v` (a reason to recreate it), or undefined; MTU, MAC and up are fixed in place. */
export function vxlanMismatch(link: DecodedLink, v: DesiredVxlan): string | undefined {
  if (link.info?.kind !== 'vxlan') return `kind ${link.info?.kind ?? 'unknown'}, want vxlan`;
  const x = link.info.vxlan;
  if (!x) return 'no vxlan parameters';
  if (x.id !== v.vni) return `VNI ${x.id}, want ${v.vni}`;
  if (x.port !== v.port) return `port ${x.port ?? 'default'}, want ${v.port}`;
  if (x.local === undefined || canonicalAddress(x.local) !== v.local) return `local ${x.local ?? 'any'}, want ${v.local}`;
  if (x.link !== v.underlay) return `underlay if${x.link ?? 0}, want if${v.underlay}`;
  if (x.learning !== false) return 'learning on, want nolearning';
  return undefined;
}

/** In-place changes that bring a matching device to `v`: the RTM_NEWLINK fields to set, or undefined if none. */
export function vxlanAdjustment(link: DecodedLink, v: DesiredVxlan): Link | undefined {
  const change: Link = { index: link.index };
  let needed = false;
  if (link.mtu !== v.mtu) {
    change.mtu = v.mtu;
    needed = true;
  }
  if (link.address?.toLowerCase() !== v.mac) {
    change.address = v.mac;
    needed = true;
  }
  if (!link.up) {
    change.up = true;
    needed = true;
  }
  return needed ? change : undefined;
}

/**
 * Neighbour entries of the device that none of the remote nodes `keep` (canonical node IPs) accounts for: their
 * MAC is no kept node's VTEP MAC. Only permanent entries are kroute's: the kernel's own (multicast, resolution
 * attempts) come and go by themselves.
 */
export function strayNeighbours(entries: readonly DecodedNeighbour[], keep: Iterable<string>): DecodedNeighbour[] {
  const macs = new Set<string>();
  for (const k of keep) macs.add(vtepMac(k));
  return entries.filter((n) => (n.state & NUD_PERMANENT) !== 0 && (n.lladdr === undefined || !macs.has(n.lladdr.toLowerCase())));
}

/** FDB entries of the device other than `VTEP MAC of k → k` for a node IP k in `keep`. */
export function strayFdbEntries(entries: readonly DecodedFdbEntry[], keep: Iterable<string>): DecodedFdbEntry[] {
  const want = new Set<string>();
  for (const k of keep) want.add(`${vtepMac(k)}/${k}`);
  return entries.filter((e) => e.dst === undefined || !want.has(`${e.lladdr.toLowerCase()}/${canonicalAddress(e.dst)}`));
}

/** True when a neighbour entry is the permanent VTEP IP → MAC mapping wanted. */
export function neighbourMatches(n: DecodedNeighbour, mac: string): boolean {
  return n.lladdr?.toLowerCase() === mac && (n.state & NUD_PERMANENT) !== 0;
}

export function familyName(family: IpFamily): string {
  return family === AF_INET6 ? 'IPv6' : 'IPv4';
}
