// LARGE_COMMUNITY (RFC 8092): optional transitive, a list of 12-octet values (global admin, two local data parts).
import { AttrType, UpdateErrorSubcode } from '../constants.js';
import { readUint32, writeUint32 } from '../address.js';
import { checkUint } from '../encode-error.js';
import type { LargeCommunity } from '../types.js';
import { lengthProblem, OPTIONAL_TRANSITIVE } from './codec.js';
import type { AttributeDecoder, AttributeEncoder } from './codec.js';

const LARGE_COMMUNITY_LENGTH = 12;

// RFC 8092 §6: a length that is not a non-zero multiple of 12 is malformed (treat-as-withdraw, RFC 7606).
export const decodeLargeCommunities: AttributeDecoder = (bytes, start, end, _ctx, state) => {
  const length = end - start;
  if (length === 0 || length % LARGE_COMMUNITY_LENGTH !== 0) {
    return lengthProblem('LARGE_COMMUNITY', length, 'a non-zero multiple of 12', UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR);
  }
  const values = new Array<LargeCommunity>(length / LARGE_COMMUNITY_LENGTH);
  for (let i = 0, pos = start; pos < end; i++, pos += LARGE_COMMUNITY_LENGTH) {
    values[i] = { globalAdmin: readUint32(bytes, pos), localData1: readUint32(bytes, pos + 4), localData2: readUint32(bytes, pos + 8) };
  }
  state.attrs.largeCommunities = values;
  return undefined;
};

export const largeCommunitiesEncoder: AttributeEncoder = {
  typeCode: AttrType.LARGE_COMMUNITY,
  flags: OPTIONAL_TRANSITIVE,
  valueLength: ({ attrs }) => {
    if (!attrs.largeCommunities || attrs.largeCommunities.length === 0) return -1;
    for (const c of attrs.largeCommunities) {
      checkUint(c.globalAdmin, 32, 'large community global administrator');
      checkUint(c.localData1, 32, 'large community local data 1');
      checkUint(c.localData2, 32, 'large community local data 2');
    }
    return attrs.largeCommunities.length * LARGE_COMMUNITY_LENGTH;
  },
  write: ({ attrs }, _ctx, target, pos) => {
    for (const c of attrs.largeCommunities!) {
      writeUint32(target, pos, c.globalAdmin);
      writeUint32(target, pos + 4, c.localData1);
      writeUint32(target, pos + 8, c.localData2);
      pos += LARGE_COMMUNITY_LENGTH;
    }
  },
};
