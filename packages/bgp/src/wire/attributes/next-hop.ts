// NEXT_HOP (RFC 4271 §5.1.3): well-known, mandatory when the UPDATE carries IPv4 NLRI in its NLRI field.
// Semantic checks that need session state (our own address, shared subnet for single-hop eBGP) belong to the session.
import { AttrType, UpdateErrorSubcode } from '../constants.js';
import { formatIpv4At, IPV4_OCTETS, writeIpv4 } from '../address.js';
import { lengthProblem, WELL_KNOWN } from './codec.js';
import type { AttributeDecoder, AttributeEncoder } from './codec.js';

/** 0.0.0.0/8 ("this network", RFC 1122 §3.2.1.3) can never be a next hop. */
const THIS_NETWORK_OCTET = 0;
/** 224.0.0.0/4 multicast and 240.0.0.0/4 reserved (including 255.255.255.255) are not host addresses. */
const FIRST_NON_UNICAST_OCTET = 224;

// RFC 7606 §7.3: a NEXT_HOP of the wrong length or that is not a valid host address is malformed (treat-as-withdraw).
export const decodeNextHop: AttributeDecoder = (bytes, start, end, _ctx, state) => {
  if (end - start !== IPV4_OCTETS) return lengthProblem('NEXT_HOP', end - start, '4', UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR);
  const first = bytes[start]!;
  if (first === THIS_NETWORK_OCTET || first >= FIRST_NON_UNICAST_OCTET) {
    return { subcode: UpdateErrorSubcode.INVALID_NEXT_HOP_ATTRIBUTE, reason: `NEXT_HOP ${formatIpv4At(bytes, start)} is not a unicast host address` };
  }
  state.attrs.nextHop = formatIpv4At(bytes, start);
  return undefined;
};

export const nextHopEncoder: AttributeEncoder = {
  typeCode: AttrType.NEXT_HOP,
  flags: WELL_KNOWN,
  valueLength: ({ attrs }) => (attrs.nextHop === undefined ? -1 : IPV4_OCTETS),
  write: ({ attrs }, _ctx, target, pos) => writeIpv4(attrs.nextHop!, target, pos),
};
