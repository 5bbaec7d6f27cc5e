// AS_PATH arithmetic, pure: length for the decision process, loop detection, prepending, and the RFC 6793 AS4
// conversions for sessions with peers that only speak 2-octet AS numbers.
import { AS_TRANS, AsPathSegmentType } from '../wire/constants.js';
import type { AsPathSegmentTypeCode } from '../wire/constants.js';
import type { AsPathSegment, PathAttributes } from '../wire/types.js';

/** RFC 4271 §4.3: a segment holds at most 255 AS numbers (its length field is one octet). */
export const MAX_SEGMENT_ASNS = 255;
const MAX_TWO_OCTET_AS = 0xffff;

function isConfed(type: AsPathSegmentTypeCode): boolean {
  return type === AsPathSegmentType.AS_CONFED_SEQUENCE || type === AsPathSegmentType.AS_CONFED_SET;
}

/** RFC 4271 §9.1.2.2 a): an AS_SET counts as 1; RFC 5065 §5.3: confederation segments count 0. */
export function asPathLength(segments: readonly AsPathSegment[] | undefined): number {
  if (segments === undefined) return 0;
  let n = 0;
  for (const seg of segments) {
    if (seg.type === AsPathSegmentType.AS_SEQUENCE) n += seg.asns.length;
    else if (seg.type === AsPathSegmentType.AS_SET) n += 1;
  }
  return n;
}

/** RFC 4271 §9.1.2.2 c): the neighbouring AS is the first AS of the path (confederation segments skipped). */
export function neighborAs(segments: readonly AsPathSegment[] | undefined): number {
  if (segments === undefined) return 0;
  for (const seg of segments) {
    if (isConfed(seg.type)) continue;
    return seg.type === AsPathSegmentType.AS_SEQUENCE ? (seg.asns[0] ?? 0) : 0;
  }
  return 0;
}

/** RFC 4271 §9.1.2: a path carrying our own AS anywhere is a loop. */
export function asPathContains(segments: readonly AsPathSegment[] | undefined, asn: number): boolean {
  if (segments === undefined) return false;
  for (const seg of segments) if (seg.asns.includes(asn)) return true;
  return false;
}

/** The origin AS (rightmost AS of the last AS_SEQUENCE), or undefined for an empty or set-terminated path. */
export function originAs(segments: readonly AsPathSegment[] | undefined): number | undefined {
  if (segments === undefined || segments.length === 0) return undefined;
  const last = segments[segments.length - 1]!;
  return last.type === AsPathSegmentType.AS_SEQUENCE ? last.asns[last.asns.length - 1] : undefined;
}

/** Flat list of AS numbers in order (sets flattened), for display and regex matching. */
export function asPathAsns(segments: readonly AsPathSegment[] | undefined): number[] {
  const out: number[] = [];
  if (segments !== undefined) for (const seg of segments) out.push(...seg.asns);
  return out;
}

/**
 * RFC 4271 §5.1.2: prepend `asn` `count` times. A leading AS_SEQUENCE grows (up to 255 ASNs per segment); a
 * leading AS_SET or confederation segment gets a new AS_SEQUENCE in front of it.
 */
export function prependAs(segments: readonly AsPathSegment[] | undefined, asn: number, count = 1): AsPathSegment[] {
  const rest = segments ? [...segments] : [];
  let lead: number[] = [];
  const first = rest[0];
  if (first !== undefined && first.type === AsPathSegmentType.AS_SEQUENCE) {
    lead = [...first.asns];
    rest.shift();
  }
  for (let i = 0; i < count; i++) lead.unshift(asn);
  const out: AsPathSegment[] = [];
  // Full segments on the right, the short one leftmost: what prepending one AS at a time would leave.
  let end = lead.length % MAX_SEGMENT_ASNS || MAX_SEGMENT_ASNS;
  for (let start = 0; start < lead.length; start = end, end += MAX_SEGMENT_ASNS) {
    out.push({ type: AsPathSegmentType.AS_SEQUENCE, asns: lead.slice(start, end) });
  }
  return [...out, ...rest];
}

/** Counting rule of RFC 6793 §4.2.3: confederation segments ignored, an AS_SET counts 1. */
function as4Count(segments: readonly AsPathSegment[]): number {
  return asPathLength(segments);
}

