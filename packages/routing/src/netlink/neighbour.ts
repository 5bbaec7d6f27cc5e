/**
 * Neighbours and bridge FDB entries: RTM_NEWNEIGH / RTM_DELNEIGH / RTM_GETNEIGH (struct ndmsg + NDA_*).
 * An FDB entry is the AF_BRIDGE flavour of the same message (`bridge fdb append MAC dev vxlan0 dst IP`).
 * @packageDocumentation
 */
import { AF_BRIDGE, NDA_DST, NDA_IFINDEX, NDA_LLADDR, NDA_MASTER, NDA_PORT, NDA_VLAN, NDA_VNI, NDMSG_LEN, NTF_SELF, NUD_NOARP, NUD_PERMANENT, RTM_DELNEIGH, RTM_GETNEIGH, RTM_NEWNEIGH } from './constants.js';
import { formatAddress, ipFamily, type IpFamily } from './ip.js';
import { attrBe16, attrU16, attrU32, formatMac, parseAttributes, parseMac } from './reader.js';
import { CHANGE_FLAGS, DUMP_FLAGS, makeRequest, newFlags, type ChangeMode, type NetlinkRequest } from './request.js';
import type { NetlinkWriter } from './writer.js';

/** An ARP/NDP neighbour entry: IP address → MAC on an interface. */
export interface Neighbour {
  /** Interface index. */
  index: number;
  /** The neighbour's IP address. */
  address: string;
  /** Its MAC address; required on add. */
  lladdr?: string;
  /** NUD_* state; default NUD_PERMANENT (iproute2's default too). */
  state?: number;
  /** NTF_* flags. */
  flags?: number;
}

/** A neighbour as the kernel reports it. */
export interface DecodedNeighbour extends Neighbour {
  family: IpFamily;
  state: number;
  flags: number;
  type: number;
}

/** A bridge forwarding-database entry: MAC → (port, remote VTEP `dst` for vxlan). */
export interface FdbEntry {
  /** Interface (bridge port or vxlan device) index. */
  index: number;
  /** The MAC address. */
  lladdr: string;
  /** Remote VTEP IP (vxlan). */
  dst?: string;
  /** NUD_* state; default NUD_PERMANENT | NUD_NOARP as `bridge fdb` sends. */
  state?: number;
  /** NTF_* flags; default NTF_SELF (the entry lives in the device's own table, as for vxlan). */
  flags?: number;
  vlan?: number;
  /** VXLAN VNI override (NDA_VNI). */
  vni?: number;
  /** VXLAN UDP port override (NDA_PORT). */
  port?: number;
}

/** An FDB entry as the kernel reports it. */
export interface DecodedFdbEntry extends FdbEntry {
  state: number;
  flags: number;
  master?: number;
}

const FDB_DEFAULT_STATE = NUD_PERMANENT | NUD_NOARP;

function writeNdmsg(w: NetlinkWriter, family: number, index: number, state: number, flags: number): void {
  w.u8(family);
  w.u8(0);
  w.u16(0);
  w.i32(index);
  w.u16(state);
  w.u8(flags);
  w.u8(0); // ndm_type
}

/** Writes a complete neighbour message; iproute2 order: DST, LLADDR. */
export function encodeNeighbourMessage(w: NetlinkWriter, type: number, flags: number, n: Neighbour, seq = 0): void {
  w.beginMessage(type, flags, seq);
  writeNdmsg(w, ipFamily(n.address), n.index, n.state ?? NUD_PERMANENT, n.flags ?? 0);
  w.attrAddress(NDA_DST, n.address);
  if (n.lladdr !== undefined) w.attrBytes(NDA_LLADDR, parseMac(n.lladdr));
  w.endMessage();
}

/** Writes a complete FDB message; `bridge fdb` order: LLADDR, DST, VLAN, PORT, VNI. */
export function encodeFdbMessage(w: NetlinkWriter, type: number, flags: number, e: FdbEntry, seq = 0): void {
  w.beginMessage(type, flags, seq);
  writeNdmsg(w, AF_BRIDGE, e.index, e.state ?? FDB_DEFAULT_STATE, e.flags ?? NTF_SELF);
  w.attrBytes(NDA_LLADDR, parseMac(e.lladdr));
  if (e.dst !== undefined) w.attrAddress(NDA_DST, e.dst);
  if (e.vlan !== undefined) w.attrU16(NDA_VLAN, e.vlan);
  if (e.port !== undefined) w.attrBe16(NDA_PORT, e.port);
  if (e.vni !== undefined) w.attrU32(NDA_VNI, e.vni);
  w.endMessage();
}

