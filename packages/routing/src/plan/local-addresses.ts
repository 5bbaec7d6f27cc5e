/**
 * This node's addresses and subnets, as route planning needs them, from the kernel's address dump.
 * @packageDocumentation
 */
import { RT_SCOPE_UNIVERSE } from '../netlink/constants.js';
import type { DecodedAddress } from '../netlink/address.js';
import { formatAddress } from '../netlink/ip.js';
import { addressBytes } from './prefix.js';
import type { LocalAddress } from './types.js';

/**
 * Global-scope addresses only: loopback (scope host) and IPv6 link-local (scope link) addresses do not define
 * subnets a BGP next hop can sit in.
 */
export function localAddressesFromKernel(addresses: readonly DecodedAddress[]): LocalAddress[] {
  const out: LocalAddress[] = [];
  for (const a of addresses) {
    if (a.scope !== RT_SCOPE_UNIVERSE) continue;
    const slash = a.address.indexOf('/');
    const address = formatAddress(addressBytes(a.address.slice(0, slash)));
    out.push({ family: a.family, address, prefixLength: Number(a.address.slice(slash + 1)), ifindex: a.index });
  }
  return out;
}
