// NLRI runs (RFC 4271 §4.3, RFC 4760 §5, RFC 7911 §3): validated once, then handed out as zero-copy views.
// The hot path walks them with forEachPrefix and turns each prefix into a RIB key without allocating.
import { Afi, ErrorCode, Safi, UpdateErrorSubcode } from './constants.js';
import { AddressParseError, formatIpv4At, formatIpv6At, IPV4_OCTETS, IPV6_OCTETS, isIpv6Text, writeIpv4, writeIpv6 } from './address.js';
import { BgpError } from './errors.js';
import type { Family, NlriList, Prefix } from './types.js';

export const IPV4_MAX_PREFIX_LENGTH = 32;
export const IPV6_MAX_PREFIX_LENGTH = 128;
/** RFC 7911 §3: the path identifier precedes each prefix. */
export const PATH_ID_LENGTH = 4;
const TWO_POW_32 = 0x1_0000_0000;

export function familyOf(afi: number, safi: number): Family | undefined {
  if (safi !== Safi.UNICAST) return undefined;
  if (afi === Afi.IPV4) return 'ipv4-unicast';
  if (afi === Afi.IPV6) return 'ipv6-unicast';
  return undefined;
}

export function afiOf(family: Family): number {
  return family === 'ipv4-unicast' ? Afi.IPV4 : Afi.IPV6;
}

export function maxPrefixLength(afi: number): number {
  return afi === Afi.IPV4 ? IPV4_MAX_PREFIX_LENGTH : IPV6_MAX_PREFIX_LENGTH;
}

/** Octets of a prefix of `length` bits on the wire: only as many as the length covers (RFC 4271 §4.3). */
export function prefixOctets(length: number): number {
  return (length + 7) >> 3;
}

const EMPTY_BYTES = new Uint8Array(0);

export function emptyNlri(afi: number, safi: number, addPath: boolean): NlriList {
  return { afi, safi, addPath, bytes: EMPTY_BYTES, count: 0 };
}

/**
 * Validates the NLRI run in bytes[start, end) and returns a view of it. RFC 7606 §5.3: a prefix longer than the
 * family allows, or one whose octets run past the end of the field, makes the field syntactically incorrect, which
 * resets the session (RFC 4271 §6.3: 3/10 Invalid Network Field). It never trusts a length it has not checked.
 */
export function decodeNlri(bytes: Uint8Array, start: number, end: number, afi: number, safi: number, addPath: boolean): NlriList {
  const maxLength = maxPrefixLength(afi);
  let pos = start;
  let count = 0;
  const lengthAt = addPath ? PATH_ID_LENGTH : 0;
  while (pos < end) {
    if (pos + lengthAt >= end) throw invalidNetworkField(`NLRI entry at octet ${pos - start} is truncated`);
    const length = bytes[pos + lengthAt]!;
    if (length > maxLength) throw invalidNetworkField(`prefix length ${length} exceeds ${maxLength}`);
    pos += lengthAt + 1 + ((length + 7) >> 3);
    count++;
  }
  if (pos !== end) throw invalidNetworkField(`last prefix overruns the NLRI field by ${pos - end} octets`);
  return { afi, safi, addPath, bytes: start === end ? EMPTY_BYTES : bytes.subarray(start, end), count };
}

function invalidNetworkField(reason: string): BgpError {
  return new BgpError(ErrorCode.UPDATE_MESSAGE, UpdateErrorSubcode.INVALID_NETWORK_FIELD, `Invalid Network Field: ${reason}`);
}

/**
 * Calls fn once per prefix with its path identifier (0 without ADD-PATH), its length in bits, and where its
 * address octets start in `bytes` (only prefixOctets(length) of them are meaningful; trailing host bits are not
 * guaranteed zero, RFC 4271 §4.3 says they are irrelevant). Allocates nothing per prefix.
 */
export function forEachPrefix(
  list: NlriList,
  fn: (pathId: number, length: number, bytes: Uint8Array, offset: number) => void,
): void {
  const bytes = list.bytes;
  const end = bytes.length;
  let pos = 0;
  if (list.addPath) {
    while (pos < end) {
      const pathId = ((bytes[pos]! << 24) | (bytes[pos + 1]! << 16) | (bytes[pos + 2]! << 8) | bytes[pos + 3]!) >>> 0;
      const length = bytes[pos + PATH_ID_LENGTH]!;
      fn(pathId, length, bytes, pos + PATH_ID_LENGTH + 1);
      pos += PATH_ID_LENGTH + 1 + ((length + 7) >> 3);
    }
  } else {
    while (pos < end) {
      const length = bytes[pos]!;
      fn(0, length, bytes, pos + 1);
      pos += 1 + ((length + 7) >> 3);
    }
  }
}

/**
 * RIB key of an IPv4 prefix read straight from NLRI octets: length * 2^32 + address with host bits cleared, the
 * same number rib/prefix.ts ipv4Key(address, length) gives. Exact in a double (at most 33 * 2^32 < 2^53).
 */
