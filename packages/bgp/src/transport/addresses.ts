// Address normalisation, so a peer configured as "FD99:0::1" or "::ffff:10.0.0.1" matches the remote address
// node:net reports for an accepted socket.
import { isIPv4, isIPv6, SocketAddress } from 'node:net';
import { TransportConfigError } from './errors.js';

export type IpFamily = 4 | 6;

const MAPPED_V4 = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

/** The family of an IP literal, or null if it is not one. */
export function ipFamily(address: string): IpFamily | null {
  if (isIPv4(address)) return 4;
  if (isIPv6(address)) return 6;
  return null;
}

/**
 * Canonical text form: IPv4 dotted quad; IPv6 in inet_ntop's compressed lower-case form; an IPv4-mapped IPv6
 * address (how a dual-stack socket shows an IPv4 peer) becomes the plain IPv4 address.
 */
export function canonicalAddress(address: string): string {
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) throw new TransportConfigError(`not an IP address: ${JSON.stringify(address)}`);
  const text = new SocketAddress({ address, family: 'ipv6' }).address;
  const mapped = MAPPED_V4.exec(text);
  return mapped ? (mapped[1] as string) : text;
}

/** True for the wildcard addresses 0.0.0.0 and ::. */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || canonicalAddress(address) === '::';
}
