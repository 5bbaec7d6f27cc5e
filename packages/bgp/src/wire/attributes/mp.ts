// MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760 §3, §4): optional non-transitive attributes carrying the IPv6 (or
// other-family) prefixes. IPv6 next hops are global only (16 octets) or global + link-local (32, RFC 2545 §3);
// an IPv4 family may carry an IPv6 next hop (RFC 8950 §3).
import { Afi, AttrType, UpdateErrorSubcode } from '../constants.js';
import { formatIpv4At, formatIpv6At, IPV4_OCTETS, IPV6_OCTETS, isIpv6Text, writeIpv4, writeIpv6 } from '../address.js';
import { EncodeError } from '../encode-error.js';
import { decodeNlri, familyOf } from '../nlri.js';
import { OPTIONAL_NON_TRANSITIVE } from './codec.js';
import type { AttributeDecoder, AttributeEncoder, AttributeProblem } from './codec.js';

/** AFI (2) + SAFI (1). */
const AFI_SAFI_LENGTH = 3;
/** AFI, SAFI, next hop length, and the reserved octet (RFC 4760 §3, formerly the SNPA count). */
const MP_REACH_FIXED_LENGTH = 5;
const GLOBAL_AND_LINK_LOCAL = 2 * IPV6_OCTETS;

function problem(reason: string): AttributeProblem {
  return { subcode: UpdateErrorSubcode.OPTIONAL_ATTRIBUTE_ERROR, reason };
}

function nextHopLengthValid(afi: number, length: number): boolean {
  if (length === IPV6_OCTETS || length === GLOBAL_AND_LINK_LOCAL) return true;
  return afi === Afi.IPV4 && length === IPV4_OCTETS;
}

// RFC 7606 §7.11 and §5.3: any error here means the NLRI cannot be trusted, so it resets the session.
export const decodeMpReach: AttributeDecoder = (bytes, start, end, ctx, state) => {
  if (end - start < MP_REACH_FIXED_LENGTH) return problem(`MP_REACH_NLRI length ${end - start} is below ${MP_REACH_FIXED_LENGTH}`);
  const afi = (bytes[start]! << 8) | bytes[start + 1]!;
  const safi = bytes[start + 2]!;
  const family = familyOf(afi, safi);
  if (!family) return problem(`MP_REACH_NLRI for unsupported AFI ${afi} SAFI ${safi}`);
  const nextHopLength = bytes[start + AFI_SAFI_LENGTH]!;
  const nextHopStart = start + AFI_SAFI_LENGTH + 1;
  if (!nextHopLengthValid(afi, nextHopLength)) return problem(`MP_REACH_NLRI next hop length ${nextHopLength} is invalid for AFI ${afi}`);
  if (nextHopStart + nextHopLength + 1 > end) return problem('MP_REACH_NLRI next hop overruns the attribute');
  const nextHop = nextHopLength === IPV4_OCTETS ? formatIpv4At(bytes, nextHopStart) : formatIpv6At(bytes, nextHopStart);
  // The reserved octet after the next hop is ignored on receipt (RFC 4760 §3).
  const nlriStart = nextHopStart + nextHopLength + 1;
  const nlri = decodeNlri(bytes, nlriStart, end, afi, safi, ctx.addPath.has(family));
  state.mpReach =
    nextHopLength === GLOBAL_AND_LINK_LOCAL
      ? { afi, safi, nextHop, linkLocalNextHop: formatIpv6At(bytes, nextHopStart + IPV6_OCTETS), nlri }
      : { afi, safi, nextHop, nlri };
  return undefined;
};

