// IP addresses as they appear inside path attributes and NLRI: octets on the wire, text in the message model.
// Formatting runs once per UPDATE (next hops, aggregators), never per prefix, so clarity wins over tricks here.
import { isIPv6 } from 'node:net';

export const IPV4_OCTETS = 4;
export const IPV6_OCTETS = 16;
const IPV6_WORDS = 8;

/** Text that is not an IP address or prefix was handed to an encoder or parser: a caller bug, not a protocol error. */
export class AddressParseError extends Error {
  override readonly name = 'AddressParseError';
}

export function formatIpv4At(bytes: Uint8Array, offset: number): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/** The four octets of an IPv4 address as an unsigned 32-bit number. */
export function readUint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

export function writeUint32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = (value >>> 16) & 0xff;
  bytes[offset + 2] = (value >>> 8) & 0xff;
  bytes[offset + 3] = value & 0xff;
}

/** Writes dotted-quad `text` as 4 octets at `offset`. */
export function writeIpv4(text: string, bytes: Uint8Array, offset: number): void {
  // Hand-rolled dotted-quad parser: this runs once per encoded attribute set, and node:net's regex costs more.
  let octet = 0;
  let digits = 0;
  let index = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? DOT : text.charCodeAt(i);
    if (c === DOT) {
      if (digits === 0 || index === IPV4_OCTETS) throw new AddressParseError(`not an IPv4 address: ${JSON.stringify(text)}`);
      bytes[offset + index++] = octet;
      octet = 0;
      digits = 0;
    } else if (c >= DIGIT_0 && c <= DIGIT_9 && digits < 3 && !(digits === 1 && octet === 0)) {
      octet = octet * 10 + (c - DIGIT_0);
      digits++;
      if (octet > 255) throw new AddressParseError(`not an IPv4 address: ${JSON.stringify(text)}`);
    } else {
      throw new AddressParseError(`not an IPv4 address: ${JSON.stringify(text)}`);
    }
  }
  if (index !== IPV4_OCTETS) throw new AddressParseError(`not an IPv4 address: ${JSON.stringify(text)}`);
}
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** Writes `text` as 16 octets at `offset` (RFC 4291 §2.2 text forms, including an embedded IPv4 tail). */
export function writeIpv6(text: string, bytes: Uint8Array, offset: number): void {
  if (!isIPv6(text)) throw new AddressParseError(`not an IPv6 address: ${JSON.stringify(text)}`);
  let body = text;
  const tailStart = body.lastIndexOf(':') + 1;
  const tail = body.slice(tailStart);
  if (tail.includes('.')) {
    const v4 = new Uint8Array(IPV4_OCTETS);
    writeIpv4(tail, v4, 0);
    body = `${body.slice(0, tailStart)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const gap = body.indexOf('::');
  let words: number[];
  if (gap >= 0) {
    const head = groups(body.slice(0, gap));
    const rest = groups(body.slice(gap + 2));
    words = [...head, ...new Array<number>(IPV6_WORDS - head.length - rest.length).fill(0), ...rest];
  } else {
    words = groups(body);
  }
  for (let i = 0; i < IPV6_WORDS; i++) {
    bytes[offset + 2 * i] = words[i]! >>> 8;
    bytes[offset + 2 * i + 1] = words[i]! & 0xff;
  }
}

/** RFC 5952 §4 text: lower case, no leading zeros, the longest run (at least two) of zero words shown as "::". */
export function formatIpv6At(bytes: Uint8Array, offset: number): string {
  // Runs once or twice per IPv6 UPDATE (next hops), so it avoids intermediate arrays.
  let bestStart = -1;
  let bestLength = 1;
  let runStart = -1;
  for (let i = 0; i < IPV6_WORDS; i++) {
    if (bytes[offset + 2 * i] === 0 && bytes[offset + 2 * i + 1] === 0) {
      if (runStart < 0) runStart = i;
      if (i - runStart + 1 > bestLength) {
        bestStart = runStart;
        bestLength = i - runStart + 1;
      }
    } else {
      runStart = -1;
    }
  }
  let text = '';
  let separator = false;
  for (let i = 0; i < IPV6_WORDS; i++) {
    if (i === bestStart) {
      text += '::';
      i += bestLength - 1;
      separator = false;
      continue;
    }
    if (separator) text += ':';
    text += ((bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!).toString(16);
    separator = true;
  }
  return text;
}

export function isIpv6Text(text: string): boolean {
  return isIPv6(text);
}
