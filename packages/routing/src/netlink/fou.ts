/**
 * The FOU generic-netlink family (linux/fou.h): the UDP receive ports that decapsulate Foo-over-UDP and GUE,
 * as `ip fou add port 5555 gue` / `ip fou del port 5555` manage them.
 * @packageDocumentation
 */
import { AF_INET, AF_INET6, FOU_ATTR_AF, FOU_ATTR_IPPROTO, FOU_ATTR_PORT, FOU_ATTR_TYPE, FOU_CMD_ADD, FOU_CMD_DEL, FOU_CMD_GET, FOU_ENCAP_DIRECT, FOU_ENCAP_GUE, FOU_GENL_VERSION, GENLMSGHDR_LEN, NLM_F_DUMP, NLM_F_REQUEST } from './constants.js';
import { beginGenlMessage } from './genl.js';
import type { IpFamily } from './ip.js';
import { attrBe16, attrU8, parseAttributes } from './reader.js';
import { CHANGE_FLAGS, makeRequest, type NetlinkRequest } from './request.js';
import type { NetlinkWriter } from './writer.js';

/** A FOU receive port. */
export interface FouPort {
  /** UDP port, e.g. 5555. */
  port: number;
  /** AF_INET (default) or AF_INET6 (`ip -6 fou add`). */
  family?: IpFamily;
  /** 'gue' reads the inner protocol from the GUE header; 'direct' (plain FoU) needs `ipproto`. Default 'gue'. */
  type?: 'gue' | 'direct';
  /** Inner IP protocol for 'direct' (4 = IPIP, 41 = IPv6, 47 = GRE). */
  ipproto?: number;
}

/** A FOU port as the kernel reports it. */
export interface DecodedFouPort {
  port: number;
  family: IpFamily;
  type: 'gue' | 'direct';
  ipproto?: number;
}

/**
 * Writes a FOU command. iproute2 (ip/ipfou.c) order: PORT, TYPE, AF, IPPROTO. The kernel identifies a port to
 * delete by port and family; iproute2 still sends a type there (direct unless told), and so do we.
 */
export function encodeFouMessage(w: NetlinkWriter, familyId: number, cmd: number, flags: number, fou: FouPort, seq = 0): void {
  const type = fou.type ?? (cmd === FOU_CMD_ADD ? 'gue' : 'direct');
  beginGenlMessage(w, familyId, flags, cmd, FOU_GENL_VERSION, seq);
  w.attrBe16(FOU_ATTR_PORT, fou.port);
  w.attrU8(FOU_ATTR_TYPE, type === 'gue' ? FOU_ENCAP_GUE : FOU_ENCAP_DIRECT);
  w.attrU8(FOU_ATTR_AF, fou.family ?? AF_INET);
  if (fou.ipproto !== undefined) w.attrU8(FOU_ATTR_IPPROTO, fou.ipproto);
  w.endMessage();
}

/** Decodes a FOU_CMD_GET answer. */
export function decodeFouPort(payload: Buffer): DecodedFouPort {
  const attrs = parseAttributes(payload, GENLMSGHDR_LEN);
  const type = attrU8(attrs, FOU_ATTR_TYPE) === FOU_ENCAP_GUE ? 'gue' : 'direct';
  const out: DecodedFouPort = {
    port: attrBe16(attrs, FOU_ATTR_PORT) ?? 0,
    family: attrU8(attrs, FOU_ATTR_AF) === AF_INET6 ? AF_INET6 : AF_INET,
    type,
  };
  const ipproto = attrU8(attrs, FOU_ATTR_IPPROTO);
  if (ipproto !== undefined && ipproto !== 0) out.ipproto = ipproto;
  return out;
}

function describeFou(verb: string, fou: FouPort): string {
  const v6 = fou.family === AF_INET6 ? ' (IPv6)' : '';
  return `${verb} fou port ${fou.port}${v6}`;
}

/** FOU_CMD_ADD; the family has no create/replace semantics, so iproute2 (and we) send REQUEST|ACK only. */
export function addFouRequest(familyId: number, fou: FouPort): NetlinkRequest {
  return makeRequest(describeFou('add', fou), false, (w, seq) => encodeFouMessage(w, familyId, FOU_CMD_ADD, CHANGE_FLAGS, fou, seq));
}

export function deleteFouRequest(familyId: number, fou: FouPort): NetlinkRequest {
  return makeRequest(describeFou('delete', fou), false, (w, seq) => encodeFouMessage(w, familyId, FOU_CMD_DEL, CHANGE_FLAGS, fou, seq));
}

/** A dump of every FOU port (all families). */
export function dumpFouRequest(familyId: number): NetlinkRequest {
  return makeRequest('dump fou ports', true, (w, seq) => {
    beginGenlMessage(w, familyId, NLM_F_REQUEST | NLM_F_DUMP, FOU_CMD_GET, FOU_GENL_VERSION, seq);
    w.endMessage();
  });
}
