// KEEPALIVE (RFC 4271 §4.4): the header alone.
import { ErrorCode, HEADER_LENGTH, HeaderErrorSubcode, MARKER_LENGTH, MessageType } from './constants.js';
import { BgpError } from './errors.js';
import { allocateMessage } from './header.js';
import type { KeepaliveMessage } from './types.js';

const KEEPALIVE: KeepaliveMessage = Object.freeze({ type: 'keepalive' });

/** RFC 4271 §6.1: a KEEPALIVE whose length is not 19 is 1/2 with the length field as data. */
export function decodeKeepalive(message: Uint8Array): KeepaliveMessage {
  if (message.length !== HEADER_LENGTH) {
    throw new BgpError(
      ErrorCode.MESSAGE_HEADER,
      HeaderErrorSubcode.BAD_MESSAGE_LENGTH,
      `KEEPALIVE of ${message.length} octets`,
      message.slice(MARKER_LENGTH, MARKER_LENGTH + 2),
    );
  }
  return KEEPALIVE;
}

/** A fresh KEEPALIVE (a new array each time: callers may hand it to a socket that keeps it). */
export function encodeKeepalive(): Uint8Array {
  return allocateMessage(HEADER_LENGTH, MessageType.KEEPALIVE);
}
