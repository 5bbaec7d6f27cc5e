// MULTI_EXIT_DISC (RFC 4271 §5.1.4, optional non-transitive) and LOCAL_PREF (§5.1.5, well-known): 4-octet values.
// Whether LOCAL_PREF is acceptable from this peer (eBGP) is the session's call; the codec only decodes it.
import { AttrType, UpdateErrorSubcode } from '../constants.js';
import { readUint32, writeUint32 } from '../address.js';
import { checkUint } from '../encode-error.js';
import { lengthProblem, OPTIONAL_NON_TRANSITIVE, WELL_KNOWN } from './codec.js';
import type { AttributeDecoder, AttributeEncoder } from './codec.js';

const VALUE_LENGTH = 4;

// RFC 7606 §7.4 and §7.5: a length other than 4 is malformed (treat-as-withdraw).
export const decodeMed: AttributeDecoder = (bytes, start, end, _ctx, state) => {
  if (end - start !== VALUE_LENGTH) return lengthProblem('MULTI_EXIT_DISC', end - start, '4', UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR);
  state.attrs.med = readUint32(bytes, start);
  return undefined;
};

export const decodeLocalPref: AttributeDecoder = (bytes, start, end, _ctx, state) => {
  if (end - start !== VALUE_LENGTH) return lengthProblem('LOCAL_PREF', end - start, '4', UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR);
  state.attrs.localPref = readUint32(bytes, start);
  return undefined;
};

export const medEncoder: AttributeEncoder = {
  typeCode: AttrType.MULTI_EXIT_DISC,
  flags: OPTIONAL_NON_TRANSITIVE,
  valueLength: ({ attrs }) => {
    if (attrs.med === undefined) return -1;
    checkUint(attrs.med, 32, 'MULTI_EXIT_DISC');
    return VALUE_LENGTH;
  },
  write: ({ attrs }, _ctx, target, pos) => writeUint32(target, pos, attrs.med!),
};

export const localPrefEncoder: AttributeEncoder = {
  typeCode: AttrType.LOCAL_PREF,
  flags: WELL_KNOWN,
  valueLength: ({ attrs }) => {
    if (attrs.localPref === undefined) return -1;
    checkUint(attrs.localPref, 32, 'LOCAL_PREF');
    return VALUE_LENGTH;
  },
  write: ({ attrs }, _ctx, target, pos) => writeUint32(target, pos, attrs.localPref!),
};
