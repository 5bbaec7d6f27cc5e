// RFC 4271 §4.1 message header: marker, length, type. Shared by every message encoder and decoder.
import { HEADER_LENGTH, HeaderErrorSubcode, ErrorCode, MARKER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from './constants.js';
import { BgpError } from './errors.js';
import type { CodecContext } from './types.js';

const MARKER_OCTET = 0xff;

/** The largest message this context allows (RFC 8654 §4). */
export function maxMessageLength(ctx: Pick<CodecContext, 'extendedMessage'>): number {
  return ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}

/** Writes marker, length and type at offset 0 of `target`, which must be at least HEADER_LENGTH long. */
export function writeHeader(target: Uint8Array, length: number, type: number): void {
  target.fill(MARKER_OCTET, 0, MARKER_LENGTH);
  target[MARKER_LENGTH] = length >>> 8;
  target[MARKER_LENGTH + 1] = length & 0xff;
  target[MARKER_LENGTH + 2] = type;
}

/** Allocates a message of `length` octets with its header written; the caller fills the body from HEADER_LENGTH on. */
export function allocateMessage(length: number, type: number): Uint8Array {
  const out = new Uint8Array(length);
  writeHeader(out, length, type);
  return out;
}

/**
 * Checks the marker and reads the length field of a message header (RFC 4271 §6.1). Throws 1/1 for a bad marker
 * and 1/2 (data: the length field) when the length is below the header size or above `maxLength`.
 * Type-specific length and type checks belong to decodeMessage.
 */
export function readHeaderLength(bytes: Uint8Array, offset: number, maxLength: number): number {
  for (let i = 0; i < MARKER_LENGTH; i++) {
    if (bytes[offset + i] !== MARKER_OCTET) {
      throw new BgpError(ErrorCode.MESSAGE_HEADER, HeaderErrorSubcode.CONNECTION_NOT_SYNCHRONIZED, 'marker is not all ones');
    }
  }
  const length = (bytes[offset + MARKER_LENGTH]! << 8) | bytes[offset + MARKER_LENGTH + 1]!;
  if (length < HEADER_LENGTH || length > maxLength) {
    throw new BgpError(
      ErrorCode.MESSAGE_HEADER,
      HeaderErrorSubcode.BAD_MESSAGE_LENGTH,
      `message length ${length} outside ${HEADER_LENGTH}..${maxLength}`,
      bytes.slice(offset + MARKER_LENGTH, offset + MARKER_LENGTH + 2),
    );
  }
  return length;
}
