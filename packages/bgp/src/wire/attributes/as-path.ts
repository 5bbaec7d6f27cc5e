// AS_PATH (RFC 4271 §4.3 b, §5.1.2; confederation segments RFC 5065 §3) in 2- or 4-octet form per the session
// (RFC 6793 §4), and AS4_PATH (RFC 6793 §3), which carries the real 4-octet path across 2-octet sessions.
import { AS_TRANS, AsPathSegmentType, AttrType, UpdateErrorSubcode } from '../constants.js';
import type { AsPathSegmentTypeCode } from '../constants.js';
import { checkUint, EncodeError } from '../encode-error.js';
import type { AsPathSegment, CodecContext } from '../types.js';
import { OPTIONAL_TRANSITIVE, WELL_KNOWN } from './codec.js';
import type { AttributeDecoder, AttributeEncoder, AttributeProblem, EncodeInput } from './codec.js';

const SEGMENT_HEADER_LENGTH = 2;
/** The segment length field is one octet: longer paths are split into several segments. */
const MAX_SEGMENT_ASNS = 255;
const TWO_OCTET_AS_MAX = 0xffff;
/** RFC 7607 §2: AS 0 must not appear in AS_PATH or AS4_PATH. */
const RESERVED_AS = 0;

/**
 * Reads segments, or says why they are malformed (RFC 7606 §7.2): an unknown segment type, a segment that
 * overruns the attribute, a single trailing octet, a zero segment length, or AS 0 (RFC 7607 §2).
 */
function decodeSegments(bytes: Uint8Array, start: number, end: number, asnSize: number, name: string, subcode: number): AsPathSegment[] | AttributeProblem {
  const segments: AsPathSegment[] = [];
  let pos = start;
  while (pos < end) {
    if (end - pos < SEGMENT_HEADER_LENGTH) return { subcode, reason: `${name} has a single trailing octet` };
    const type = bytes[pos]!;
    const count = bytes[pos + 1]!;
    if (type < AsPathSegmentType.AS_SET || type > AsPathSegmentType.AS_CONFED_SET) {
      return { subcode, reason: `${name} segment type ${type} is unknown` };
    }
    if (count === 0) return { subcode, reason: `${name} has an empty segment` };
    pos += SEGMENT_HEADER_LENGTH;
    if (pos + count * asnSize > end) return { subcode, reason: `${name} segment overruns the attribute` };
    const asns = new Array<number>(count);
    if (asnSize === 4) {
      for (let i = 0; i < count; i++, pos += 4) {
        asns[i] = ((bytes[pos]! << 24) | (bytes[pos + 1]! << 16) | (bytes[pos + 2]! << 8) | bytes[pos + 3]!) >>> 0;
      }
    } else {
      for (let i = 0; i < count; i++, pos += 2) asns[i] = (bytes[pos]! << 8) | bytes[pos + 1]!;
    }
    for (let i = 0; i < count; i++) if (asns[i] === RESERVED_AS) return { subcode, reason: `${name} contains AS 0` };
    segments.push({ type: type as AsPathSegmentTypeCode, asns });
  }
  return segments;
}

export const decodeAsPath: AttributeDecoder = (bytes, start, end, ctx, state) => {
  const result = decodeSegments(bytes, start, end, ctx.fourOctetAs ? 4 : 2, 'AS_PATH', UpdateErrorSubcode.MALFORMED_AS_PATH);
  if (!Array.isArray(result)) return result;
  state.attrs.asPath = result;
  return undefined;
};

export const decodeAs4Path: AttributeDecoder = (bytes, start, end, ctx, state) => {
  if (ctx.fourOctetAs) {
    // RFC 6793 §6: between two NEW speakers AS_PATH already holds 4-octet ASNs; an AS4_PATH there is discarded.
    return { subcode: UpdateErrorSubcode.OPTIONAL_ATTRIBUTE_ERROR, reason: 'AS4_PATH on a 4-octet AS session' };
  }
  const result = decodeSegments(bytes, start, end, 4, 'AS4_PATH', UpdateErrorSubcode.OPTIONAL_ATTRIBUTE_ERROR);
  if (!Array.isArray(result)) return result;
  // RFC 6793 §6: confederation segments must not be in AS4_PATH; they are dropped and the rest is used.
  state.attrs.as4Path = result.filter((s) => s.type === AsPathSegmentType.AS_SEQUENCE || s.type === AsPathSegmentType.AS_SET);
  return undefined;
};

