/**
 * Prefix arithmetic for route plans: canonical text, and "is this address inside that subnet", for IPv4 and IPv6.
 * Pure; addresses travel as network-order bytes so both families share one code path.
 * @packageDocumentation
 */
import { AF_INET } from '../netlink/constants.js';
import { addressLength, formatAddress, ipFamily, writeAddress, type IpFamily } from '../netlink/ip.js';

const BITS_PER_BYTE = 8;
const BYTE_MASK = 0xff;

/** A prefix as bytes: the network address (host bits cleared) and its length. */
export interface BinaryPrefix {
  readonly family: IpFamily;
  readonly bytes: Buffer;
  readonly length: number;
}

/** The network-order bytes of an address (no prefix length). */
export function addressBytes(address: string): Buffer {
  const out = Buffer.alloc(addressLength(ipFamily(address)));
  writeAddress(address, out, 0);
  return out;
}

/** The canonical text of an address: dotted quad, or RFC 5952 IPv6 (as the kernel's dumps are decoded). */
export function canonicalAddress(address: string): string {
  return formatAddress(addressBytes(address));
}

/** Parses `a/len` (a bare address is a host prefix) and clears the host bits. */
export function parseBinaryPrefix(text: string): BinaryPrefix {
  const slash = text.indexOf('/');
  const address = slash >= 0 ? text.slice(0, slash) : text;
  const family = ipFamily(address);
  const max = addressLength(family) * BITS_PER_BYTE;
  const length = slash >= 0 ? Number(text.slice(slash + 1)) : max;
  if (slash >= 0 && (text.length === slash + 1 || !Number.isInteger(length) || length < 0 || length > max)) {
    throw new RangeError(`bad prefix length in ${JSON.stringify(text)}`);
  }
  const bytes = addressBytes(address);
  clearHostBits(bytes, length);
  return { family, bytes, length };
}

function clearHostBits(bytes: Buffer, length: number): void {
  for (let i = 0; i < bytes.length; i++) {
    const keep = length - i * BITS_PER_BYTE;
    if (keep >= BITS_PER_BYTE) continue;
    bytes[i] = keep <= 0 ? 0 : bytes[i]! & ((BYTE_MASK << (BITS_PER_BYTE - keep)) & BYTE_MASK);
  }
}

/** `a.b.c.d/len` with decimal parts; the common case, checked without building bytes. */
const IPV4_PREFIX = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const IPV4_BITS = 32;
const OCTET_MAX = 255;
const OCTET_RANGE = 256;
const CHAR_ZERO = 48;

/** True when `text` already is a canonical IPv4 prefix (no leading zeros, host bits clear). */
function isCanonicalIpv4Prefix(text: string): boolean {
  const m = IPV4_PREFIX.exec(text);
  if (!m) return false;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    const octet = Number(part);
    if (octet > OCTET_MAX || (part.length > 1 && part.charCodeAt(0) === CHAR_ZERO)) return false;
    value = value * OCTET_RANGE + octet;
  }
  const lengthText = m[5]!;
  const length = Number(lengthText);
  if (length > IPV4_BITS || (lengthText.length > 1 && lengthText.charCodeAt(0) === CHAR_ZERO)) return false;
  const hostBits = IPV4_BITS - length;
  return hostBits === 0 || value % 2 ** hostBits === 0;
}

/** `10.244.3.0/24`, `fd00:244::/64`: host bits cleared, IPv6 in RFC 5952 form, as the kernel reports routes. */
export function canonicalPrefix(text: string): string {
  // Route programming canonicalizes every prefix it is given; most already are canonical IPv4.
  if (isCanonicalIpv4Prefix(text)) return text;
  const p = parseBinaryPrefix(text);
  return `${formatAddress(p.bytes)}/${p.length}`;
}

/** The host prefix of an address: `/32` or `/128`. */
export function hostPrefix(address: string): string {
  const family = ipFamily(address);
  return `${canonicalAddress(address)}/${family === AF_INET ? 32 : 128}`;
}

/** True when `address` (bytes of the same family) lies inside `prefix`. */
export function prefixContains(prefix: BinaryPrefix, address: Buffer): boolean {
  if (address.length !== prefix.bytes.length) return false;
  const full = prefix.length >> 3;
  for (let i = 0; i < full; i++) if (address[i] !== prefix.bytes[i]) return false;
  const rest = prefix.length & (BITS_PER_BYTE - 1);
  if (rest === 0) return true;
  const mask = (BYTE_MASK << (BITS_PER_BYTE - rest)) & BYTE_MASK;
  return (address[full]! & mask) === prefix.bytes[full];
}

/** Orders addresses of one family by their bytes (numeric order), for deterministic ECMP hop order. */
export function compareAddressBytes(a: Buffer, b: Buffer): number {
  return Buffer.compare(a, b);
}
