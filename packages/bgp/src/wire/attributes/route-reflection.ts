// ORIGINATOR_ID and CLUSTER_LIST (RFC 4456 §8): optional non-transitive, iBGP route reflection.
// RFC 7606 §7.9/§7.10: received from an external peer they are discarded; that needs the peer type, so the session
// does it. The codec classifies a malformed one as the RFC says for internal peers: treat-as-withdraw.
import { AttrType, UpdateErrorSubcode } from '../constants.js';
import { readUint32, writeUint32 } from '../address.js';
import { checkUint } from '../encode-error.js';
import { lengthProblem, OPTIONAL_NON_TRANSITIVE } from './codec.js';
import type { AttributeDecoder, AttributeEncoder } from './codec.js';

const ID_LENGTH = 4;

export const decodeOriginatorId: AttributeDecoder = (bytes, start, end, _ctx, state) => {
  if (end - start !== ID_LENGTH) return lengthProblem('ORIGINATOR_ID', end - start, '4', UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR);
  state.attrs.originatorId = readUint32(bytes, start);
  return undefined;
};

export const decodeClusterList: AttributeDecoder = (bytes, start, end, _ctx, state) => {
  const length = end - start;
  if (length === 0 || length % ID_LENGTH !== 0) {
    return lengthProblem('CLUSTER_LIST', length, 'a non-zero multiple of 4', UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR);
  }
  const ids = new Array<number>(length / ID_LENGTH);
  for (let i = 0, pos = start; pos < end; i++, pos += ID_LENGTH) ids[i] = readUint32(bytes, pos);
  state.attrs.clusterList = ids;
  return undefined;
};

export const originatorIdEncoder: AttributeEncoder = {
  typeCode: AttrType.ORIGINATOR_ID,
  flags: OPTIONAL_NON_TRANSITIVE,
  valueLength: ({ attrs }) => {
    if (attrs.originatorId === undefined) return -1;
    checkUint(attrs.originatorId, 32, 'ORIGINATOR_ID');
    return ID_LENGTH;
  },
  write: ({ attrs }, _ctx, target, pos) => writeUint32(target, pos, attrs.originatorId!),
};

export const clusterListEncoder: AttributeEncoder = {
  typeCode: AttrType.CLUSTER_LIST,
  flags: OPTIONAL_NON_TRANSITIVE,
  valueLength: ({ attrs }) => {
    if (!attrs.clusterList || attrs.clusterList.length === 0) return -1;
    for (const id of attrs.clusterList) checkUint(id, 32, 'CLUSTER_LIST id');
    return attrs.clusterList.length * ID_LENGTH;
  },
  write: ({ attrs }, _ctx, target, pos) => {
    for (const id of attrs.clusterList!) {
      writeUint32(target, pos, id);
      pos += ID_LENGTH;
    }
  },
};
