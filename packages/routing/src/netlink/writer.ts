/**
 * NetlinkWriter: builds one or many netlink messages into a single growing buffer, computing every length
 * (message, attribute, nest) as it goes, so a whole batch goes to the kernel in one sendmsg.
 * @packageDocumentation
 */
import { NLA_F_NESTED, NLA_HDRLEN, NLMSG_HDRLEN } from './constants.js';
import { writeAddress } from './ip.js';

const INITIAL_CAPACITY = 4096;
const IPV4_ADDRESS_BYTES = 4;
const IPV6_ADDRESS_BYTES = 16;
/** Netlink aligns messages and attributes to 4 bytes (NLMSG_ALIGNTO, NLA_ALIGNTO). */
export const NETLINK_ALIGN = 4;

/** Rounds `n` up to the netlink alignment. */
export function align(n: number): number {
  return (n + NETLINK_ALIGN - 1) & ~(NETLINK_ALIGN - 1);
}

/** Builds netlink messages; lengths are patched in when a message or nest ends. */
export class NetlinkWriter {
  private buf: Buffer;
  private off = 0;
  private messageStart = -1;
  private readonly nests: number[] = [];

  constructor(capacity = INITIAL_CAPACITY) {
    this.buf = Buffer.alloc(capacity);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.off;
  }

  /** The bytes written so far (a view; copy it before reusing the writer). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.off);
  }

  /** Discards everything written. */
  reset(): void {
    this.off = 0;
    this.messageStart = -1;
    this.nests.length = 0;
  }

