// NOTIFICATION message (RFC 4271 §4.5) with the RFC 9003 shutdown communication, and names for every code/subcode.
import {
  CeaseSubcode,
  ErrorCode,
  FsmErrorSubcode,
  HEADER_LENGTH,
  HeaderErrorSubcode,
  MARKER_LENGTH,
  MAX_MESSAGE_LENGTH,
  MAX_SHUTDOWN_COMMUNICATION_LENGTH,
  MessageType,
  OpenErrorSubcode,
  RouteRefreshErrorSubcode,
  UpdateErrorSubcode,
} from './constants.js';
import { checkUint, EncodeError } from './encode-error.js';
import { BgpError } from './errors.js';
import { allocateMessage } from './header.js';
import type { NotificationMessage } from './types.js';

const CODE_AT = HEADER_LENGTH;
const SUBCODE_AT = CODE_AT + 1;
const DATA_AT = SUBCODE_AT + 1;

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** RFC 9003 §2: the Cease subcodes whose data may carry a shutdown communication. */
export function carriesShutdownCommunication(code: number, subcode: number): boolean {
  return code === ErrorCode.CEASE && (subcode === CeaseSubcode.ADMINISTRATIVE_SHUTDOWN || subcode === CeaseSubcode.ADMINISTRATIVE_RESET);
}

/**
 * RFC 9003 §2: a length octet then that many octets of UTF-8. Returns undefined for a zero length, a length that
 * overruns the data, or invalid UTF-8: §4 says a malformed communication must not cause an error of its own.
 */
export function parseShutdownCommunication(data: Uint8Array): string | undefined {
  if (data.length === 0) return undefined;
  const length = data[0]!;
  if (length === 0 || length + 1 > data.length) return undefined;
  try {
    return utf8Strict.decode(data.subarray(1, 1 + length));
  } catch {
    return undefined;
  }
}

/** Decodes a NOTIFICATION (whole message; decodeMessage has checked the length is at least 21). */
export function decodeNotification(message: Uint8Array): NotificationMessage {
  if (message.length < DATA_AT) {
    throw new BgpError(ErrorCode.MESSAGE_HEADER, HeaderErrorSubcode.BAD_MESSAGE_LENGTH, 'NOTIFICATION too short', message.slice(MARKER_LENGTH, MARKER_LENGTH + 2));
  }
  const code = message[CODE_AT]!;
  const subcode = message[SUBCODE_AT]!;
  // A copy: a NOTIFICATION is rare and its data may be kept for the REST API long after the read buffer is reused.
  const data = message.slice(DATA_AT);
  const text = carriesShutdownCommunication(code, subcode) ? parseShutdownCommunication(data) : undefined;
  return text === undefined ? { type: 'notification', code, subcode, data } : { type: 'notification', code, subcode, data, shutdownCommunication: text };
}

/**
 * Encodes a NOTIFICATION. `data` is sent as is; when it is empty and the message carries a shutdownCommunication
 * (Cease 2 or 4), the RFC 9003 data is built from that text.
 */
export function encodeNotification(msg: Omit<NotificationMessage, 'type'>): Uint8Array {
  checkUint(msg.code, 8, 'error code');
  checkUint(msg.subcode, 8, 'error subcode');
  let data = msg.data;
  if (data.length === 0 && msg.shutdownCommunication !== undefined) {
    if (!carriesShutdownCommunication(msg.code, msg.subcode)) {
      throw new EncodeError(`a shutdown communication needs Cease 2 or 4, not ${msg.code}/${msg.subcode}`);
    }
    data = shutdownCommunicationData(msg.shutdownCommunication);
  }
  const out = allocateMessage(DATA_AT + data.length, MessageType.NOTIFICATION);
  out[CODE_AT] = msg.code;
  out[SUBCODE_AT] = msg.subcode;
  out.set(data, DATA_AT);
  return out;
}

