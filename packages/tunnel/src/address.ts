/**
 * Address text in one canonical form, so that names, comparisons with kernel dumps and MAC derivation agree no
 * matter how a caller spelled an address (`fd00:0::1` and `fd00::1`).
 * @packageDocumentation
 */
import { addressToBytes, formatAddress, ipFamily, parsePrefix, type IpFamily } from '@kroute/routing';
import { TunnelError } from './errors.js';

/** The RFC 5952 / dotted-quad form the kernel dumps decode to; throws a TunnelError for anything else. */
export function canonicalAddress(address: string): string {
  try {
    if (address.includes('/')) throw new Error('a prefix, not an address');
    return formatAddress(addressToBytes(address));
  } catch (e) {
    throw new TunnelError(`${JSON.stringify(address)} is not an IP address`, { cause: e });
  }
}

/** Family of a valid address (throws a TunnelError otherwise). */
export function familyOf(address: string): IpFamily {
  try {
    return ipFamily(address);
  } catch (e) {
    throw new TunnelError(`${JSON.stringify(address)} is not an IP address`, { cause: e });
  }
}

/** The network address of a prefix: `10.244.3.7/24` → `10.244.3.0`. */
export function networkAddress(prefix: string): string {
  let p;
  try {
    p = parsePrefix(prefix);
  } catch (e) {
    throw new TunnelError(`${JSON.stringify(prefix)} is not an IP prefix`, { cause: e });
  }
  const bytes = addressToBytes(p.address);
  for (let bit = p.length; bit < bytes.length * 8; bit++) bytes[bit >> 3] &= ~(0x80 >> (bit & 7));
  return formatAddress(bytes);
}
