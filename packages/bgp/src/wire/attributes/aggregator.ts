// ATOMIC_AGGREGATE (RFC 4271 §5.1.6), AGGREGATOR (§5.1.7, 2- or 4-octet AS per RFC 6793 §4) and
// AS4_AGGREGATOR (RFC 6793 §3).
import { AS_TRANS, AttrType, UpdateErrorSubcode } from '../constants.js';
import { formatIpv4At, IPV4_OCTETS, readUint32, writeIpv4, writeUint32 } from '../address.js';
import { checkUint } from '../encode-error.js';
import type { Aggregator, CodecContext } from '../types.js';
import { lengthProblem, OPTIONAL_TRANSITIVE, WELL_KNOWN } from './codec.js';
import type { AttributeDecoder, AttributeEncoder, AttributeProblem, EncodeInput } from './codec.js';

const TWO_OCTET_AS_MAX = 0xffff;
const RESERVED_AS = 0;

// RFC 7606 §7.6: ATOMIC_AGGREGATE with a non-zero length is discarded.
export const decodeAtomicAggregate: AttributeDecoder = (_bytes, start, end, _ctx, state) => {
  if (end !== start) return lengthProblem('ATOMIC_AGGREGATE', end - start, '0', UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR);
  state.attrs.atomicAggregate = true;
  return undefined;
};

function readAggregator(bytes: Uint8Array, start: number, end: number, asnSize: number, name: string): Aggregator | AttributeProblem {
  const expected = asnSize + IPV4_OCTETS;
  if (end - start !== expected) return lengthProblem(name, end - start, `${expected}`, UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR);
  const asn = asnSize === 4 ? readUint32(bytes, start) : (bytes[start]! << 8) | bytes[start + 1]!;
  // RFC 7607 §2: AS 0 makes the attribute malformed.
  if (asn === RESERVED_AS) return { subcode: UpdateErrorSubcode.OPTIONAL_ATTRIBUTE_ERROR, reason: `${name} carries AS 0` };
  return { asn, address: formatIpv4At(bytes, start + asnSize) };
}

// RFC 7606 §7.7: an AGGREGATOR of the wrong length (6 on 2-octet sessions, 8 on 4-octet ones) is discarded.
export const decodeAggregator: AttributeDecoder = (bytes, start, end, ctx, state) => {
  const result = readAggregator(bytes, start, end, ctx.fourOctetAs ? 4 : 2, 'AGGREGATOR');
  if ('subcode' in result) return result;
  state.attrs.aggregator = result;
  return undefined;
};

// RFC 6793 §6: a malformed AS4_AGGREGATOR is discarded, and so is any between NEW speakers.
export const decodeAs4Aggregator: AttributeDecoder = (bytes, start, end, ctx, state) => {
  if (ctx.fourOctetAs) return { subcode: UpdateErrorSubcode.OPTIONAL_ATTRIBUTE_ERROR, reason: 'AS4_AGGREGATOR on a 4-octet AS session' };
  const result = readAggregator(bytes, start, end, 4, 'AS4_AGGREGATOR');
  if ('subcode' in result) return result;
  state.attrs.as4Aggregator = result;
  return undefined;
};

export const atomicAggregateEncoder: AttributeEncoder = {
  typeCode: AttrType.ATOMIC_AGGREGATE,
  flags: WELL_KNOWN,
  valueLength: ({ attrs }) => (attrs.atomicAggregate ? 0 : -1),
  write: () => undefined,
};

function writeAggregator(aggregator: Aggregator, asnSize: number, target: Uint8Array, pos: number): void {
  if (asnSize === 4) {
    writeUint32(target, pos, aggregator.asn);
  } else {
    // RFC 6793 §4.2.2: AS_TRANS stands in for a 4-octet ASN towards a 2-octet speaker.
    const asn = aggregator.asn > TWO_OCTET_AS_MAX ? AS_TRANS : aggregator.asn;
    target[pos] = asn >>> 8;
    target[pos + 1] = asn & 0xff;
  }
  writeIpv4(aggregator.address, target, pos + asnSize);
}

export const aggregatorEncoder: AttributeEncoder = {
  typeCode: AttrType.AGGREGATOR,
  flags: OPTIONAL_TRANSITIVE,
  valueLength: ({ attrs }, ctx) => {
    if (!attrs.aggregator) return -1;
    checkUint(attrs.aggregator.asn, 32, 'AGGREGATOR ASN');
    return (ctx.fourOctetAs ? 4 : 2) + IPV4_OCTETS;
  },
  write: ({ attrs }, ctx, target, pos) => writeAggregator(attrs.aggregator!, ctx.fourOctetAs ? 4 : 2, target, pos),
};

/** RFC 6793 §4.2.2: sent only towards 2-octet speakers, when given or when the AGGREGATOR's ASN needs 4 octets. */
function as4AggregatorToSend(input: EncodeInput, ctx: CodecContext): Aggregator | undefined {
  if (ctx.fourOctetAs) return undefined;
  if (input.attrs.as4Aggregator) return input.attrs.as4Aggregator;
  const aggregator = input.attrs.aggregator;
  return aggregator && aggregator.asn > TWO_OCTET_AS_MAX ? aggregator : undefined;
}

export const as4AggregatorEncoder: AttributeEncoder = {
  typeCode: AttrType.AS4_AGGREGATOR,
  flags: OPTIONAL_TRANSITIVE,
  valueLength: (input, ctx) => {
    const aggregator = as4AggregatorToSend(input, ctx);
    if (!aggregator) return -1;
    checkUint(aggregator.asn, 32, 'AS4_AGGREGATOR ASN');
    return 4 + IPV4_OCTETS;
  },
  write: (input, ctx, target, pos) => writeAggregator(as4AggregatorToSend(input, ctx)!, 4, target, pos),
};
