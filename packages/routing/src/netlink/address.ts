/**
 * Interface addresses: RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR (struct ifaddrmsg + IFA_*).
 * @packageDocumentation
 */
import { AF_INET, IFADDRMSG_LEN, IFA_ADDRESS, IFA_F_NODAD, IFA_FLAGS, IFA_LABEL, IFA_LOCAL, RTM_DELADDR, RTM_GETADDR, RTM_NEWADDR, RT_SCOPE_UNIVERSE } from './constants.js';
import { anyAddress, parsePrefix, type IpFamily } from './ip.js';
import { attrAddress, attrString, attrU32, parseAttributes } from './reader.js';
import { CHANGE_FLAGS, DUMP_FLAGS, makeRequest, newFlags, type ChangeMode, type NetlinkRequest } from './request.js';
import type { NetlinkWriter } from './writer.js';

/** ifa_flags is one byte; wider flags travel in IFA_FLAGS. */
const IFA_FLAGS_IN_HEADER_MASK = 0xff;

/** An address on an interface, e.g. `10.0.0.1/24` on ifindex 2. */
export interface Address {
  /** Interface index. */
  index: number;
  /** Address with prefix length: `10.0.0.1/24`, `fd00::1/64`. */
  address: string;
  /** Peer address for point-to-point links (IFA_ADDRESS when it differs from the local address). */
  peer?: string;
  /** IFA_F_* flags; `nodad` sets IFA_F_NODAD. */
  flags?: number;
  /** Skip IPv6 duplicate address detection. */
  nodad?: boolean;
  scope?: number;
  label?: string;
}

/** An address as the kernel reports it. */
export interface DecodedAddress extends Address {
  family: IpFamily;
  flags: number;
  scope: number;
}

/** Writes a complete address message; iproute2 order: LOCAL, ADDRESS (both the address unless a peer is given). */
export function encodeAddressMessage(w: NetlinkWriter, type: number, flags: number, addr: Address, seq = 0): void {
  const p = parsePrefix(addr.address);
  const ifaFlags = (addr.flags ?? 0) | (addr.nodad ? IFA_F_NODAD : 0);
  w.beginMessage(type, flags, seq);
  w.u8(p.family);
  w.u8(p.length);
  w.u8(ifaFlags & IFA_FLAGS_IN_HEADER_MASK);
  w.u8(addr.scope ?? RT_SCOPE_UNIVERSE);
  w.u32(addr.index);
  w.attrAddress(IFA_LOCAL, p.address);
  w.attrAddress(IFA_ADDRESS, addr.peer ?? p.address);
  if (addr.label !== undefined) w.attrString(IFA_LABEL, addr.label);
  if (ifaFlags > IFA_FLAGS_IN_HEADER_MASK) w.attrU32(IFA_FLAGS, ifaFlags);
  w.endMessage();
}

/** Decodes the payload of an RTM_NEWADDR / RTM_DELADDR message. */
export function decodeAddress(payload: Buffer): DecodedAddress {
  const family = payload[0] as IpFamily;
  const attrs = parseAttributes(payload, IFADDRMSG_LEN);
  const local = attrAddress(attrs, IFA_LOCAL);
  const address = attrAddress(attrs, IFA_ADDRESS);
  const a: DecodedAddress = {
    family,
    index: payload.readUInt32LE(4),
    address: `${local ?? address ?? anyAddress(family)}/${payload[1]}`,
    flags: attrU32(attrs, IFA_FLAGS) ?? payload[2]!,
    scope: payload[3]!,
  };
  if (local !== undefined && address !== undefined && local !== address) a.peer = address;
  const label = attrString(attrs, IFA_LABEL);
  if (label !== undefined) a.label = label;
  return a;
}

/** `add address 10.0.0.1/24 dev if2`. */
export function describeAddress(verb: string, addr: Address): string {
  return `${verb} address ${addr.address} dev if${addr.index}`;
}

export function newAddressRequest(addr: Address, mode: ChangeMode = 'add'): NetlinkRequest {
  const flags = newFlags(mode);
  return makeRequest(describeAddress(mode, addr), false, (w, seq) => encodeAddressMessage(w, RTM_NEWADDR, flags, addr, seq));
}

export function deleteAddressRequest(addr: Address): NetlinkRequest {
  return makeRequest(describeAddress('delete', addr), false, (w, seq) =>
    encodeAddressMessage(w, RTM_DELADDR, CHANGE_FLAGS, addr, seq),
  );
}

/** A dump of every address of `family` (0: both). */
export function dumpAddressesRequest(family: IpFamily | 0 = 0): NetlinkRequest {
  return makeRequest(`dump ${family === AF_INET ? 'IPv4 ' : family ? 'IPv6 ' : ''}addresses`, true, (w, seq) => {
    w.beginMessage(RTM_GETADDR, DUMP_FLAGS, seq);
    w.u8(family);
    w.zeros(IFADDRMSG_LEN - 1);
    w.endMessage();
  });
}