/** True when an RTM_*NEIGH payload is a bridge FDB entry rather than an IP neighbour. */
export function isFdbPayload(payload: Buffer): boolean {
  return payload[0] === AF_BRIDGE;
}

/** Decodes the payload of an IP (AF_INET/AF_INET6) RTM_NEWNEIGH / RTM_DELNEIGH message. */
export function decodeNeighbour(payload: Buffer): DecodedNeighbour {
  const attrs = parseAttributes(payload, NDMSG_LEN);
  const dst = attrs.get(NDA_DST);
  const n: DecodedNeighbour = {
    family: payload[0] as IpFamily,
    index: payload.readInt32LE(4),
    address: dst ? formatAddress(dst) : '',
    state: payload.readUInt16LE(8),
    flags: payload[10]!,
    type: payload[11]!,
  };
  const ll = attrs.get(NDA_LLADDR);
  if (ll && ll.length === 6) n.lladdr = formatMac(ll);
  return n;
}

/** Decodes the payload of an AF_BRIDGE RTM_NEWNEIGH / RTM_DELNEIGH message. */
export function decodeFdbEntry(payload: Buffer): DecodedFdbEntry {
  const attrs = parseAttributes(payload, NDMSG_LEN);
  const ll = attrs.get(NDA_LLADDR);
  const e: DecodedFdbEntry = {
    index: payload.readInt32LE(4),
    lladdr: ll ? formatMac(ll) : '',
    state: payload.readUInt16LE(8),
    flags: payload[10]!,
  };
  const dst = attrs.get(NDA_DST);
  if (dst) e.dst = formatAddress(dst);
  const vlan = attrU16(attrs, NDA_VLAN);
  if (vlan !== undefined) e.vlan = vlan;
  const port = attrBe16(attrs, NDA_PORT);
  if (port !== undefined) e.port = port;
  const vni = attrU32(attrs, NDA_VNI);
  if (vni !== undefined) e.vni = vni;
  const master = attrU32(attrs, NDA_MASTER) ?? attrU32(attrs, NDA_IFINDEX);
  if (master !== undefined) e.master = master;
  return e;
}

export function describeNeighbour(verb: string, n: Neighbour): string {
  return `${verb} neighbour ${n.address}${n.lladdr ? ` lladdr ${n.lladdr}` : ''} dev if${n.index}`;
}

export function describeFdbEntry(verb: string, e: FdbEntry): string {
  return `${verb} fdb entry ${e.lladdr} dev if${e.index}${e.dst ? ` dst ${e.dst}` : ''}`;
}

/** `ip neigh add|replace`. */
export function newNeighbourRequest(n: Neighbour, mode: ChangeMode = 'add'): NetlinkRequest {
  const flags = newFlags(mode);
  return makeRequest(describeNeighbour(mode, n), false, (w, seq) => encodeNeighbourMessage(w, RTM_NEWNEIGH, flags, n, seq));
}

/** `ip neigh del`. */
export function deleteNeighbourRequest(n: Neighbour): NetlinkRequest {
  const target: Neighbour = { index: n.index, address: n.address, state: n.state ?? NUD_PERMANENT };
  return makeRequest(describeNeighbour('delete', n), false, (w, seq) =>
    encodeNeighbourMessage(w, RTM_DELNEIGH, CHANGE_FLAGS, target, seq),
  );
}

/** `bridge fdb add|replace|append`; 'append' adds another dst for the same MAC (vxlan head-end replication). */
export function newFdbRequest(e: FdbEntry, mode: ChangeMode = 'append'): NetlinkRequest {
  const flags = newFlags(mode);
  return makeRequest(describeFdbEntry(mode, e), false, (w, seq) => encodeFdbMessage(w, RTM_NEWNEIGH, flags, e, seq));
}

/** `bridge fdb del`. */
export function deleteFdbRequest(e: FdbEntry): NetlinkRequest {
  return makeRequest(describeFdbEntry('delete', e), false, (w, seq) => encodeFdbMessage(w, RTM_DELNEIGH, CHANGE_FLAGS, e, seq));
}

/** A dump of neighbours of `family` (AF_INET, AF_INET6) or, with AF_BRIDGE, of FDB entries. */
export function dumpNeighboursRequest(family: IpFamily | typeof AF_BRIDGE): NetlinkRequest {
  const what = family === AF_BRIDGE ? 'fdb entries' : 'neighbours';
  return makeRequest(`dump ${what}`, true, (w, seq) => {
    w.beginMessage(RTM_GETNEIGH, DUMP_FLAGS, seq);
    w.u8(family);
    w.zeros(NDMSG_LEN - 1);
    w.endMessage();
  });
}
