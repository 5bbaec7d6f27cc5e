// The Path Attributes field of an UPDATE (RFC 4271 §4.3): the decode loop that frames each attribute, checks
// flags and duplicates and hands the value to its decoder; and the encoder that sizes every attribute first so the
// message is written into one buffer.
import { AttrFlag, AttrType, UpdateErrorSubcode } from '../constants.js';
import { AttributeErrorLog, classifyAttributeError } from '../attribute-errors.js';
import type { CodecContext, PathAttributes, RawAttribute } from '../types.js';
import { aggregatorEncoder, as4AggregatorEncoder, atomicAggregateEncoder, decodeAggregator, decodeAs4Aggregator, decodeAtomicAggregate } from './aggregator.js';
import { as4PathEncoder, asPathEncoder, decodeAs4Path, decodeAsPath } from './as-path.js';
import {
  ATTRIBUTE_HEADER_LENGTH,
  attributeHeaderLength,
  CATEGORY_BITS,
  EXTENDED_ATTRIBUTE_HEADER_LENGTH,
  OPTIONAL_NON_TRANSITIVE,
  OPTIONAL_TRANSITIVE,
  WELL_KNOWN,
  writeAttributeHeader,
} from './codec.js';
import type { AttributeEncoder, AttributeProblem, DecodeState, EncodeInput } from './codec.js';
import { communitiesEncoder, decodeCommunities } from './communities.js';
import { decodeExtendedCommunities, extendedCommunitiesEncoder } from './extended-communities.js';
import { decodeLargeCommunities, largeCommunitiesEncoder } from './large-communities.js';
import { decodeMpReach, decodeMpUnreach, mpReachEncoder, mpUnreachEncoder } from './mp.js';
import { decodeNextHop, nextHopEncoder } from './next-hop.js';
import { decodeOrigin, originEncoder } from './origin.js';
import { decodeLocalPref, decodeMed, localPrefEncoder, medEncoder } from './preference.js';
import { clusterListEncoder, decodeClusterList, decodeOriginatorId, originatorIdEncoder } from './route-reflection.js';
import { keepUnknown, unknownEncoder } from './unknown.js';

const TYPE_CODES = 256;
const UNKNOWN = -1;

/** The Optional/Transitive bits each recognised attribute must carry (RFC 4271 §5 and the attributes' RFCs). */
const EXPECTED_CATEGORY = new Int16Array(TYPE_CODES).fill(UNKNOWN);
for (const [type, bits] of [
  [AttrType.ORIGIN, WELL_KNOWN],
  [AttrType.AS_PATH, WELL_KNOWN],
  [AttrType.NEXT_HOP, WELL_KNOWN],
  [AttrType.MULTI_EXIT_DISC, OPTIONAL_NON_TRANSITIVE],
  [AttrType.LOCAL_PREF, WELL_KNOWN],
  [AttrType.ATOMIC_AGGREGATE, WELL_KNOWN],
  [AttrType.AGGREGATOR, OPTIONAL_TRANSITIVE],
  [AttrType.COMMUNITIES, OPTIONAL_TRANSITIVE],
  [AttrType.ORIGINATOR_ID, OPTIONAL_NON_TRANSITIVE],
  [AttrType.CLUSTER_LIST, OPTIONAL_NON_TRANSITIVE],
  [AttrType.MP_REACH_NLRI, OPTIONAL_NON_TRANSITIVE],
  [AttrType.MP_UNREACH_NLRI, OPTIONAL_NON_TRANSITIVE],
  [AttrType.EXTENDED_COMMUNITIES, OPTIONAL_TRANSITIVE],
  [AttrType.AS4_PATH, OPTIONAL_TRANSITIVE],
  [AttrType.AS4_AGGREGATOR, OPTIONAL_TRANSITIVE],
  [AttrType.LARGE_COMMUNITY, OPTIONAL_TRANSITIVE],
] as const) {
  EXPECTED_CATEGORY[type] = bits;
}

export const ATTRIBUTE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(AttrType).map(([name, code]) => [code, name]));

function attributeName(type: number): string {
  return ATTRIBUTE_NAMES[type] ?? `attribute ${type}`;
}

function isMp(type: number): boolean {
  return type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI;
}

// Duplicate detection without clearing a 256-entry table per message: an entry equal to the current generation
// means "seen in this message".
const seenGeneration = new Int32Array(TYPE_CODES);
let generation = 0;
const GENERATION_LIMIT = 0x3fffffff;
/** Type codes tracked in DecodedAttributes.presentMask: enough for the well-known mandatory ones (1-3). */
export const PRESENT_MASK_TYPES = 32;