  private reserve(n: number): number {
    const need = this.off + n;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const next = Buffer.alloc(cap);
      this.buf.copy(next, 0, 0, this.off);
      this.buf = next;
    }
    const at = this.off;
    this.off = need;
    return at;
  }

  /** Starts a message: struct nlmsghdr with its length left to {@link endMessage}. Returns the message offset. */
  beginMessage(type: number, flags: number, seq = 0, pid = 0): number {
    if (this.messageStart >= 0) throw new Error('netlink writer: previous message not ended');
    const at = this.reserve(NLMSG_HDRLEN);
    this.buf.writeUInt32LE(0, at);
    this.buf.writeUInt16LE(type, at + 4);
    this.buf.writeUInt16LE(flags, at + 6);
    this.buf.writeUInt32LE(seq >>> 0, at + 8);
    this.buf.writeUInt32LE(pid >>> 0, at + 12);
    this.messageStart = at;
    return at;
  }

  /** Ends the current message, writing nlmsg_len (which, as in iproute2, includes the final padding). */
  endMessage(): number {
    if (this.messageStart < 0) throw new Error('netlink writer: no message begun');
    if (this.nests.length > 0) throw new Error('netlink writer: unclosed nested attribute');
    const start = this.messageStart;
    this.buf.writeUInt32LE(this.off - start, start);
    this.messageStart = -1;
    return start;
  }

  /** Sets nlmsg_seq of the message at `messageOffset`. */
  setSeq(messageOffset: number, seq: number): void {
    this.buf.writeUInt32LE(seq >>> 0, messageOffset + 8);
  }

  // --- fixed headers (struct rtmsg, ifinfomsg, ...) are written field by field -------------------------------------

  // reserve() may replace this.buf, so every write takes its offset first and only then reads this.buf.

  u8(v: number): void {
    const at = this.reserve(1);
    this.buf[at] = v & 0xff;
  }

  u16(v: number): void {
    const at = this.reserve(2);
    this.buf.writeUInt16LE(v & 0xffff, at);
  }

  u32(v: number): void {
    const at = this.reserve(4);
    this.buf.writeUInt32LE(v >>> 0, at);
  }

  i32(v: number): void {
    const at = this.reserve(4);
    this.buf.writeInt32LE(v | 0, at);
  }

  /** Zero bytes, for reserved/padding fields. */
  zeros(n: number): void {
    const at = this.reserve(n);
    this.buf.fill(0, at, this.off);
  }

  // --- attributes ---------------------------------------------------------------------------------------------------

  private attrHeader(type: number, payload: number): number {
    const at = this.reserve(align(NLA_HDRLEN + payload));
    this.buf.writeUInt16LE(NLA_HDRLEN + payload, at);
    this.buf.writeUInt16LE(type, at + 2);
    // Zero the padding now; the payload is written by the caller.
    for (let i = at + NLA_HDRLEN + payload; i < this.off; i++) this.buf[i] = 0;
    return at + NLA_HDRLEN;
  }

  attrU8(type: number, v: number): void {
    const at = this.attrHeader(type, 1);
    this.buf[at] = v & 0xff;
  }

  attrU16(type: number, v: number): void {
    const at = this.attrHeader(type, 2);
    this.buf.writeUInt16LE(v & 0xffff, at);
  }

  /** A 16-bit attribute in network byte order (ports). */
  attrBe16(type: number, v: number): void {
    const at = this.attrHeader(type, 2);
    this.buf.writeUInt16BE(v & 0xffff, at);
  }

  attrU32(type: number, v: number): void {
    const at = this.attrHeader(type, 4);
    this.buf.writeUInt32LE(v >>> 0, at);
  }

  attrI32(type: number, v: number): void {
    const at = this.attrHeader(type, 4);
    this.buf.writeInt32LE(v | 0, at);
  }

  /** A flag attribute: present means true, no payload. */
  attrFlag(type: number): void {
    this.attrHeader(type, 0);
  }

  attrBytes(type: number, bytes: Uint8Array): void {
    const at = this.attrHeader(type, bytes.length);
    this.buf.set(bytes, at);
  }

  /** A NUL-terminated string attribute (IFLA_IFNAME, IFLA_INFO_KIND, ...). */
  attrString(type: number, s: string): void {
    const n = Buffer.byteLength(s);
    const at = this.attrHeader(type, n + 1);
    this.buf.write(s, at);
    this.buf[at + n] = 0;
  }

  /** A string attribute without the NUL: iproute2 sends IFLA_INFO_KIND this way; the kernel accepts both. */
  attrStringUnterminated(type: number, s: string): void {
    const n = Buffer.byteLength(s);
    const at = this.attrHeader(type, n);
    this.buf.write(s, at);
  }

  /** An IPv4 or IPv6 address attribute, in network order. */
  attrAddress(type: number, address: string): void {
    const at = this.attrHeader(type, address.includes(':') ? IPV6_ADDRESS_BYTES : IPV4_ADDRESS_BYTES);
    writeAddress(address, this.buf, at);
  }

  /**
   * Opens a nested attribute. `nestedFlag` sets NLA_F_NESTED, which generic netlink families may require and
   * rtnetlink's classic attributes do not carry (iproute2 sets it only where the kernel demands it).
   */
  beginNest(type: number, nestedFlag = false): void {
    const at = this.reserve(NLA_HDRLEN);
    this.buf.writeUInt16LE(0, at);
    this.buf.writeUInt16LE(nestedFlag ? type | NLA_F_NESTED : type, at + 2);
    this.nests.push(at);
  }

  /** Closes the innermost nest; its length covers its children including their padding, as iproute2 computes it. */
  endNest(): void {
    const at = this.nests.pop();
    if (at === undefined) throw new Error('netlink writer: no nest open');
    this.buf.writeUInt16LE(this.off - at, at);
  }

  /** The current offset, for structs whose length is patched later with {@link patchU16}. */
  mark(): number {
    return this.off;
  }

  /** Overwrites a 16-bit little-endian field at `at` (e.g. rtnh_len once the next hop's attributes are written). */
  patchU16(at: number, v: number): void {
    this.buf.writeUInt16LE(v & 0xffff, at);
  }

  /** Reserves `n` bytes at the current position and returns their offset, for structs written in place. */
  raw(n: number): { buf: Buffer; offset: number } {
    const offset = this.reserve(n);
    this.buf.fill(0, offset, offset + n);
    return { buf: this.buf, offset };
  }
}
