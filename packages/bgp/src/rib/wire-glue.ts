// Between the codec and the RIB: a decoded UPDATE into receive()/withdraw() calls, and an OutboundUpdate into
// UPDATE messages packed by the codec. Pure functions; the speaker calls them per message / per flush.
import { encodeUpdates, encodeWithdrawals, endOfRib, endOfRibFamily } from '../wire/update.js';
import { familyOf, forEachPrefix, nlriIpv4Key, nlriIpv6Key } from '../wire/nlri.js';
import type { CodecContext, Family, NlriList, PathAttributes, UpdateMessage } from '../wire/types.js';
import type { RouteAttributes } from './attrs.js';
import type { OutboundUpdate, ReceiveResult, Rib } from './rib.js';
import type { PrefixKey } from './prefix.js';

export interface InboundSummary {
  /** The UPDATE was an End-of-RIB marker for this family (RFC 4724 §2). */
  readonly endOfRib?: Family;
  readonly announced: number;
  readonly withdrawn: number;
  /** From the last receive() call: max-prefix and loop status. */
  readonly result?: ReceiveResult;
}

// Reused between calls (the RIB never keeps the array): one per family so the IPv4 one stays an unboxed double
// array.
const scratch4: number[] = [];
const scratch6: string[] = [];
const push4 = (_pathId: number, length: number, bytes: Uint8Array, offset: number): void => {
  scratch4.push(nlriIpv4Key(bytes, offset, length));
};
const push6 = (_pathId: number, length: number, bytes: Uint8Array, offset: number): void => {
  scratch6.push(nlriIpv6Key(bytes, offset, length));
};

function keysOf(list: NlriList, family: Family): readonly PrefixKey[] {
  if (family === 'ipv4-unicast') {
    scratch4.length = 0;
    forEachPrefix(list, push4);
    return scratch4;
  }
  scratch6.length = 0;
  forEachPrefix(list, push6);
  return scratch6;
}

/**
 * Applies one decoded UPDATE from `peer`: withdrawals (and RFC 7606 treat-as-withdraw) first, then
 * announcements, with the MP_REACH_NLRI next hop moved into the attribute set. Families kroute does not speak are
 * ignored. ADD-PATH path identifiers are ignored (one path per prefix and peer).
 */
export function applyUpdate(rib: Rib, peer: string, msg: UpdateMessage): InboundSummary {
  const eor = endOfRibFamily(msg);
  if (eor !== undefined) return { endOfRib: eor, announced: 0, withdrawn: 0 };
  let announced = 0;
  let withdrawn = 0;
  let result: ReceiveResult | undefined;
  const withdraw = (list: NlriList, family: Family): void => {
    if (list.count === 0) return;
    const keys = keysOf(list, family);
    withdrawn += keys.length;
    rib.withdraw(peer, family, keys);
  };
  withdraw(msg.withdrawn, 'ipv4-unicast');
  const unreachFamily = msg.mpUnreach && familyOf(msg.mpUnreach.afi, msg.mpUnreach.safi);
  if (msg.mpUnreach && unreachFamily) withdraw(msg.mpUnreach.withdrawn, unreachFamily);
  const reachFamily = msg.mpReach && familyOf(msg.mpReach.afi, msg.mpReach.safi);
  if (msg.treatAsWithdraw) {
    withdraw(msg.nlri, 'ipv4-unicast');
    if (msg.mpReach && reachFamily) withdraw(msg.mpReach.nlri, reachFamily);
    return { announced, withdrawn };
  }
  if (msg.nlri.count > 0) {
    const keys = keysOf(msg.nlri, 'ipv4-unicast');
    announced += keys.length;
    result = rib.receive(peer, 'ipv4-unicast', keys, msg.attributes);
  }
  if (msg.mpReach && reachFamily && msg.mpReach.nlri.count > 0) {
    const { nextHop: _ipv4NextHop, ...rest } = msg.attributes;
    const attrs: RouteAttributes =
      msg.mpReach.linkLocalNextHop !== undefined
        ? { ...rest, nextHop: msg.mpReach.nextHop, linkLocalNextHop: msg.mpReach.linkLocalNextHop }
        : { ...rest, nextHop: msg.mpReach.nextHop };
    const keys = keysOf(msg.mpReach.nlri, reachFamily);
    announced += keys.length;
    result = rib.receive(peer, reachFamily, keys, attrs);
  }
  return result !== undefined ? { announced, withdrawn, result } : { announced, withdrawn };
}

/**
 * The UPDATE messages for one outbound batch: withdrawals packed together, then one run of UPDATEs per attribute
 * set (as many prefixes per message as the negotiated size allows), then End-of-RIB if due.
 */
export function encodeOutbound(u: OutboundUpdate, ctx: CodecContext): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (u.withdrawn.length > 0) out.push(...encodeWithdrawals(u.withdrawn as readonly number[] | readonly string[], ctx, u.family));
  for (const g of u.announced) {
    const prefixes = g.prefixes as readonly number[] | readonly string[];
    const { linkLocalNextHop, nextHop, ...rest } = g.attrs.attrs;
    if (u.family === 'ipv4-unicast') {
      const attrs: PathAttributes = nextHop !== undefined ? { ...rest, nextHop } : rest;
      out.push(...encodeUpdates(attrs, prefixes, ctx, u.family));
    } else {
      const opts = linkLocalNextHop !== undefined ? { nextHop, linkLocalNextHop } : { nextHop };
      out.push(...encodeUpdates(rest, prefixes, ctx, u.family, opts));
    }
  }
  if (u.endOfRib) out.push(endOfRib(u.family, ctx));
  return out;
}
