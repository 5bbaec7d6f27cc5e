/**
 * MTU arithmetic for every overlay, in one place (kube-router once subtracted the tunnel overhead twice: its issue
 * #1033). Each figure is the bytes an encapsulation adds in front of the inner IP packet, so
 * `overlay MTU = underlay MTU - overhead` is the largest inner packet that crosses without fragmenting the outer one.
 * That is the MTU for the tunnel link, for the pods' interfaces and for their bridge (`--auto-mtu`).
 *
 * The kernel derives the same figure when it creates ipip / ip6tnl / GUE links and VXLAN devices on a lower device;
 * the VM test measures the kernel's own values against this table.
 * @packageDocumentation
 */
import { AF_INET, AF_INET6, type IpFamily, type OverlayEncap } from '@kroute/routing';

/** RFC 791 §3.1: IPv4 header without options. */
export const IPV4_HEADER = 20;
/** RFC 8200 §3: the fixed IPv6 header. */
export const IPV6_HEADER = 40;
/** RFC 768: UDP header. */
export const UDP_HEADER = 8;
/**
 * GUE base header (draft-ietf-intarea-gue §3.1), as Linux builds it (net/ipv4/fou_core.c gue_encap_hlen): 4 bytes;
 * the private-flags word is only added for remote checksum offload, which kroute does not turn on.
 */
export const GUE_HEADER = 4;
/**
 * ip6tnl's Tunnel Encapsulation Limit (RFC 2473 §4.1.1): a destination-options extension header of 8 bytes that
 * Linux inserts unless the link has IP6_TNL_F_IGN_ENCAP_LIMIT (`encaplimit none`); kroute keeps the kernel default
 * (limit 4, as iproute2 and kube-router), so the option is there and costs 8 bytes (ip6_tnl_link_config()).
 */
export const IPV6_ENCAP_LIMIT_OPTION = 8;
/** RFC 7348 §5: the VXLAN header. */
export const VXLAN_HEADER = 8;
/** The inner Ethernet header a VXLAN frame carries (no 802.1Q tag). */
export const ETHERNET_HEADER = 14;

/** Smallest MTU an IPv4 link may have (RFC 791 §3.2) and the IPv6 minimum link MTU (RFC 8200 §5). */
export const IPV4_MIN_MTU = 68;
export const IPV6_MIN_MTU = 1280;
/** Largest MTU an Ethernet-like link in Linux takes (IP_MAX_MTU). */
export const MAX_MTU = 0xffff;

/**
 * What wraps the inner packet. `ipip` over an IPv6 underlay is an ip6tnl link; `fou` is plain Foo-over-UDP and
 * `gue` Generic UDP Encapsulation (kroute's `--overlay-encap=fou` builds GUE, as kube-router does).
 */
export type Encapsulation = 'ipip' | 'fou' | 'gue' | 'vxlan';


/** Bytes `encap` adds in front of the inner IP packet over an underlay of `underlay` family. */
export function encapOverhead(encap: Encapsulation, underlay: IpFamily): number {
  const ip = underlay === AF_INET6 ? IPV6_HEADER : IPV4_HEADER;
  // ip6tnl links carry the encapsulation-limit option; VXLAN over IPv6 is plain UDP and does not.
  const ip6tnlOption = underlay === AF_INET6 ? IPV6_ENCAP_LIMIT_OPTION : 0;
  switch (encap) {
    case 'ipip':
      return ip + ip6tnlOption;
    case 'fou':
      return ip + ip6tnlOption + UDP_HEADER;
    case 'gue':
      return ip + ip6tnlOption + UDP_HEADER + GUE_HEADER;
    case 'vxlan':
      return ip + UDP_HEADER + VXLAN_HEADER + ETHERNET_HEADER;
  }
}

/** The encapsulation an overlay mode builds: kroute's (and kube-router's) `fou` mode is GUE. */
export function encapsulationOf(mode: OverlayEncap): Encapsulation {
  return mode === 'fou' ? 'gue' : mode;
}

/** Raised for an underlay MTU that cannot carry the overlay. */
export class MtuError extends RangeError {
  override readonly name = 'MtuError';
}

/**
 * The largest inner packet `encap` carries over an underlay link of MTU `underlayMtu` and family `underlay` (the
 * family of the node IP the tunnels start from): the MTU for the tunnel link, the pods' interfaces and their bridge.
 */
export function overlayMtu(underlayMtu: number, encap: Encapsulation, underlay: IpFamily = AF_INET): number {
  if (!Number.isInteger(underlayMtu) || underlayMtu < IPV4_MIN_MTU || underlayMtu > MAX_MTU) {
    throw new MtuError(`underlay MTU ${underlayMtu} is not a link MTU (${IPV4_MIN_MTU}..${MAX_MTU})`);
  }
  if (underlay !== AF_INET && underlay !== AF_INET6) throw new MtuError(`unknown underlay family ${String(underlay)}`);
  if (underlay === AF_INET6 && underlayMtu < IPV6_MIN_MTU) {
    throw new MtuError(`an IPv6 underlay needs an MTU of at least ${IPV6_MIN_MTU}, not ${underlayMtu}`);
  }
  const mtu = underlayMtu - encapOverhead(encap, underlay);
  if (mtu < IPV4_MIN_MTU) throw new MtuError(`underlay MTU ${underlayMtu} leaves ${mtu} bytes inside ${encap}`);
  return mtu;
}

/** `--auto-mtu`: the pod and bridge MTU for the overlay `mode` (kroute's `fou` is GUE). */
export function autoMtu(underlayMtu: number, mode: OverlayEncap, underlay: IpFamily = AF_INET): number {
  return overlayMtu(underlayMtu, encapsulationOf(mode), underlay);
}