export interface DecodedAttributes extends DecodeState {
  readonly log: AttributeErrorLog;
  /** Bit n set when an attribute of type code n (< PRESENT_MASK_TYPES) was present, well-formed or not. */
  readonly presentMask: number;
}

function decodeValue(type: number, bytes: Uint8Array, start: number, end: number, ctx: CodecContext, state: DecodeState): AttributeProblem | undefined {
  switch (type) {
    case AttrType.ORIGIN:
      return decodeOrigin(bytes, start, end, ctx, state);
    case AttrType.AS_PATH:
      return decodeAsPath(bytes, start, end, ctx, state);
    case AttrType.NEXT_HOP:
      return decodeNextHop(bytes, start, end, ctx, state);
    case AttrType.MULTI_EXIT_DISC:
      return decodeMed(bytes, start, end, ctx, state);
    case AttrType.LOCAL_PREF:
      return decodeLocalPref(bytes, start, end, ctx, state);
    case AttrType.ATOMIC_AGGREGATE:
      return decodeAtomicAggregate(bytes, start, end, ctx, state);
    case AttrType.AGGREGATOR:
      return decodeAggregator(bytes, start, end, ctx, state);
    case AttrType.COMMUNITIES:
      return decodeCommunities(bytes, start, end, ctx, state);
    case AttrType.ORIGINATOR_ID:
      return decodeOriginatorId(bytes, start, end, ctx, state);
    case AttrType.CLUSTER_LIST:
      return decodeClusterList(bytes, start, end, ctx, state);
    case AttrType.MP_REACH_NLRI:
      return decodeMpReach(bytes, start, end, ctx, state);
    case AttrType.MP_UNREACH_NLRI:
      return decodeMpUnreach(bytes, start, end, ctx, state);
    case AttrType.EXTENDED_COMMUNITIES:
      return decodeExtendedCommunities(bytes, start, end, ctx, state);
    case AttrType.AS4_PATH:
      return decodeAs4Path(bytes, start, end, ctx, state);
    case AttrType.AS4_AGGREGATOR:
      return decodeAs4Aggregator(bytes, start, end, ctx, state);
    case AttrType.LARGE_COMMUNITY:
      return decodeLargeCommunities(bytes, start, end, ctx, state);
    default:
      return undefined;
  }
}

/**
 * Decodes the attributes in bytes[start, end). Session-reset errors throw BgpError; the others are recorded in
 * the returned log (RFC 7606).
 */
export function decodeAttributeSection(bytes: Uint8Array, start: number, end: number, ctx: CodecContext): DecodedAttributes {
  if (++generation > GENERATION_LIMIT) {
    seenGeneration.fill(0);
    generation = 1;
  }
  const gen = generation;
  const log = new AttributeErrorLog();
  const state: DecodeState = { attrs: {}, mpReach: undefined, mpUnreach: undefined };
  let unknown: RawAttribute[] | undefined;
  let presentMask = 0;
  let pos = start;
  while (pos < end) {
    const remaining = end - pos;
    const flags = bytes[pos]!;
    const headerLength = flags & AttrFlag.EXTENDED_LENGTH ? EXTENDED_ATTRIBUTE_HEADER_LENGTH : ATTRIBUTE_HEADER_LENGTH;
    if (remaining < headerLength) {
      // RFC 7606 §4: too few octets left for an attribute header. The Total Attribute Length still locates the
      // NLRI, and nothing can hide in so few octets, so treat-as-withdraw applies.
      log.report(0, 'treat-as-withdraw', UpdateErrorSubcode.MALFORMED_ATTRIBUTE_LIST, `${remaining} trailing octets in the path attributes`);
      break;
    }
    const type = bytes[pos + 1]!;
    const length = headerLength === ATTRIBUTE_HEADER_LENGTH ? bytes[pos + 2]! : (bytes[pos + 2]! << 8) | bytes[pos + 3]!;
    const valueStart = pos + headerLength;
    const valueEnd = valueStart + length;
    if (valueEnd > end) {
      // RFC 7606 §4: an attribute overrunning the section is treat-as-withdraw, since the overrunning attribute is
      // necessarily the last one. But if it is MP_REACH/MP_UNREACH its NLRI cannot be located, and §3 (j)/§5.3 then
      // require a session reset.
      log.report(
        type,
        isMp(type) ? 'session-reset' : 'treat-as-withdraw',
        UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR,
        `${attributeName(type)} length ${length} overruns the path attributes by ${valueEnd - end} octets`,
        bytes.slice(pos, end),
      );
      break;
    }
    const attrStart = pos;
    pos = valueEnd;
    if (type < PRESENT_MASK_TYPES) presentMask |= 1 << type;
    if (seenGeneration[type] === gen) {
      // RFC 7606 §3 (g): a repeated MP_REACH/MP_UNREACH resets the session; any other repeat is discarded.
      log.report(
        type,
        isMp(type) ? 'session-reset' : 'attribute-discard',
        UpdateErrorSubcode.MALFORMED_ATTRIBUTE_LIST,
        `${attributeName(type)} appears more than once`,
      );
      continue;
    }
    seenGeneration[type] = gen;
    const expected = EXPECTED_CATEGORY[type]!;
    if (expected === UNKNOWN) {
      if ((flags & AttrFlag.OPTIONAL) === 0) {
        // RFC 4271 §6.3: an unrecognised well-known attribute is 3/2 with the attribute as data.
        log.report(type, 'session-reset', UpdateErrorSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE, `unrecognised well-known attribute ${type}`, bytes.slice(attrStart, valueEnd));
      } else if (flags & AttrFlag.TRANSITIVE) {
        keepUnknown(flags, type, bytes, valueStart, valueEnd, (unknown ??= []));
      }
      continue;
    }
    if ((flags & CATEGORY_BITS) !== expected) {
      log.report(
        type,
        classifyAttributeError(type, 'flags'),
        UpdateErrorSubcode.ATTRIBUTE_FLAGS_ERROR,
        `${attributeName(type)} flags 0x${flags.toString(16)} conflict with its category`,
        bytes.slice(attrStart, valueEnd),
      );
      continue;
    }
    const problem = decodeValue(type, bytes, valueStart, valueEnd, ctx, state);
    if (problem) log.report(type, classifyAttributeError(type, 'malformed'), problem.subcode, problem.reason, bytes.slice(attrStart, valueEnd));
  }
  if (unknown) state.attrs.unknown = unknown;
  return { attrs: state.attrs, mpReach: state.mpReach, mpUnreach: state.mpUnreach, log, presentMask };
}