/**
 * The RFC 9003 data for `text`: length octet + UTF-8, cut to 255 octets at a character boundary (TextEncoder's
 * encodeInto never writes part of a character).
 */
export function shutdownCommunicationData(text: string): Uint8Array {
  const buf = new Uint8Array(1 + MAX_SHUTDOWN_COMMUNICATION_LENGTH);
  const { written } = utf8Encoder.encodeInto(text, buf.subarray(1));
  buf[0] = written;
  return buf.slice(0, 1 + written);
}

/**
 * A whole NOTIFICATION message. Data that would push it beyond `maxLength` (4096 unless RFC 8654 was negotiated)
 * is cut, so the error can always be sent.
 */
export function notification(code: number, subcode: number, data: Uint8Array = new Uint8Array(0), maxLength = MAX_MESSAGE_LENGTH): Uint8Array {
  const room = maxLength - DATA_AT;
  return encodeNotification({ code, subcode, data: data.length > room ? data.subarray(0, room) : data });
}

/** The NOTIFICATION for a protocol error raised by the codec or the FSM. */
export function notificationFromError(err: BgpError, maxLength = MAX_MESSAGE_LENGTH): Uint8Array {
  return notification(err.code, err.subcode, err.data, maxLength);
}

/** A Cease NOTIFICATION (Administrative Shutdown or Reset) carrying an RFC 9003 shutdown communication. */
export function shutdownNotification(
  subcode: typeof CeaseSubcode.ADMINISTRATIVE_SHUTDOWN | typeof CeaseSubcode.ADMINISTRATIVE_RESET,
  text: string,
): Uint8Array {
  return encodeNotification({ code: ErrorCode.CEASE, subcode, data: shutdownCommunicationData(text) });
}

// ---------------------------------------------------------------------------------------------------------------
// Names (IANA "BGP Error (Notification) Codes" and "... Subcodes" registries)

const CODE_NAMES: Record<number, string> = {
  [ErrorCode.MESSAGE_HEADER]: 'Message Header Error',
  [ErrorCode.OPEN_MESSAGE]: 'OPEN Message Error',
  [ErrorCode.UPDATE_MESSAGE]: 'UPDATE Message Error',
  [ErrorCode.HOLD_TIMER_EXPIRED]: 'Hold Timer Expired',
  [ErrorCode.FSM]: 'Finite State Machine Error',
  [ErrorCode.CEASE]: 'Cease',
  [ErrorCode.ROUTE_REFRESH_MESSAGE]: 'ROUTE-REFRESH Message Error',
  [ErrorCode.SEND_HOLD_TIMER_EXPIRED]: 'Send Hold Timer Expired',
};

