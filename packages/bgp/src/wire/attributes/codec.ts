// What every path attribute module provides: a decoder that reports problems instead of throwing (RFC 7606 decides
// their handling centrally in attribute-errors.ts), and an encoder that sizes its value before writing it, so a
// whole UPDATE is written into one buffer allocated once.
import { AttrFlag } from '../constants.js';
import type { CodecContext, MpReach, MpUnreach, PathAttributes } from '../types.js';

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Where decoders put what they read: the shared attributes, plus the MP attributes that carry prefixes. */
export interface DecodeState {
  readonly attrs: Mutable<PathAttributes>;
  mpReach: MpReach | undefined;
  mpUnreach: MpUnreach | undefined;
}

/** A malformed attribute value: the RFC 4271 §6.3 subcode it maps to and a reason for logs. */
export interface AttributeProblem {
  readonly subcode: number;
  readonly reason: string;
}

/** Decodes the value in bytes[start, end) into `state`; returns a problem instead of throwing. */
export type AttributeDecoder = (
  bytes: Uint8Array,
  start: number,
  end: number,
  ctx: CodecContext,
  state: DecodeState,
) => AttributeProblem | undefined;

/** Input of the attribute encoders: the attributes plus the MP attributes of the message being written. */
export interface EncodeInput {
  readonly attrs: PathAttributes;
  readonly mpReach?: MpReach | undefined;
  readonly mpUnreach?: MpUnreach | undefined;
}

export interface AttributeEncoder {
  readonly typeCode: number;
  /** Optional / Transitive bits to send (RFC 4271 §5 and each attribute's RFC). */
  readonly flags: number;
  /** Octets of the value, or -1 when the attribute is not to be sent. Throws EncodeError on unencodable input. */
  valueLength(input: EncodeInput, ctx: CodecContext): number;
  /** Writes exactly valueLength() octets at `pos`. */
  write(input: EncodeInput, ctx: CodecContext, target: Uint8Array, pos: number): void;
}

/** RFC 4271 §4.3: values longer than one octet can express need the Extended Length bit and a 2-octet length. */
export const MAX_SHORT_ATTRIBUTE_LENGTH = 255;
export const ATTRIBUTE_HEADER_LENGTH = 3;
export const EXTENDED_ATTRIBUTE_HEADER_LENGTH = 4;

export function attributeHeaderLength(valueLength: number): number {
  return valueLength > MAX_SHORT_ATTRIBUTE_LENGTH ? EXTENDED_ATTRIBUTE_HEADER_LENGTH : ATTRIBUTE_HEADER_LENGTH;
}

/** Writes flags, type and length (setting or clearing Extended Length to fit); returns where the value starts. */
export function writeAttributeHeader(target: Uint8Array, pos: number, flags: number, typeCode: number, valueLength: number): number {
  if (valueLength > MAX_SHORT_ATTRIBUTE_LENGTH) {
    target[pos] = flags | AttrFlag.EXTENDED_LENGTH;
    target[pos + 1] = typeCode;
    target[pos + 2] = valueLength >>> 8;
    target[pos + 3] = valueLength & 0xff;
    return pos + EXTENDED_ATTRIBUTE_HEADER_LENGTH;
  }
  target[pos] = flags & ~AttrFlag.EXTENDED_LENGTH;
  target[pos + 1] = typeCode;
  target[pos + 2] = valueLength;
  return pos + ATTRIBUTE_HEADER_LENGTH;
}

/** Optional/Transitive bits of each category (RFC 4271 §4.3, §5). */
export const WELL_KNOWN = AttrFlag.TRANSITIVE;
export const OPTIONAL_TRANSITIVE = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;
export const OPTIONAL_NON_TRANSITIVE = AttrFlag.OPTIONAL;
/** The bits RFC 7606 §3 (c) compares; Partial and Extended Length are not part of an attribute's identity. */
export const CATEGORY_BITS = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;

export function lengthProblem(name: string, length: number, expected: string, subcode: number): AttributeProblem {
  return { subcode, reason: `${name} length ${length}, expected ${expected}` };
}
