// Path attributes (RFC 4271 §4.3/§5, RFC 1997, 4360, 4456, 5065, 6793, 8092): exact wire bytes for each, round trips
// in both AS widths, AS_TRANS and AS4_PATH/AS4_AGGREGATOR towards 2-octet speakers, and the Extended Length flag.
import assert from 'node:assert/strict';
import {
  AsPathSegmentType,
  decodeUpdate,
  encodeAttributes,
  encodeUpdate,
  formatCommunity,
  updateMessage,
  WellKnownCommunity,
  type CodecContext,
  type PathAttributes,
} from '../src/wire/index.js';
import { hex, toHex } from './fixtures/wire-bytes.js';
import { attr, CTX2, CTX4, rawUpdate } from './wire-update-helpers.js';

function roundTrip(attributes: PathAttributes, ctx: CodecContext): PathAttributes {
  return decodeUpdate(encodeUpdate(updateMessage({ attributes }), ctx), ctx).attributes;
}

const SEQ = AsPathSegmentType.AS_SEQUENCE;
const SET = AsPathSegmentType.AS_SET;

describe('wire: path attributes', () => {
  describe('exact encodings', () => {
    const cases: Array<[string, PathAttributes, CodecContext, string]> = [
      ['ORIGIN INCOMPLETE', { origin: 2 }, CTX4, '40 01 01 02'],
      ['AS_PATH, 2-octet', { asPath: [{ type: SEQ, asns: [65001, 65002] }] }, CTX2, '40 02 06 02 02 fde9 fdea'],
      ['AS_PATH, 4-octet', { asPath: [{ type: SEQ, asns: [65001, 4200000000] }] }, CTX4, '40 02 0a 02 02 0000fde9 fa56ea00'],
      ['empty AS_PATH (iBGP-originated)', { asPath: [] }, CTX4, '40 02 00'],
      ['NEXT_HOP', { nextHop: '192.0.2.1' }, CTX4, '40 03 04 c0000201'],
      ['MULTI_EXIT_DISC', { med: 0xdeadbeef }, CTX4, '80 04 04 deadbeef'],
      ['LOCAL_PREF', { localPref: 100 }, CTX4, '40 05 04 00000064'],
      ['ATOMIC_AGGREGATE', { atomicAggregate: true }, CTX4, '40 06 00'],
      ['AGGREGATOR, 2-octet', { aggregator: { asn: 65001, address: '10.0.0.1' } }, CTX2, 'c0 07 06 fde9 0a000001'],
      ['AGGREGATOR, 4-octet', { aggregator: { asn: 65001, address: '10.0.0.1' } }, CTX4, 'c0 07 08 0000fde9 0a000001'],
      ['COMMUNITIES', { communities: [WellKnownCommunity.NO_EXPORT, 0xfde90064] }, CTX4, 'c0 08 08 ffffff01 fde90064'],
      ['ORIGINATOR_ID', { originatorId: 0x0a000001 }, CTX4, '80 09 04 0a000001'],
      ['CLUSTER_LIST', { clusterList: [1, 0xffffffff] }, CTX4, '80 0a 08 00000001 ffffffff'],
      ['EXTENDED_COMMUNITIES', { extendedCommunities: [hex('0002fde900000064')] }, CTX4, 'c0 10 08 0002fde900000064'],
      ['LARGE_COMMUNITY', { largeCommunities: [{ globalAdmin: 4200000000, localData1: 1, localData2: 2 }] }, CTX4, 'c0 20 0c fa56ea00 00000001 00000002'],
      ['unknown optional transitive (Partial kept)', { unknown: [{ flags: 0xe0, typeCode: 99, value: hex('0102') }] }, CTX4, 'e0 63 02 0102'],
    ];
    for (const [name, attrs, ctx, expected] of cases) {
      it(name, () => {
        assert.equal(toHex(encodeAttributes(attrs, ctx)), expected.replace(/\s+/g, ''));
        assert.deepEqual(roundTrip(attrs, ctx), attrs);
      });
    }
    it('sends attributes in type code order, unknown ones interleaved (RFC 4271 §5)', () => {
      const bytes = encodeAttributes(
        { largeCommunities: [{ globalAdmin: 1, localData1: 2, localData2: 3 }], unknown: [{ flags: 0xe0, typeCode: 20, value: hex('00') }], origin: 0, med: 1 },
        CTX4,
      );
      const types: number[] = [];
      for (let pos = 0; pos < bytes.length; pos += 3 + bytes[pos + 2]!) types.push(bytes[pos + 1]!);
      assert.deepEqual(types, [1, 4, 20, 32]);
    });
  });

  describe('round trips', () => {
    const full: PathAttributes = {
      origin: 1,
      asPath: [
        { type: AsPathSegmentType.AS_CONFED_SEQUENCE, asns: [64512, 64513] },
        { type: AsPathSegmentType.AS_CONFED_SET, asns: [64514] },
        { type: SEQ, asns: [65001, 65002, 65003] },
        { type: SET, asns: [1, 2, 3] },
      ],
      nextHop: '198.51.100.7',
      med: 0,
      localPref: 0xffffffff,
      atomicAggregate: true,
      aggregator: { asn: 65010, address: '203.0.113.9' },
      communities: [0, 0xffffffff, WellKnownCommunity.BLACKHOLE],
      originatorId: 0xc0000201,
      clusterList: [0x01010101, 0x02020202],
      extendedCommunities: [hex('0102030405060708'), hex('8000000000000000')],
      largeCommunities: [
        { globalAdmin: 0, localData1: 0, localData2: 0 },
        { globalAdmin: 0xffffffff, localData1: 0xffffffff, localData2: 0xffffffff },
      ],
      unknown: [{ flags: 0xe0, typeCode: 200, value: hex('cafe') }],
    };
    for (const [name, ctx] of [['2-octet AS', CTX2], ['4-octet AS', CTX4]] as const) {
      it(`every attribute at once, ${name}`, () => assert.deepEqual(roundTrip(full, ctx), full));
    }
    it('AS_PATH segments longer than 255 ASNs are split (the count is one octet)', () => {
      const asns = Array.from({ length: 300 }, (_, i) => 65536 + i);
      const decoded = roundTrip({ asPath: [{ type: SEQ, asns }] }, CTX4);
      assert.deepEqual(decoded.asPath, [
        { type: SEQ, asns: asns.slice(0, 255) },
        { type: SEQ, asns: asns.slice(255) },
      ]);
    });
  });

  describe('4-octet ASNs towards a 2-octet speaker (RFC 6793 §4.2.2)', () => {
    it('AS_PATH carries AS_TRANS and AS4_PATH the real path, without confederation segments', () => {
      const asPath = [
        { type: AsPathSegmentType.AS_CONFED_SEQUENCE, asns: [64512] },
        { type: SEQ, asns: [65001, 4200000000] },
      ];
      const bytes = encodeAttributes({ asPath }, CTX2);
      assert.equal(toHex(bytes), '40020a' + '0301fc00' + '0202fde95ba0' + 'c0110a' + '0202' + '0000fde9' + 'fa56ea00');
      const decoded = roundTrip({ asPath }, CTX2);
      assert.deepEqual(decoded.asPath, [asPath[0], { type: SEQ, asns: [65001, 23456] }]);
      assert.deepEqual(decoded.as4Path, [{ type: SEQ, asns: [65001, 4200000000] }]);
    });
    it('no AS4_PATH when every ASN fits 2 octets', () => {
      assert.equal(toHex(encodeAttributes({ asPath: [{ type: SEQ, asns: [1, 2] }] }, CTX2)), '400206020200010002');
    });
    it('AGGREGATOR carries AS_TRANS and AS4_AGGREGATOR the real ASN', () => {
      const decoded = roundTrip({ aggregator: { asn: 4200000001, address: '10.0.0.1' } }, CTX2);
      assert.deepEqual(decoded.aggregator, { asn: 23456, address: '10.0.0.1' });
      assert.deepEqual(decoded.as4Aggregator, { asn: 4200000001, address: '10.0.0.1' });
    });
    it('AS4_PATH and AS4_AGGREGATOR are never sent between 4-octet speakers (RFC 6793 §6)', () => {
      const attrs: PathAttributes = {
        asPath: [{ type: SEQ, asns: [4200000000] }],
        as4Path: [{ type: SEQ, asns: [4200000000] }],
        as4Aggregator: { asn: 4200000000, address: '10.0.0.1' },
      };
      assert.equal(toHex(encodeAttributes(attrs, CTX4)), '400206' + '0201fa56ea00');
    });
    it('an explicit AS4_PATH is passed on to a 2-octet speaker as given', () => {
      const attrs: PathAttributes = { asPath: [{ type: SEQ, asns: [23456] }], as4Path: [{ type: SEQ, asns: [4200000000] }] };
      assert.deepEqual(roundTrip(attrs, CTX2), attrs);
    });
    it('confederation segments in a received AS4_PATH are dropped (RFC 6793 §6)', () => {
      const message = rawUpdate({ attributes: [attr(0x40, 2, [2, 1, 0, 1]), attr(0xc0, 17, [3, 1, 0xfa, 0x56, 0xea, 0, 2, 1, 0xfa, 0x56, 0xea, 1])] });
      const u = decodeUpdate(message, CTX2);
      assert.deepEqual(u.attributes.as4Path, [{ type: SEQ, asns: [4200000001] }]);
      assert.deepEqual(u.attributeErrors, []);
    });
  });

  describe('Extended Length (RFC 4271 §4.3)', () => {
    it('is set when a value exceeds 255 octets, and decodes', () => {
      const communities = Array.from({ length: 100 }, (_, i) => 0xfde90000 + i);
      const bytes = encodeAttributes({ communities }, CTX4);
      assert.equal(toHex(bytes.subarray(0, 4)), 'd0080190');
      assert.equal(bytes.length, 4 + 400);
      assert.deepEqual(roundTrip({ communities }, CTX4).communities, communities);
    });
    it('is clear for a value of exactly 255 octets', () => {
      const asns = Array.from({ length: 63 }, (_, i) => i + 1); // 2 + 63 * 4 = 254 octets
      const bytes = encodeAttributes({ asPath: [{ type: SEQ, asns }] }, CTX4);
      assert.equal(toHex(bytes.subarray(0, 3)), '4002fe');
      const unknown = encodeAttributes({ unknown: [{ flags: 0xe0, typeCode: 99, value: new Uint8Array(255) }] }, CTX4);
      assert.equal(toHex(unknown.subarray(0, 3)), 'e063ff');
    });
    it('a received attribute with Extended Length and a short value decodes alike', () => {
      const message = hex('ffffffffffffffffffffffffffffffff 001c 02 0000 0005 5001000100');
      assert.equal(decodeUpdate(message, CTX4).attributes.origin, 0);
    });
    it('an unknown attribute received with Extended Length is re-sent with the flag matching its size', () => {
      const message = hex('ffffffffffffffffffffffffffffffff 001e 02 0000 0007 f0630003010203');
      const u = decodeUpdate(message, CTX4);
      assert.deepEqual(u.attributes.unknown, [{ flags: 0xe0, typeCode: 99, value: hex('010203') }]);
      assert.equal(toHex(encodeAttributes(u.attributes, CTX4)), 'e06303010203');
    });
  });

  describe('encoder input checks', () => {
    for (const [name, attrs] of [
      ['MED above 2^32-1', { med: 2 ** 32 }],
      ['a negative community', { communities: [-1] }],
      ['an ASN above 2^32-1', { asPath: [{ type: SEQ, asns: [2 ** 32] }] }],
      ['an empty AS_PATH segment', { asPath: [{ type: SEQ, asns: [] }] }],
      ['an extended community of 7 octets', { extendedCommunities: [new Uint8Array(7)] }],
    ] as const) {
      it(`refuses ${name} with EncodeError`, () => assert.throws(() => encodeAttributes(attrs as PathAttributes, CTX4), { name: 'EncodeError' }));
    }
    it('refuses a NEXT_HOP that is not an IPv4 address', () => {
      assert.throws(() => encodeAttributes({ nextHop: '2001:db8::1' }, CTX4), { name: 'AddressParseError' });
    });
  });

  it('formatCommunity gives the ASN:value text form', () => {
    assert.equal(formatCommunity(0xfde90064), '65001:100');
    assert.equal(formatCommunity(WellKnownCommunity.NO_EXPORT), '65535:65281');
  });
});
