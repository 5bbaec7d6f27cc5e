// EXTENDED_COMMUNITIES (RFC 4360): optional transitive, a list of 8-octet values kept opaque.
import { AttrType, UpdateErrorSubcode } from '../constants.js';
import { EncodeError } from '../encode-error.js';
import { lengthProblem, OPTIONAL_TRANSITIVE } from './codec.js';
import type { AttributeDecoder, AttributeEncoder } from './codec.js';

const EXTENDED_COMMUNITY_LENGTH = 8;

// RFC 7606 §7.14: a length that is not a non-zero multiple of 8 is malformed (treat-as-withdraw).
export const decodeExtendedCommunities: AttributeDecoder = (bytes, start, end, _ctx, state) => {
  const length = end - start;
  if (length === 0 || length % EXTENDED_COMMUNITY_LENGTH !== 0) {
    return lengthProblem('EXTENDED_COMMUNITIES', length, 'a non-zero multiple of 8', UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR);
  }
  const values = new Array<Uint8Array>(length / EXTENDED_COMMUNITY_LENGTH);
  // One copy for the whole attribute, then views: the values must outlive the received message buffer.
  const copy = bytes.slice(start, end);
  for (let i = 0; i < values.length; i++) values[i] = copy.subarray(i * EXTENDED_COMMUNITY_LENGTH, (i + 1) * EXTENDED_COMMUNITY_LENGTH);
  state.attrs.extendedCommunities = values;
  return undefined;
};

export const extendedCommunitiesEncoder: AttributeEncoder = {
  typeCode: AttrType.EXTENDED_COMMUNITIES,
  flags: OPTIONAL_TRANSITIVE,
  valueLength: ({ attrs }) => {
    if (!attrs.extendedCommunities || attrs.extendedCommunities.length === 0) return -1;
    for (const c of attrs.extendedCommunities) {
      if (c.length !== EXTENDED_COMMUNITY_LENGTH) throw new EncodeError(`extended community of ${c.length} octets`);
    }
    return attrs.extendedCommunities.length * EXTENDED_COMMUNITY_LENGTH;
  },
  write: ({ attrs }, _ctx, target, pos) => {
    for (const c of attrs.extendedCommunities!) {
      target.set(c, pos);
      pos += EXTENDED_COMMUNITY_LENGTH;
    }
  },
};
