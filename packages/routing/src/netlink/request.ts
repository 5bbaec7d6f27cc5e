/**
 * The unit the netlink client sends: a request that can encode itself into a batch and name itself in errors.
 * @packageDocumentation
 */
import { NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST, NLM_F_APPEND } from './constants.js';
import type { NetlinkWriter } from './writer.js';

/** One netlink request, ready to be numbered and written into a batch. */
export interface NetlinkRequest {
  /** What it does, for error messages: `add route 10.244.3.0/24 via 10.0.0.3`. */
  readonly describe: string;
  /** True for a dump (NLM_F_DUMP): the answer is many messages ending with NLMSG_DONE. */
  readonly dump: boolean;
  /** True when the message carries NLM_F_ACK, so an NLMSG_ERROR ends it; false: its first answer ends it. */
  readonly ack: boolean;
  /** Writes the complete message (header included) with sequence number `seq`. */
  encode(writer: NetlinkWriter, seq: number): void;
}

/** How a NEW request treats an existing object, mapped to iproute2's verbs. */
export type ChangeMode = 'add' | 'replace' | 'append';

/** The NEW-request flags iproute2 uses for each verb (`ip route add` = CREATE|EXCL, `replace` = CREATE|REPLACE). */
export function newFlags(mode: ChangeMode): number {
  switch (mode) {
    case 'add':
      return NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE;
    case 'replace':
      return NLM_F_REQUEST | NLM_F_ACK | NLM_F_REPLACE | NLM_F_CREATE;
    case 'append':
      return NLM_F_REQUEST | NLM_F_ACK | NLM_F_APPEND | NLM_F_CREATE;
  }
}

/** Flags of a DEL or SET request. */
export const CHANGE_FLAGS = NLM_F_REQUEST | NLM_F_ACK;
/** Flags of a dump request. */
export const DUMP_FLAGS = NLM_F_REQUEST | NLM_F_DUMP;
/** Flags of a GET for one object (the answer is one NEW message, then the ACK). */
export const GET_FLAGS = NLM_F_REQUEST | NLM_F_ACK;

/** Builds a request from a message encoder. */
export function makeRequest(
  describe: string,
  dump: boolean,
  encode: (writer: NetlinkWriter, seq: number) => void,
  ack = !dump,
): NetlinkRequest {
  return { describe, dump, ack, encode };
}