export function nlriIpv4Key(bytes: Uint8Array, offset: number, length: number): number {
  let address = 0;
  switch ((length + 7) >> 3) {
    case 4:
      address = (bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
      break;
    case 3:
      address = (bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8);
      break;
    case 2:
      address = (bytes[offset]! << 24) | (bytes[offset + 1]! << 16);
      break;
    case 1:
      address = bytes[offset]! << 24;
      break;
    default:
      return 0;
  }
  const mask = length === IPV4_MAX_PREFIX_LENGTH ? 0xffffffff : ~(0xffffffff >>> length);
  return length * TWO_POW_32 + ((address & mask) >>> 0);
}

/**
 * RIB key of an IPv6 prefix from NLRI octets: a 9-code-unit string, the length then the eight 16-bit address
 * words with host bits cleared (the format of rib/prefix.ts ipv6Key). Strings beat bigint here: building one is a
 * single fromCharCode call, and V8 hashes and compares them natively as Map keys.
 */
export function nlriIpv6Key(bytes: Uint8Array, offset: number, length: number): string {
  const octets = (length + 7) >> 3;
  const w = IPV6_SCRATCH;
  w.fill(0);
  for (let i = 0; i < octets; i++) w[i] = bytes[offset + i]!;
  const rem = length & 7;
  if (rem !== 0) w[octets - 1] = w[octets - 1]! & ((0xff << (8 - rem)) & 0xff);
  return String.fromCharCode(
    length,
    (w[0]! << 8) | w[1]!,
    (w[2]! << 8) | w[3]!,
    (w[4]! << 8) | w[5]!,
    (w[6]! << 8) | w[7]!,
    (w[8]! << 8) | w[9]!,
    (w[10]! << 8) | w[11]!,
    (w[12]! << 8) | w[13]!,
    (w[14]! << 8) | w[15]!,
  );
}
const IPV6_SCRATCH = new Uint8Array(IPV6_OCTETS);

/** Every prefix of the list as a value (allocating convenience for APIs and tests; host bits cleared). */
export function prefixesOf(list: NlriList): Prefix[] {
  const out: Prefix[] = [];
  const addressLength = list.afi === Afi.IPV4 ? IPV4_OCTETS : IPV6_OCTETS;
  forEachPrefix(list, (pathId, length, bytes, offset) => {
    const address = new Uint8Array(addressLength);
    const octets = (length + 7) >> 3;
    address.set(bytes.subarray(offset, offset + octets));
    if ((length & 7) !== 0) address[octets - 1] = address[octets - 1]! & ((0xff << (8 - (length & 7))) & 0xff);
    out.push(list.addPath ? { afi: list.afi, address, length, pathId } : { afi: list.afi, address, length });
  });
  return out;
}

/** Octets `prefix` takes in an NLRI run. */
export function encodedPrefixSize(prefix: Prefix, addPath: boolean): number {
  return (addPath ? PATH_ID_LENGTH : 0) + 1 + ((prefix.length + 7) >> 3);
}

/** Writes one NLRI entry at `pos` and returns the position after it. */
export function writePrefix(target: Uint8Array, pos: number, prefix: Prefix, addPath: boolean): number {
  if (addPath) {
    const id = prefix.pathId ?? 0;
    target[pos++] = id >>> 24;
    target[pos++] = (id >>> 16) & 0xff;
    target[pos++] = (id >>> 8) & 0xff;
    target[pos++] = id & 0xff;
  }
  target[pos++] = prefix.length;
  const octets = (prefix.length + 7) >> 3;
  for (let i = 0; i < octets; i++) target[pos++] = prefix.address[i]!;
  return pos;
}

/** Encodes prefixes as one NLRI run. */
export function buildNlri(afi: number, safi: number, prefixes: readonly Prefix[], addPath: boolean): NlriList {
  const maxLength = maxPrefixLength(afi);
  let size = 0;
  for (const p of prefixes) {
    if (p.afi !== afi) throw new AddressParseError(`prefix of AFI ${p.afi} in an AFI ${afi} NLRI list`);
    if (!Number.isInteger(p.length) || p.length < 0 || p.length > maxLength) {
      throw new AddressParseError(`prefix length ${p.length} outside 0..${maxLength}`);
    }
    size += encodedPrefixSize(p, addPath);
  }
  const bytes = new Uint8Array(size);
  let pos = 0;
  for (const p of prefixes) pos = writePrefix(bytes, pos, p, addPath);
  return { afi, safi, addPath, bytes, count: prefixes.length };
}

/** Parses "10.0.0.0/24" or "2001:db8::/32" (a bare address is a host prefix). Host bits are cleared. */
export function parsePrefix(text: string, pathId?: number): Prefix {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const v6 = isIpv6Text(addressText);
  const afi = v6 ? Afi.IPV6 : Afi.IPV4;
  const address = new Uint8Array(v6 ? IPV6_OCTETS : IPV4_OCTETS);
  if (v6) writeIpv6(addressText, address, 0);
  else writeIpv4(addressText, address, 0);
  const max = maxPrefixLength(afi);
  let length = max;
  if (slash >= 0) {
    const lengthText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lengthText) || Number(lengthText) > max) {
      throw new AddressParseError(`bad prefix length in ${JSON.stringify(text)}`);
    }
    length = Number(lengthText);
  }
  for (let bit = length; bit < max; bit++) address[bit >> 3] = address[bit >> 3]! & ~(0x80 >> (bit & 7));
  return pathId === undefined ? { afi, address, length } : { afi, address, length, pathId };
}

export function formatPrefix(prefix: Prefix): string {
  const text = prefix.afi === Afi.IPV4 ? formatIpv4At(prefix.address, 0) : formatIpv6At(prefix.address, 0);
  return `${text}/${prefix.length}`;
}
