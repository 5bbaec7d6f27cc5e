/**
 * VXLAN tunnel endpoints that every node derives on its own, flannel-style, so no per-node data has to be exchanged
 * beyond what BGP and the Node objects already carry (node IP, pod CIDRs):
 *
 * - **VTEP IP** of a node = the network address of each of its pod CIDRs (`10.244.3.0/24` → `10.244.3.0`), as
 *   flannel's vxlan backend does. It is the on-link gateway of the route to that pod CIDR and, on the node itself,
 *   a /32 (/128) on the VXLAN device.
 * - **VTEP MAC** of a node = a locally administered unicast address derived from its underlay (node) IP:
 *   `0e:04:a:b:c:d` for IPv4 `a.b.c.d` (one-to-one, so no two nodes collide), and `0e:06:` + the first four bytes of
 *   sha256 of the 16 address bytes for IPv6 (2^-32 collision odds per pair).
 *
 * Each node then programs, per remote node: neighbour VTEP IP → VTEP MAC on the VXLAN device, and FDB VTEP MAC →
 * remote node IP; its own device carries its own VTEP MAC.
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { AF_INET, addressToBytes, formatMac } from '@kroute/routing';
import { canonicalAddress, familyOf, networkAddress } from './address.js';

/** First octet: bit 1 set (locally administered, IEEE 802 §8.2.2), bit 0 clear (unicast). */
export const VTEP_MAC_OUI = 0x0e;
/** Second octet, telling which scheme made the rest. */
export const VTEP_MAC_IPV4 = 0x04;
export const VTEP_MAC_IPV6 = 0x06;
const MAC_TAIL_BYTES = 4;

/** The VTEP MAC of the node whose underlay address is `nodeIP`. */
export function vtepMac(nodeIP: string): string {
  const address = canonicalAddress(nodeIP);
  const bytes = addressToBytes(address);
  const tail = familyOf(address) === AF_INET ? bytes : createHash('sha256').update(bytes).digest().subarray(0, MAC_TAIL_BYTES);
  const mac = Buffer.alloc(2 + MAC_TAIL_BYTES);
  mac[0] = VTEP_MAC_OUI;
  mac[1] = familyOf(address) === AF_INET ? VTEP_MAC_IPV4 : VTEP_MAC_IPV6;
  tail.copy(mac, 2, 0, MAC_TAIL_BYTES);
  return formatMac(mac);
}

/** The VTEP IP for one pod CIDR of a node. */
export function vtepAddress(podCidr: string): string {
  return networkAddress(podCidr);
}