const SUBCODE_NAMES: Record<number, Record<number, string>> = {
  [ErrorCode.MESSAGE_HEADER]: {
    [HeaderErrorSubcode.CONNECTION_NOT_SYNCHRONIZED]: 'Connection Not Synchronized',
    [HeaderErrorSubcode.BAD_MESSAGE_LENGTH]: 'Bad Message Length',
    [HeaderErrorSubcode.BAD_MESSAGE_TYPE]: 'Bad Message Type',
  },
  [ErrorCode.OPEN_MESSAGE]: {
    [OpenErrorSubcode.UNSUPPORTED_VERSION_NUMBER]: 'Unsupported Version Number',
    [OpenErrorSubcode.BAD_PEER_AS]: 'Bad Peer AS',
    [OpenErrorSubcode.BAD_BGP_IDENTIFIER]: 'Bad BGP Identifier',
    [OpenErrorSubcode.UNSUPPORTED_OPTIONAL_PARAMETER]: 'Unsupported Optional Parameter',
    [OpenErrorSubcode.AUTHENTICATION_FAILURE]: 'Authentication Failure (deprecated)',
    [OpenErrorSubcode.UNACCEPTABLE_HOLD_TIME]: 'Unacceptable Hold Time',
    [OpenErrorSubcode.UNSUPPORTED_CAPABILITY]: 'Unsupported Capability',
    8: 'Deprecated',
    9: 'Deprecated',
    10: 'Deprecated',
    [OpenErrorSubcode.ROLE_MISMATCH]: 'Role Mismatch',
  },
  [ErrorCode.UPDATE_MESSAGE]: {
    [UpdateErrorSubcode.MALFORMED_ATTRIBUTE_LIST]: 'Malformed Attribute List',
    [UpdateErrorSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE]: 'Unrecognized Well-known Attribute',
    [UpdateErrorSubcode.MISSING_WELL_KNOWN_ATTRIBUTE]: 'Missing Well-known Attribute',
    [UpdateErrorSubcode.ATTRIBUTE_FLAGS_ERROR]: 'Attribute Flags Error',
    [UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR]: 'Attribute Length Error',
    [UpdateErrorSubcode.INVALID_ORIGIN_ATTRIBUTE]: 'Invalid ORIGIN Attribute',
    [UpdateErrorSubcode.AS_ROUTING_LOOP]: 'AS Routing Loop (deprecated)',
    [UpdateErrorSubcode.INVALID_NEXT_HOP_ATTRIBUTE]: 'Invalid NEXT_HOP Attribute',
    [UpdateErrorSubcode.OPTIONAL_ATTRIBUTE_ERROR]: 'Optional Attribute Error',
    [UpdateErrorSubcode.INVALID_NETWORK_FIELD]: 'Invalid Network Field',
    [UpdateErrorSubcode.MALFORMED_AS_PATH]: 'Malformed AS_PATH',
  },
  [ErrorCode.FSM]: {
    [FsmErrorSubcode.UNEXPECTED_MESSAGE_IN_OPENSENT]: 'Receive Unexpected Message in OpenSent State',
    [FsmErrorSubcode.UNEXPECTED_MESSAGE_IN_OPENCONFIRM]: 'Receive Unexpected Message in OpenConfirm State',
    [FsmErrorSubcode.UNEXPECTED_MESSAGE_IN_ESTABLISHED]: 'Receive Unexpected Message in Established State',
  },
  [ErrorCode.CEASE]: {
    [CeaseSubcode.MAXIMUM_PREFIXES_REACHED]: 'Maximum Number of Prefixes Reached',
    [CeaseSubcode.ADMINISTRATIVE_SHUTDOWN]: 'Administrative Shutdown',
    [CeaseSubcode.PEER_DECONFIGURED]: 'Peer De-configured',
    [CeaseSubcode.ADMINISTRATIVE_RESET]: 'Administrative Reset',
    [CeaseSubcode.CONNECTION_REJECTED]: 'Connection Rejected',
    [CeaseSubcode.OTHER_CONFIGURATION_CHANGE]: 'Other Configuration Change',
    [CeaseSubcode.CONNECTION_COLLISION_RESOLUTION]: 'Connection Collision Resolution',
    [CeaseSubcode.OUT_OF_RESOURCES]: 'Out of Resources',
    [CeaseSubcode.HARD_RESET]: 'Hard Reset',
    [CeaseSubcode.BFD_DOWN]: 'BFD Down',
  },
  [ErrorCode.ROUTE_REFRESH_MESSAGE]: {
    [RouteRefreshErrorSubcode.INVALID_MESSAGE_LENGTH]: 'Invalid Message Length',
  },
};

/** "Cease / Administrative Shutdown"; unknown values are shown as numbers. Subcode 0 is "Unspecific" (§4.5). */
export function describeNotification(code: number, subcode: number): string {
  const codeName = CODE_NAMES[code] ?? `Unknown error code ${code}`;
  const subName = subcode === 0 ? 'Unspecific' : (SUBCODE_NAMES[code]?.[subcode] ?? `unknown subcode ${subcode}`);
  return `${codeName} / ${subName}`;
}
