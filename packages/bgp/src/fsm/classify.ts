// Maps received messages and decode errors to RFC 4271 §8.1.5 events.
import { ErrorCode, OpenErrorSubcode } from '../wire/constants.js';
import type { BgpError } from '../wire/errors.js';
import type { BgpMessage } from '../wire/types.js';
import type { ConnId, FsmEvent } from './types.js';

export function messageEvent(conn: ConnId, message: BgpMessage): FsmEvent {
  switch (message.type) {
    case 'open':
      return { type: 'BGPOpen', conn, open: message };
    case 'keepalive':
      return { type: 'KeepAliveMsg', conn };
    case 'update':
      return { type: 'UpdateMsg', conn, update: message };
    case 'route-refresh':
      return { type: 'RouteRefreshMsg', conn, message };
    case 'notification':
      // §8.1.5 Event 24: "version error" is OPEN Message Error / Unsupported Version Number.
      if (message.code === ErrorCode.OPEN_MESSAGE && message.subcode === OpenErrorSubcode.UNSUPPORTED_VERSION_NUMBER) {
        return { type: 'NotifMsgVerErr', conn, notification: message };
      }
      return { type: 'NotifMsg', conn, notification: message };
  }
}

/** A message that failed to decode: header errors are event 21, OPEN errors 22, UPDATE errors 28. */
export function decodeErrorEvent(conn: ConnId, error: BgpError): FsmEvent {
  switch (error.code) {
    case ErrorCode.OPEN_MESSAGE:
      return { type: 'BGPOpenMsgErr', conn, error };
    case ErrorCode.UPDATE_MESSAGE:
      return { type: 'UpdateMsgErr', conn, error };
    default:
      // Header errors, and errors in NOTIFICATION / ROUTE-REFRESH framing, end the session like a header error.
      return { type: 'BGPHeaderErr', conn, error };
  }
}
