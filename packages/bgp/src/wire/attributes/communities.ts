// COMMUNITIES (RFC 1997): optional transitive, a list of 4-octet values (well-known ones in constants.ts).
import { AttrType, UpdateErrorSubcode } from '../constants.js';
import { writeUint32 } from '../address.js';
import { checkUint } from '../encode-error.js';
import { lengthProblem, OPTIONAL_TRANSITIVE } from './codec.js';
import type { AttributeDecoder, AttributeEncoder } from './codec.js';

const COMMUNITY_LENGTH = 4;

// RFC 7606 §7.8: a length that is not a non-zero multiple of 4 is malformed (treat-as-withdraw).
export const decodeCommunities: AttributeDecoder = (bytes, start, end, _ctx, state) => {
  const length = end - start;
  if (length === 0 || length % COMMUNITY_LENGTH !== 0) {
    return lengthProblem('COMMUNITIES', length, 'a non-zero multiple of 4', UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR);
  }
  const values = new Array<number>(length / COMMUNITY_LENGTH);
  for (let i = 0, pos = start; pos < end; i++, pos += COMMUNITY_LENGTH) {
    values[i] = ((bytes[pos]! << 24) | (bytes[pos + 1]! << 16) | (bytes[pos + 2]! << 8) | bytes[pos + 3]!) >>> 0;
  }
  state.attrs.communities = values;
  return undefined;
};

export const communitiesEncoder: AttributeEncoder = {
  typeCode: AttrType.COMMUNITIES,
  flags: OPTIONAL_TRANSITIVE,
  valueLength: ({ attrs }) => {
    // An empty list is not sent: a zero-length COMMUNITIES is malformed (RFC 7606 §7.8).
    if (!attrs.communities || attrs.communities.length === 0) return -1;
    for (const c of attrs.communities) checkUint(c, 32, 'community');
    return attrs.communities.length * COMMUNITY_LENGTH;
  },
  write: ({ attrs }, _ctx, target, pos) => {
    for (const c of attrs.communities!) {
      writeUint32(target, pos, c);
      pos += COMMUNITY_LENGTH;
    }
  },
};

/** "65000:100" text form used by APIs and policy (RFC 1997 §2: high 16 bits ASN, low 16 bits value). */
export function formatCommunity(value: number): string {
  return `${value >>> 16}:${value & 0xffff}`;
}
