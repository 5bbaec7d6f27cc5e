// Attributes this speaker does not recognise (RFC 4271 §5, §6.3, §9): an unrecognised well-known attribute is
// an error (3/2); an optional transitive one is kept and passed on with the Partial bit set; an optional
// non-transitive one is quietly dropped.
import { AttrFlag } from '../constants.js';
import type { RawAttribute } from '../types.js';
import type { AttributeEncoder } from './codec.js';

/**
 * The flag bits an attribute keeps when passed on: Extended Length is recomputed from the size when encoding, and
 * the four low-order bits are unused (RFC 4271 §4.3: zero when sent, ignored when received).
 */
const KEPT_FLAGS = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE | AttrFlag.PARTIAL;

/** Keeps an unrecognised optional transitive attribute (a copy: it must outlive the message buffer). */
export function keepUnknown(flags: number, typeCode: number, bytes: Uint8Array, start: number, end: number, into: RawAttribute[]): void {
  into.push({ flags: (flags | AttrFlag.PARTIAL) & KEPT_FLAGS, typeCode, value: bytes.slice(start, end) });
}

/** Encoders for the kept unknown attributes, written in their stored flags (Partial set by keepUnknown). */
export function unknownEncoder(attr: RawAttribute): AttributeEncoder {
  return {
    typeCode: attr.typeCode,
    flags: attr.flags & KEPT_FLAGS,
    valueLength: () => attr.value.length,
    write: (_input, _ctx, target, pos) => target.set(attr.value, pos),
  };
}
