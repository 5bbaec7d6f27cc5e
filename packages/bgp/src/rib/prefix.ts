// Prefix keys: the RIB never formats a prefix on the hot path. An IPv4 prefix is one JS number,
// length * 2^32 + address (exact in a double: at most 33 * 2^32 < 2^53). An IPv6 prefix is a 9-code-unit string:
// the length, then the address as eight 16-bit words; it is a Map key as-is and masks without parsing text.
import { isIPv4, isIPv6 } from 'node:net';
import type { Family } from '../wire/types.js';
import { RibError } from './errors.js';

export type Ipv4Key = number;
export type Ipv6Key = string;
export type PrefixKey = Ipv4Key | Ipv6Key;

export const IPV4_BITS = 32;
export const IPV6_BITS = 128;
const TWO_POW_32 = 0x1_0000_0000;
const IPV6_WORDS = 8;
const WORD_BITS = 16;
const WORD_MASK = 0xffff;

export function familyBits(family: Family): number {
  return family === 'ipv4-unicast' ? IPV4_BITS : IPV6_BITS;
}

/** The netmask of `length` bits as an unsigned 32-bit number. */
export function ipv4Mask(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (IPV4_BITS - length)) >>> 0;
}

/** Key of an IPv4 prefix; host bits are cleared so 10.0.0.1/24 and 10.0.0.0/24 are one prefix. */
export function ipv4Key(address: number, length: number): Ipv4Key {
  return length * TWO_POW_32 + ((address & ipv4Mask(length)) >>> 0);
}

export function ipv4KeyLength(key: Ipv4Key): number {
  return Math.floor(key / TWO_POW_32);
}

export function ipv4KeyAddress(key: Ipv4Key): number {
  return key % TWO_POW_32;
}

/** Key of an IPv6 prefix from its 16 address octets (host bits cleared). */
export function ipv6Key(address: Uint8Array, length: number): Ipv6Key {
  const words = new Array<number>(IPV6_WORDS);
  for (let i = 0; i < IPV6_WORDS; i++) words[i] = ((address[2 * i] ?? 0) << 8) | (address[2 * i + 1] ?? 0);
  return ipv6KeyFromWords(words, length);
}

export function ipv6KeyFromWords(words: readonly number[], length: number): Ipv6Key {
  let s = String.fromCharCode(length);
  for (let i = 0; i < IPV6_WORDS; i++) {
    const bitsLeft = length - i * WORD_BITS;
    const w = bitsLeft >= WORD_BITS ? words[i]! : bitsLeft <= 0 ? 0 : words[i]! & ((WORD_MASK << (WORD_BITS - bitsLeft)) & WORD_MASK);
    s += String.fromCharCode(w);
  }
  return s;
}

export function ipv6KeyLength(key: Ipv6Key): number {
  return key.charCodeAt(0);
}

export function ipv6KeyWords(key: Ipv6Key): number[] {
  const words = new Array<number>(IPV6_WORDS);
  for (let i = 0; i < IPV6_WORDS; i++) words[i] = key.charCodeAt(i + 1);
  return words;
}

/** The same address masked to a shorter length: the key a prefix-set entry of that length would have. */
export function ipv6KeyTruncate(key: Ipv6Key, length: number): Ipv6Key {
  return ipv6KeyFromWords(ipv6KeyWords(key), length);
}

export function ipv4KeyTruncate(key: Ipv4Key, length: number): Ipv4Key {
  return ipv4Key(ipv4KeyAddress(key), length);
}

export function keyLength(key: PrefixKey): number {
  return typeof key === 'number' ? ipv4KeyLength(key) : ipv6KeyLength(key);
}

export function keyFamily(key: PrefixKey): Family {
  return typeof key === 'number' ? 'ipv4-unicast' : 'ipv6-unicast';
}

export function keyTruncate(key: PrefixKey, length: number): PrefixKey {
  return typeof key === 'number' ? ipv4KeyTruncate(key, length) : ipv6KeyTruncate(key, length);
}

// ---------------------------------------------------------------------------------------------------------------
// Text forms, for configuration, APIs and tests (never per prefix on the hot path).

export function parseIpv4(text: string): number {
  if (!isIPv4(text)) throw new RibError(`not an IPv4 address: ${JSON.stringify(text)}`);
  const p = text.split('.');
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0;
}

export function formatIpv4(address: number): string {
  return `${address >>> 24}.${(address >>> 16) & 0xff}.${(address >>> 8) & 0xff}.${address & 0xff}`;
}

export function parseIpv6Words(text: string): number[] {
  if (!isIPv6(text)) throw new RibError(`not an IPv6 address: ${JSON.stringify(text)}`);
  let body = text;
  const lastPart = body.slice(body.lastIndexOf(':') + 1);
  if (lastPart.includes('.')) {
    // Embedded IPv4 (RFC 4291 §2.2 form 3): rewrite it as two hex groups and parse as usual.
    const v4 = parseIpv4(lastPart);
    body = body.slice(0, body.length - lastPart.length) + `${(v4 >>> 16).toString(16)}:${(v4 & WORD_MASK).toString(16)}`;
  }
  const parseGroups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const dbl = body.indexOf('::');
  let words: number[];
  const want = IPV6_WORDS;
  if (dbl >= 0) {
    const head = parseGroups(body.slice(0, dbl));
    const rest = parseGroups(body.slice(dbl + 2));
    words = [...head, ...new Array<number>(want - head.length - rest.length).fill(0), ...rest];
  } else {
    words = parseGroups(body);
  }
  return words;
}

/** RFC 5952 text: lower case, the longest run (≥ 2) of zero words compressed. */
export function formatIpv6Words(words: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < IPV6_WORDS; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < IPV6_WORDS && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: readonly number[]): string => ws.map((w) => w.toString(16)).join(':');
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

/** Parses "a.b.c.d/len" or "x::/len" (host bits are cleared). A bare address is a host prefix. */
export function parsePrefix(text: string): PrefixKey {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const lenText = slash < 0 ? undefined : text.slice(slash + 1);
  if (isIPv4(addr)) {
    const length = lenText === undefined ? IPV4_BITS : strictLength(lenText, IPV4_BITS, text);
    return ipv4Key(parseIpv4(addr), length);
  }
  if (isIPv6(addr)) {
    const length = lenText === undefined ? IPV6_BITS : strictLength(lenText, IPV6_BITS, text);
    return ipv6KeyFromWords(parseIpv6Words(addr), length);
  }
  throw new RibError(`not a prefix: ${JSON.stringify(text)}`);
}

function strictLength(text: string, max: number, whole: string): number {
  if (!/^\d{1,3}$/.test(text) || Number(text) > max) throw new RibError(`bad prefix length in ${JSON.stringify(whole)}`);
  return Number(text);
}

export function formatPrefix(key: PrefixKey): string {
  if (typeof key === 'number') return `${formatIpv4(ipv4KeyAddress(key))}/${ipv4KeyLength(key)}`;
  return `${formatIpv6Words(ipv6KeyWords(key))}/${ipv6KeyLength(key)}`;
}

/** A host address as a comparable number (IPv4) or key string (IPv6): used to order peers and match neighbours. */
export function addressKey(address: string): PrefixKey {
  return parsePrefix(address);
}
