// ORIGIN (RFC 4271 §4.3 a, §5.1.1): well-known mandatory, one octet.
import { AttrType, Origin, UpdateErrorSubcode } from '../constants.js';
import type { OriginCode } from '../constants.js';
import { checkUint } from '../encode-error.js';
import { lengthProblem, WELL_KNOWN } from './codec.js';
import type { AttributeDecoder, AttributeEncoder } from './codec.js';

const ORIGIN_LENGTH = 1;

// RFC 7606 §7.1: a wrong length or an undefined value is malformed (treat-as-withdraw).
export const decodeOrigin: AttributeDecoder = (bytes, start, end, _ctx, state) => {
  if (end - start !== ORIGIN_LENGTH) {
    return lengthProblem('ORIGIN', end - start, `${ORIGIN_LENGTH}`, UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR);
  }
  const value = bytes[start]!;
  if (value > Origin.INCOMPLETE) return { subcode: UpdateErrorSubcode.INVALID_ORIGIN_ATTRIBUTE, reason: `ORIGIN value ${value} is undefined` };
  state.attrs.origin = value as OriginCode;
  return undefined;
};

export const originEncoder: AttributeEncoder = {
  typeCode: AttrType.ORIGIN,
  flags: WELL_KNOWN,
  valueLength: ({ attrs }) => {
    if (attrs.origin === undefined) return -1;
    checkUint(attrs.origin, 8, 'ORIGIN');
    return ORIGIN_LENGTH;
  },
  write: ({ attrs }, _ctx, target, pos) => {
    target[pos] = attrs.origin!;
  },
};
