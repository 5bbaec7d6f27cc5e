/**
 * IP address and prefix conversion between text and the network-order bytes netlink carries.
 * @packageDocumentation
 */
import { isIPv6 } from 'node:net';
import { AF_INET, AF_INET6 } from './constants.js';

/** The two address families rtnetlink objects use. */
export type IpFamily = typeof AF_INET | typeof AF_INET6;

/** A prefix split into its address and length, e.g. `10.244.3.0/24`. */
export interface IpPrefix {
  family: IpFamily;
  address: string;
  length: number;
}

const IPV4_BYTES = 4;
const IPV6_BYTES = 16;
const IPV6_GROUPS = 8;

const scratch = Buffer.alloc(IPV4_BYTES);
const DIGIT_0 = 48;
const DIGIT_9 = 57;
const DOT = 46;
const MAX_OCTET = 255;
const MAX_OCTET_DIGITS = 3;

/**
 * Parses a dotted quad in `text[start, end)` into `out` at `offset`; false if it is not one. Hand-rolled because
 * route programming parses hundreds of thousands of addresses and this is several times faster than a regex.
 */
function parseIPv4Into(text: string, start: number, end: number, out: Uint8Array, offset: number): boolean {
  let octet = 0;
  let digits = 0;
  let index = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= DIGIT_0 && c <= DIGIT_9) {
      // No leading zeros (as node:net's isIPv4): "01" is not an octet.
      if (digits > 0 && octet === 0) return false;
      octet = octet * 10 + (c - DIGIT_0);
      if (++digits > MAX_OCTET_DIGITS || octet > MAX_OCTET) return false;
    } else if (c === DOT) {
      if (digits === 0 || index === IPV4_BYTES - 1) return false;
      out[offset + index++] = octet;
      octet = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  if (digits === 0 || index !== IPV4_BYTES - 1) return false;
  out[offset + index] = octet;
  return true;
}

/** The family of an address or prefix text; throws for anything that is neither IPv4 nor IPv6. */
export function ipFamily(text: string): IpFamily {
  const slash = text.indexOf('/');
  const end = slash >= 0 ? slash : text.length;
  if (parseIPv4Into(text, 0, end, scratch, 0)) return AF_INET;
  const address = text.slice(0, end);
  if (isIPv6(address)) return AF_INET6;
  throw new TypeError(`not an IP address: ${JSON.stringify(text)}`);
}

/** The byte length of an address of `family`. */
export function addressLength(family: IpFamily): number {
  return family === AF_INET ? IPV4_BYTES : IPV6_BYTES;
}

/** Writes `address` in network order into `out` at `offset`; returns the number of bytes written. */
export function writeAddress(address: string, out: Buffer, offset: number): number {
  if (parseIPv4Into(address, 0, address.length, out, offset)) return IPV4_BYTES;
  if (!isIPv6(address)) throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
  let text = address;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const groups: number[] = [];
  const parseGroups = (part: string): number[] => {
    if (part === '') return [];
    const out2: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const v4 = g.split('.').map(Number);
        out2.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        out2.push(parseInt(g, 16));
      }
    }
    return out2;
  };
  const gap = text.indexOf('::');
  if (gap >= 0) {
    const head = parseGroups(text.slice(0, gap));
    const tail = parseGroups(text.slice(gap + 2));
    groups.push(...head, ...new Array<number>(IPV6_GROUPS - head.length - tail.length).fill(0), ...tail);
  } else {
    groups.push(...parseGroups(text));
  }
  for (let i = 0; i < IPV6_GROUPS; i++) out.writeUInt16BE(groups[i]!, offset + 2 * i);
  return IPV6_BYTES;
}

/** `address` as network-order bytes (4 or 16). */
export function addressToBytes(address: string): Buffer {
  const out = Buffer.alloc(ipFamily(address) === AF_INET ? IPV4_BYTES : IPV6_BYTES);
  writeAddress(address, out, 0);
  return out;
}

/** Formats network-order bytes as text: dotted quad, or RFC 5952 canonical IPv6 (longest zero run compressed). */
export function formatAddress(bytes: Uint8Array, offset = 0, length = bytes.length - offset): string {
  if (length === IPV4_BYTES) {
    return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
  }
  if (length !== IPV6_BYTES) throw new RangeError(`an IP address has 4 or 16 bytes, not ${length}`);
  const groups: number[] = [];
  for (let i = 0; i < IPV6_GROUPS; i++) groups.push((bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!);
  // RFC 5952 §4.2: compress the longest run of two or more zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < IPV6_GROUPS; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < IPV6_GROUPS && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number): string => g.toString(16);
  if (bestStart < 0) return groups.map(hex).join(':');
  const head = groups.slice(0, bestStart).map(hex).join(':');
  const tail = groups.slice(bestStart + bestLen).map(hex).join(':');
  return `${head}::${tail}`;
}

/** Parses `a.b.c.d/len` or `x::/len`; a bare address is a host prefix (/32 or /128). */
export function parsePrefix(text: string): IpPrefix {
  const slash = text.indexOf('/');
  const address = slash >= 0 ? text.slice(0, slash) : text;
  const family = ipFamily(address);
  const max = addressLength(family) * 8;
  const length = slash >= 0 ? Number(text.slice(slash + 1)) : max;
  if (!Number.isInteger(length) || length < 0 || length > max) {
    throw new RangeError(`bad prefix length in ${JSON.stringify(text)}`);
  }
  return { family, address, length };
}

/** `address/length`. */
export function formatPrefix(address: string, length: number): string {
  return `${address}/${length}`;
}

/** The all-zeros address of `family`, used for default routes. */
export function anyAddress(family: IpFamily): string {
  return family === AF_INET ? '0.0.0.0' : '::';
}