export const decodeMpUnreach: AttributeDecoder = (bytes, start, end, ctx, state) => {
  if (end - start < AFI_SAFI_LENGTH) return problem(`MP_UNREACH_NLRI length ${end - start} is below ${AFI_SAFI_LENGTH}`);
  const afi = (bytes[start]! << 8) | bytes[start + 1]!;
  const safi = bytes[start + 2]!;
  const family = familyOf(afi, safi);
  if (!family) return problem(`MP_UNREACH_NLRI for unsupported AFI ${afi} SAFI ${safi}`);
  const withdrawn = decodeNlri(bytes, start + AFI_SAFI_LENGTH, end, afi, safi, ctx.addPath.has(family));
  state.mpUnreach = { afi, safi, withdrawn };
  return undefined;
};

function nextHopOctets(afi: number, nextHop: string, linkLocal: string | undefined): number {
  if (linkLocal !== undefined) return GLOBAL_AND_LINK_LOCAL;
  if (afi === Afi.IPV4 && !isIpv6Text(nextHop)) return IPV4_OCTETS;
  return IPV6_OCTETS;
}

/** The Network Address of Next Hop field (RFC 4760 §3): 4, 16 or 32 octets by AFI and link-local presence. */
export function encodeMpNextHop(afi: number, nextHop: string, linkLocal?: string): Uint8Array {
  const out = new Uint8Array(nextHopOctets(afi, nextHop, linkLocal));
  if (out.length === IPV4_OCTETS) writeIpv4(nextHop, out, 0);
  else writeIpv6(nextHop, out, 0);
  if (linkLocal !== undefined) writeIpv6(linkLocal, out, IPV6_OCTETS);
  return out;
}

/** Octets of an MP_REACH_NLRI value before its NLRI: AFI, SAFI, next hop length, next hop, reserved. */
export function mpReachPrefixLength(nextHop: Uint8Array): number {
  return MP_REACH_FIXED_LENGTH + nextHop.length;
}

/** Writes the MP_REACH_NLRI value up to its NLRI at `pos`; returns where the NLRI starts. */
export function writeMpReachPrefix(target: Uint8Array, pos: number, afi: number, safi: number, nextHop: Uint8Array): number {
  target[pos] = afi >>> 8;
  target[pos + 1] = afi & 0xff;
  target[pos + 2] = safi;
  target[pos + 3] = nextHop.length;
  target.set(nextHop, pos + AFI_SAFI_LENGTH + 1);
  pos += AFI_SAFI_LENGTH + 1 + nextHop.length;
  target[pos] = 0; // Reserved (RFC 4760 §3)
  return pos + 1;
}

export const mpReachEncoder: AttributeEncoder = {
  typeCode: AttrType.MP_REACH_NLRI,
  flags: OPTIONAL_NON_TRANSITIVE,
  valueLength: ({ mpReach }) => {
    if (!mpReach) return -1;
    if (mpReach.nlri.afi !== mpReach.afi) throw new EncodeError(`MP_REACH_NLRI AFI ${mpReach.afi} with NLRI of AFI ${mpReach.nlri.afi}`);
    return MP_REACH_FIXED_LENGTH + nextHopOctets(mpReach.afi, mpReach.nextHop, mpReach.linkLocalNextHop) + mpReach.nlri.bytes.length;
  },
  write: ({ mpReach }, _ctx, target, pos) => {
    const m = mpReach!;
    pos = writeMpReachPrefix(target, pos, m.afi, m.safi, encodeMpNextHop(m.afi, m.nextHop, m.linkLocalNextHop));
    target.set(m.nlri.bytes, pos);
  },
};

export const mpUnreachEncoder: AttributeEncoder = {
  typeCode: AttrType.MP_UNREACH_NLRI,
  flags: OPTIONAL_NON_TRANSITIVE,
  valueLength: ({ mpUnreach }) => (mpUnreach ? AFI_SAFI_LENGTH + mpUnreach.withdrawn.bytes.length : -1),
  write: ({ mpUnreach }, _ctx, target, pos) => {
    const m = mpUnreach!;
    target[pos] = m.afi >>> 8;
    target[pos + 1] = m.afi & 0xff;
    target[pos + 2] = m.safi;
    target.set(m.withdrawn.bytes, pos + AFI_SAFI_LENGTH);
  },
};
