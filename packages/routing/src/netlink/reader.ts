/**
 * Zero-copy netlink decoding: messages and attributes are views (subarrays) into the received buffer.
 * @packageDocumentation
 */
import { NLA_HDRLEN, NLA_TYPE_MASK, NLMSG_HDRLEN } from './constants.js';
import { align } from './writer.js';
import { formatAddress } from './ip.js';

/** One netlink message as received: header fields plus a view of its payload (after struct nlmsghdr). */
export interface NetlinkMessage {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  /** The message body after the 16-byte header; a view into the receive buffer. */
  payload: Buffer;
}

/** Splits a buffer of concatenated netlink messages; stops at a truncated or malformed header. */
export function decodeMessages(buf: Buffer): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  forEachMessage(buf, (m) => out.push(m));
  return out;
}

/** Calls `fn` for each message in `buf` without building an array. */
export function forEachMessage(buf: Buffer, fn: (message: NetlinkMessage) => void): void {
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > buf.length) break;
    fn({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align(len);
  }
}

/**
 * Attributes by type (flag bits masked off): each entry a view of the payload. A type that repeats keeps its last
 * occurrence; use {@link forEachAttribute} when repetition matters (e.g. nested lists).
 */
export type Attributes = Map<number, Buffer>;

/** Calls `fn(type, payload)` for each attribute in `buf[start, end)`. */
export function forEachAttribute(buf: Buffer, start: number, end: number, fn: (type: number, payload: Buffer) => void): void {
  let off = start;
  while (off + NLA_HDRLEN <= end) {
    const len = buf.readUInt16LE(off);
    if (len < NLA_HDRLEN || off + len > end) break;
    fn(buf.readUInt16LE(off + 2) & NLA_TYPE_MASK, buf.subarray(off + NLA_HDRLEN, off + len));
    off += align(len);
  }
}

/** Parses the attributes in `buf` from `start` (default: all of it) into a map. */
export function parseAttributes(buf: Buffer, start = 0, end = buf.length): Attributes {
  const attrs: Attributes = new Map();
  forEachAttribute(buf, start, end, (type, payload) => attrs.set(type, payload));
  return attrs;
}

// Typed accessors; each returns undefined when the attribute is absent or too short.

export function attrU8(attrs: Attributes, type: number): number | undefined {
  const v = attrs.get(type);
  return v && v.length >= 1 ? v[0] : undefined;
}

export function attrU16(attrs: Attributes, type: number): number | undefined {
  const v = attrs.get(type);
  return v && v.length >= 2 ? v.readUInt16LE(0) : undefined;
}

export function attrBe16(attrs: Attributes, type: number): number | undefined {
  const v = attrs.get(type);
  return v && v.length >= 2 ? v.readUInt16BE(0) : undefined;
}

export function attrU32(attrs: Attributes, type: number): number | undefined {
  const v = attrs.get(type);
  return v && v.length >= 4 ? v.readUInt32LE(0) : undefined;
}

export function attrI32(attrs: Attributes, type: number): number | undefined {
  const v = attrs.get(type);
  return v && v.length >= 4 ? v.readInt32LE(0) : undefined;
}

/** A NUL-terminated string attribute. */
export function attrString(attrs: Attributes, type: number): string | undefined {
  const v = attrs.get(type);
  if (!v) return undefined;
  const nul = v.indexOf(0);
  return v.toString('utf8', 0, nul >= 0 ? nul : v.length);
}

/** An IPv4/IPv6 address attribute as text. */
export function attrAddress(attrs: Attributes, type: number): string | undefined {
  const v = attrs.get(type);
  if (!v || (v.length !== 4 && v.length !== 16)) return undefined;
  return formatAddress(v);
}

/** A link-layer address as `aa:bb:cc:dd:ee:ff`. */
export function formatMac(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Parses `aa:bb:cc:dd:ee:ff` (or `-` separated) into bytes. */
export function parseMac(text: string): Buffer {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw new TypeError(`not a MAC address: ${JSON.stringify(text)}`);
  }
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}