/** Known attributes in ascending type code order (RFC 4271 §5: SHOULD be ordered by type code). */
const ORDERED_ENCODERS: readonly AttributeEncoder[] = [
  originEncoder,
  asPathEncoder,
  nextHopEncoder,
  medEncoder,
  localPrefEncoder,
  atomicAggregateEncoder,
  aggregatorEncoder,
  communitiesEncoder,
  originatorIdEncoder,
  clusterListEncoder,
  extendedCommunitiesEncoder,
  as4PathEncoder,
  as4AggregatorEncoder,
  largeCommunitiesEncoder,
];

/** The attributes of one message, sized: write() fills exactly `length` octets. */
export interface AttributePlan {
  readonly length: number;
  write(target: Uint8Array, pos: number): number;
}

/**
 * Sizes the path attributes of `input`. MP_REACH_NLRI / MP_UNREACH_NLRI come first (RFC 7606 §5.1), then the
 * rest in type code order, kept unknown attributes interleaved by their type code.
 */
export function planAttributes(input: EncodeInput, ctx: CodecContext): AttributePlan {
  const encoders: AttributeEncoder[] = [];
  const lengths: number[] = [];
  let total = 0;
  const add = (encoder: AttributeEncoder): void => {
    const length = encoder.valueLength(input, ctx);
    if (length < 0) return;
    encoders.push(encoder);
    lengths.push(length);
    total += attributeHeaderLength(length) + length;
  };
  add(mpReachEncoder);
  add(mpUnreachEncoder);
  const unknown = input.attrs.unknown ?? [];
  let u = 0;
  const sortedUnknown = unknown.length > 1 ? [...unknown].sort((a, b) => a.typeCode - b.typeCode) : unknown;
  for (const encoder of ORDERED_ENCODERS) {
    while (u < sortedUnknown.length && sortedUnknown[u]!.typeCode < encoder.typeCode) add(unknownEncoder(sortedUnknown[u++]!));
    add(encoder);
  }
  while (u < sortedUnknown.length) add(unknownEncoder(sortedUnknown[u++]!));
  return {
    length: total,
    write(target, pos) {
      for (let i = 0; i < encoders.length; i++) {
        const encoder = encoders[i]!;
        const length = lengths[i]!;
        pos = writeAttributeHeader(target, pos, encoder.flags, encoder.typeCode, length);
        encoder.write(input, ctx, target, pos);
        pos += length;
      }
      return pos;
    },
  };
}

/** Encodes path attributes on their own (for update packing, which copies the same attributes into many UPDATEs). */
export function encodeAttributes(attrs: PathAttributes, ctx: CodecContext): Uint8Array {
  const plan = planAttributes({ attrs }, ctx);
  const out = new Uint8Array(plan.length);
  plan.write(out, 0);
  return out;
}
