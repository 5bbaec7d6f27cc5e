/**
 * Generic netlink framing (struct genlmsghdr) and the controller family's CTRL_CMD_GETFAMILY, which maps a family
 * name such as "fou" to the message type the kernel assigned it at boot.
 * @packageDocumentation
 */
import { CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_HDRSIZE, CTRL_ATTR_MAXATTR, CTRL_ATTR_MCAST_GROUPS, CTRL_ATTR_MCAST_GRP_ID, CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_VERSION, CTRL_CMD_GETFAMILY, GENLMSGHDR_LEN, GENL_ID_CTRL, NLM_F_REQUEST } from './constants.js';
import { attrString, attrU16, attrU32, forEachAttribute, parseAttributes } from './reader.js';
import { makeRequest, type NetlinkRequest } from './request.js';
import type { NetlinkWriter } from './writer.js';

/** Starts a generic-netlink message: nlmsghdr with the family id as type, then struct genlmsghdr. */
export function beginGenlMessage(w: NetlinkWriter, familyId: number, flags: number, cmd: number, version: number, seq = 0): void {
  w.beginMessage(familyId, flags, seq);
  w.u8(cmd);
  w.u8(version);
  w.u16(0); // reserved
}

/** A generic-netlink family as CTRL_CMD_GETFAMILY describes it. */
export interface GenlFamily {
  id: number;
  name: string;
  version: number;
  headerSize: number;
  maxAttr: number;
  /** Multicast group name → group id. */
  multicastGroups: Map<string, number>;
}

/**
 * Writes CTRL_CMD_GETFAMILY for `name` exactly as iproute2's genl_resolve_family() does: NLM_F_REQUEST only
 * (the answer is the family message itself) and genl version 0.
 */
export function encodeGetFamilyMessage(w: NetlinkWriter, name: string, seq = 0): void {
  beginGenlMessage(w, GENL_ID_CTRL, NLM_F_REQUEST, CTRL_CMD_GETFAMILY, 0, seq);
  w.attrString(CTRL_ATTR_FAMILY_NAME, name);
  w.endMessage();
}

/** Decodes the controller's answer (CTRL_CMD_NEWFAMILY) to CTRL_CMD_GETFAMILY. */
export function decodeGenlFamily(payload: Buffer): GenlFamily {
  const attrs = parseAttributes(payload, GENLMSGHDR_LEN);
  const groups = new Map<string, number>();
  const mcast = attrs.get(CTRL_ATTR_MCAST_GROUPS);
  if (mcast) {
    forEachAttribute(mcast, 0, mcast.length, (_i, group) => {
      const g = parseAttributes(group);
      const name = attrString(g, CTRL_ATTR_MCAST_GRP_NAME);
      const id = attrU32(g, CTRL_ATTR_MCAST_GRP_ID);
      if (name !== undefined && id !== undefined) groups.set(name, id);
    });
  }
  return {
    id: attrU16(attrs, CTRL_ATTR_FAMILY_ID) ?? 0,
    name: attrString(attrs, CTRL_ATTR_FAMILY_NAME) ?? '',
    version: attrU32(attrs, CTRL_ATTR_VERSION) ?? 0,
    headerSize: attrU32(attrs, CTRL_ATTR_HDRSIZE) ?? 0,
    maxAttr: attrU32(attrs, CTRL_ATTR_MAXATTR) ?? 0,
    multicastGroups: groups,
  };
}

/**
 * A request resolving a family by name. Sent without NLM_F_ACK as iproute2 does, so it is a non-dump request
 * whose answer is one message (the client treats a request without ACK as complete on its first answer).
 */
export function getFamilyRequest(name: string): NetlinkRequest {
  return makeRequest(`resolve generic netlink family ${name}`, false, (w, seq) => encodeGetFamilyMessage(w, name, seq), false);
}
