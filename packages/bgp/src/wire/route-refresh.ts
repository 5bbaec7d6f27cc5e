// ROUTE-REFRESH (RFC 2918 §3) with the RFC 7313 §3 subtypes (BoRR / EoRR) in the former reserved octet.
import {
  ErrorCode,
  HEADER_LENGTH,
  HeaderErrorSubcode,
  MARKER_LENGTH,
  MessageType,
  MinMessageLength,
  RouteRefreshErrorSubcode,
  RouteRefreshSubtype,
} from './constants.js';
import { checkUint } from './encode-error.js';
import { BgpError } from './errors.js';
import { allocateMessage } from './header.js';
import type { CodecContext, RouteRefreshMessage } from './types.js';

const AFI_AT = HEADER_LENGTH;
const SUBTYPE_AT = AFI_AT + 2;
const SAFI_AT = SUBTYPE_AT + 1;
/** RFC 2918 §3: the message is always header + AFI (2) + reserved/subtype (1) + SAFI (1). */
export const ROUTE_REFRESH_LENGTH = MinMessageLength.ROUTE_REFRESH;

/**
 * Decodes a ROUTE-REFRESH (whole message). A length other than 23 is:
 *  - 7/1 with the whole message as data once enhanced route refresh is negotiated (RFC 7313 §5 — we apply it to
 *    every subtype, since the octet that would tell a normal refresh from BoRR/EoRR sits in a message already
 *    known to be malformed);
 *  - otherwise 1/2 with the length field as data: RFC 2918 defines no error, and RFC 4271 §6.1 covers a length
 *    that is wrong for the message type.
 * Without enhanced route refresh the subtype octet is reserved and ignored (RFC 2918 §3), so subtype is 0.
 * Subtypes other than 0–2 are returned as they are; RFC 7313 §5 says to ignore such a message, which is the FSM's job.
 */
export function decodeRouteRefresh(message: Uint8Array, ctx: Pick<CodecContext, 'enhancedRouteRefresh'>): RouteRefreshMessage {
  if (message.length !== ROUTE_REFRESH_LENGTH) {
    if (ctx.enhancedRouteRefresh === true) {
      throw new BgpError(
        ErrorCode.ROUTE_REFRESH_MESSAGE,
        RouteRefreshErrorSubcode.INVALID_MESSAGE_LENGTH,
        `ROUTE-REFRESH of ${message.length} octets`,
        message.slice(),
      );
    }
    throw new BgpError(
      ErrorCode.MESSAGE_HEADER,
      HeaderErrorSubcode.BAD_MESSAGE_LENGTH,
      `ROUTE-REFRESH of ${message.length} octets`,
      message.slice(MARKER_LENGTH, MARKER_LENGTH + 2),
    );
  }
  return {
    type: 'route-refresh',
    afi: (message[AFI_AT]! << 8) | message[AFI_AT + 1]!,
    safi: message[SAFI_AT]!,
    subtype: ctx.enhancedRouteRefresh === true ? message[SUBTYPE_AT]! : RouteRefreshSubtype.NORMAL,
  };
}

export function encodeRouteRefresh(msg: Omit<RouteRefreshMessage, 'type'>): Uint8Array {
  checkUint(msg.afi, 16, 'AFI');
  checkUint(msg.safi, 8, 'SAFI');
  checkUint(msg.subtype, 8, 'ROUTE-REFRESH subtype');
  const out = allocateMessage(ROUTE_REFRESH_LENGTH, MessageType.ROUTE_REFRESH);
  out[AFI_AT] = msg.afi >>> 8;
  out[AFI_AT + 1] = msg.afi & 0xff;
  out[SUBTYPE_AT] = msg.subtype;
  out[SAFI_AT] = msg.safi;
  return out;
}
