// The codec's public entry points: one whole message in, a typed message out, and back.
import {
  ErrorCode,
  HEADER_LENGTH,
  HeaderErrorSubcode,
  MARKER_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageType,
  MinMessageLength,
} from './constants.js';
import { EncodeError } from './encode-error.js';
import { BgpError } from './errors.js';
import { maxMessageLength, readHeaderLength } from './header.js';
import { decodeKeepalive, encodeKeepalive } from './keepalive.js';
import { decodeNotification, encodeNotification } from './notification.js';
import { decodeOpen, encodeOpen } from './open.js';
import { decodeRouteRefresh, encodeRouteRefresh } from './route-refresh.js';
import type { BgpMessage, CodecContext } from './types.js';
import { decodeUpdate, encodeUpdate } from './update.js';

const TYPE_AT = MARKER_LENGTH + 2;

function badLength(bytes: Uint8Array, why: string): BgpError {
  // RFC 4271 §6.1: the Data field is the erroneous Length field.
  return new BgpError(ErrorCode.MESSAGE_HEADER, HeaderErrorSubcode.BAD_MESSAGE_LENGTH, why, bytes.slice(MARKER_LENGTH, MARKER_LENGTH + 2));
}

/**
 * The largest message of `type` under `ctx`. RFC 8654 §4: OPEN and KEEPALIVE are never extended messages.
 */
export function maxLengthOfType(type: number, ctx: Pick<CodecContext, 'extendedMessage'>): number {
  return type === MessageType.OPEN || type === MessageType.KEEPALIVE ? MAX_MESSAGE_LENGTH : maxMessageLength(ctx);
}

/**
 * Decodes one whole message (header included; `bytes` is exactly one message, as MessageReader yields them).
 * Applies the header checks of RFC 4271 §6.1: marker (1/1), length bounds overall and per type (1/2, data = the
 * length field), unknown type (1/3, data = the type octet). Throws only BgpError.
 */
export function decodeMessage(bytes: Uint8Array, ctx: CodecContext): BgpMessage {
  if (bytes.length < HEADER_LENGTH) {
    throw new BgpError(
      ErrorCode.MESSAGE_HEADER,
      HeaderErrorSubcode.BAD_MESSAGE_LENGTH,
      `${bytes.length} octets cannot hold a message header`,
      bytes.slice(MARKER_LENGTH, MARKER_LENGTH + 2),
    );
  }
  const length = readHeaderLength(bytes, 0, maxMessageLength(ctx));
  if (length !== bytes.length) throw badLength(bytes, `length field ${length} but ${bytes.length} octets given`);
  const type = bytes[TYPE_AT]!;
  switch (type) {
    case MessageType.OPEN:
      if (length < MinMessageLength.OPEN || length > MAX_MESSAGE_LENGTH) throw badLength(bytes, `OPEN length ${length}`);
      return decodeOpen(bytes);
    case MessageType.UPDATE:
      if (length < MinMessageLength.UPDATE) throw badLength(bytes, `UPDATE length ${length}`);
      return decodeUpdate(bytes, ctx);
    case MessageType.NOTIFICATION:
      if (length < MinMessageLength.NOTIFICATION) throw badLength(bytes, `NOTIFICATION length ${length}`);
      return decodeNotification(bytes);
    case MessageType.KEEPALIVE:
      if (length !== MinMessageLength.KEEPALIVE) throw badLength(bytes, `KEEPALIVE length ${length}`);
      return decodeKeepalive(bytes);
    case MessageType.ROUTE_REFRESH:
      return decodeRouteRefresh(bytes, ctx);
    default:
      throw new BgpError(ErrorCode.MESSAGE_HEADER, HeaderErrorSubcode.BAD_MESSAGE_TYPE, `unknown message type ${type}`, new Uint8Array([type]));
  }
}

/**
 * Encodes one message, header included. Throws EncodeError when the message cannot be represented or exceeds the
 * size `ctx` allows.
 */
export function encodeMessage(message: BgpMessage, ctx: CodecContext): Uint8Array {
  let out: Uint8Array;
  let type: number;
  switch (message.type) {
    case 'open':
      out = encodeOpen(message);
      type = MessageType.OPEN;
      break;
    case 'update':
      out = encodeUpdate(message, ctx);
      type = MessageType.UPDATE;
      break;
    case 'notification':
      out = encodeNotification(message);
      type = MessageType.NOTIFICATION;
      break;
    case 'keepalive':
      out = encodeKeepalive();
      type = MessageType.KEEPALIVE;
      break;
    case 'route-refresh':
      out = encodeRouteRefresh(message);
      type = MessageType.ROUTE_REFRESH;
      break;
  }
  const max = maxLengthOfType(type, ctx);
  if (out.length > max) throw new EncodeError(`${message.type} of ${out.length} octets exceeds ${max}`);
  return out;
}