function segmentsLength(segments: readonly AsPathSegment[], asnSize: number): number {
  let length = 0;
  for (const s of segments) {
    const chunks = Math.ceil(s.asns.length / MAX_SEGMENT_ASNS);
    length += chunks * SEGMENT_HEADER_LENGTH + s.asns.length * asnSize;
  }
  return length;
}

function writeSegments(segments: readonly AsPathSegment[], asnSize: number, target: Uint8Array, pos: number): void {
  for (const s of segments) {
    const asns = s.asns;
    for (let from = 0; from < asns.length; from += MAX_SEGMENT_ASNS) {
      const count = Math.min(MAX_SEGMENT_ASNS, asns.length - from);
      target[pos++] = s.type;
      target[pos++] = count;
      for (let i = from; i < from + count; i++) {
        const asn = asns[i]!;
        if (asnSize === 4) {
          target[pos++] = asn >>> 24;
          target[pos++] = (asn >>> 16) & 0xff;
          target[pos++] = (asn >>> 8) & 0xff;
          target[pos++] = asn & 0xff;
        } else {
          // RFC 6793 §4.2.2: a 4-octet ASN is written as AS_TRANS towards a 2-octet speaker.
          const two = asn > TWO_OCTET_AS_MAX ? AS_TRANS : asn;
          target[pos++] = two >>> 8;
          target[pos++] = two & 0xff;
        }
      }
    }
  }
}

function checkSegments(segments: readonly AsPathSegment[], name: string): void {
  for (const s of segments) {
    checkUint(s.type, 8, `${name} segment type`);
    // RFC 7606 §7.2: an empty segment is malformed, so the encoder refuses to produce one.
    if (s.asns.length === 0) throw new EncodeError(`${name} segment without ASNs`);
    for (const asn of s.asns) checkUint(asn, 32, `${name} ASN`);
  }
}

function needsAs4(segments: readonly AsPathSegment[] | undefined): boolean {
  if (!segments) return false;
  for (const s of segments) for (const asn of s.asns) if (asn > TWO_OCTET_AS_MAX) return true;
  return false;
}

/** RFC 6793 §4.2.2: the AS4_PATH a NEW speaker sends an OLD one: the real path without confederation segments. */
function as4PathToSend(input: EncodeInput, ctx: CodecContext): readonly AsPathSegment[] | undefined {
  if (ctx.fourOctetAs) return undefined; // RFC 6793 §6: never carried between NEW speakers.
  if (input.attrs.as4Path) return input.attrs.as4Path;
  const asPath = input.attrs.asPath;
  if (!needsAs4(asPath)) return undefined;
  return asPath!.filter((s) => s.type === AsPathSegmentType.AS_SEQUENCE || s.type === AsPathSegmentType.AS_SET);
}

export const asPathEncoder: AttributeEncoder = {
  typeCode: AttrType.AS_PATH,
  flags: WELL_KNOWN,
  valueLength: ({ attrs }, ctx) => {
    if (!attrs.asPath) return -1;
    checkSegments(attrs.asPath, 'AS_PATH');
    return segmentsLength(attrs.asPath, ctx.fourOctetAs ? 4 : 2);
  },
  write: ({ attrs }, ctx, target, pos) => writeSegments(attrs.asPath!, ctx.fourOctetAs ? 4 : 2, target, pos),
};

export const as4PathEncoder: AttributeEncoder = {
  typeCode: AttrType.AS4_PATH,
  flags: OPTIONAL_TRANSITIVE,
  valueLength: (input, ctx) => {
    const path = as4PathToSend(input, ctx);
    if (!path) return -1;
    checkSegments(path, 'AS4_PATH');
    return segmentsLength(path, 4);
  },
  write: (input, ctx, target, pos) => writeSegments(as4PathToSend(input, ctx)!, 4, target, pos),
};