function appendSegments(into: AsPathSegment[], more: readonly AsPathSegment[]): AsPathSegment[] {
  for (const seg of more) {
    const last = into[into.length - 1];
    if (
      last !== undefined &&
      last.type === AsPathSegmentType.AS_SEQUENCE &&
      seg.type === AsPathSegmentType.AS_SEQUENCE &&
      last.asns.length + seg.asns.length <= MAX_SEGMENT_ASNS
    ) {
      into[into.length - 1] = { type: AsPathSegmentType.AS_SEQUENCE, asns: [...last.asns, ...seg.asns] };
    } else {
      into.push(seg);
    }
  }
  return into;
}

/**
 * RFC 6793 §4.2.3: rebuild the real path of an UPDATE received from a 2-octet-AS peer from AS_PATH and AS4_PATH
 * (and AGGREGATOR from AS4_AGGREGATOR). From a 4-octet peer, AS4_PATH and AS4_AGGREGATOR are discarded (§4.1).
 * The result never carries AS4_PATH or AS4_AGGREGATOR.
 */
export function mergeAs4Path<A extends PathAttributes>(attrs: A, peerFourOctet: boolean): A {
  if (attrs.as4Path === undefined && attrs.as4Aggregator === undefined) return attrs;
  const { as4Path, as4Aggregator, ...rest } = attrs;
  const out: { -readonly [K in keyof PathAttributes]: PathAttributes[K] } = rest;
  if (peerFourOctet) return out as A;
  // §4.2.3: an AGGREGATOR whose AS is not AS_TRANS means a 2-octet speaker aggregated after the last 4-octet
  // one: AS4_AGGREGATOR and AS4_PATH are both stale and ignored.
  if (attrs.aggregator !== undefined && attrs.aggregator.asn !== AS_TRANS && as4Aggregator !== undefined) return out as A;
  if (as4Aggregator !== undefined && attrs.aggregator !== undefined) out.aggregator = as4Aggregator;
  if (as4Path === undefined) return out as A;
  // §4.2.3: confederation segments in AS4_PATH are discarded.
  const as4 = as4Path.filter((s) => !isConfed(s.type));
  const asPath = attrs.asPath ?? [];
  const total = as4Count(asPath);
  const want = as4Count(as4);
  if (total < want) return out as A; // AS4_PATH is inconsistent: use AS_PATH as is.
  // Keep the leading (total - want) ASes of AS_PATH, then AS4_PATH.
  let keep = total - want;
  const merged: AsPathSegment[] = [];
  for (const seg of asPath) {
    if (keep === 0 && !isConfed(seg.type)) break;
    if (isConfed(seg.type)) merged.push(seg);
    else if (seg.type === AsPathSegmentType.AS_SET) {
      merged.push(seg);
      keep -= 1;
    } else if (seg.asns.length <= keep) {
      merged.push(seg);
      keep -= seg.asns.length;
    } else {
      merged.push({ type: seg.type, asns: seg.asns.slice(0, keep) });
      keep = 0;
    }
  }
  out.asPath = appendSegments(merged, as4);
  return out as A;
}

/**
 * RFC 6793 §4.2.2: attributes for a 2-octet-AS peer. AS numbers above 65535 become AS_TRANS in AS_PATH and the
 * real path goes in AS4_PATH (without confederation segments); likewise AGGREGATOR / AS4_AGGREGATOR.
 */
export function splitAs4Path<A extends PathAttributes>(attrs: A): A {
  const out: { -readonly [K in keyof PathAttributes]: PathAttributes[K] } = { ...attrs };
  delete out.as4Path;
  delete out.as4Aggregator;
  const path = attrs.asPath;
  if (path !== undefined && path.some((s) => s.asns.some((a) => a > MAX_TWO_OCTET_AS))) {
    out.asPath = path.map((s) => ({ type: s.type, asns: s.asns.map((a) => (a > MAX_TWO_OCTET_AS ? AS_TRANS : a)) }));
    out.as4Path = path.filter((s) => !isConfed(s.type));
  }
  if (attrs.aggregator !== undefined && attrs.aggregator.asn > MAX_TWO_OCTET_AS) {
    out.aggregator = { asn: AS_TRANS, address: attrs.aggregator.address };
    out.as4Aggregator = attrs.aggregator;
  }
  return out as A;
}
