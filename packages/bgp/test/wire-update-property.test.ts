// Property-based tests of the UPDATE codec: encode→decode is the identity on generated valid UPDATEs (every
// attribute, both AS widths, IPv4 + IPv6, ADD-PATH, long attributes), packing preserves every prefix in order, and
// decoding corrupted UPDATEs yields either a BgpError or a result whose lists and flags are consistent.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Afi,
  buildNlri,
  decodeUpdate,
  encodeUpdate,
  encodeUpdates,
  forEachPrefix,
  formatPrefix,
  prefixesOf,
  Safi,
  updateMessage,
  type AsPathSegment,
  type AsPathSegmentTypeCode,
  type CodecContext,
  type Family,
  type NlriList,
  type PathAttributes,
  type Prefix,
  type RawAttribute,
} from '../src/wire/index.js';

const RUNS = 300;
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const KNOWN_TYPES = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32]);

function maskAddress(bytes: Uint8Array, length: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let bit = length; bit < out.length * 8; bit++) out[bit >> 3] = out[bit >> 3]! & ~(0x80 >> (bit & 7));
  return out;
}

function prefixArb(afi: number, addPath: boolean): fc.Arbitrary<Prefix> {
  const octets = afi === Afi.IPV4 ? 4 : 16;
  return fc
    .tuple(fc.uint8Array({ minLength: octets, maxLength: octets }), fc.integer({ min: 0, max: octets * 8 }), u32)
    .map(([address, length, pathId]) => (addPath ? { afi, address: maskAddress(address, length), length, pathId } : { afi, address: maskAddress(address, length), length }));
}

const hostV4 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));

function attributesArb(fourOctetAs: boolean): fc.Arbitrary<PathAttributes> {
  const asn = fc.integer({ min: 1, max: fourOctetAs ? 0xffffffff : 0xffff });
  const segment = (types: AsPathSegmentTypeCode[]): fc.Arbitrary<AsPathSegment> =>
    fc.record({ type: fc.constantFrom(...types), asns: fc.array(asn, { minLength: 1, maxLength: 12 }) }, { noNullPrototype: true });
  const unknownArb: fc.Arbitrary<RawAttribute[]> = fc
    .uniqueArray(fc.integer({ min: 19, max: 255 }).filter((t) => !KNOWN_TYPES.has(t)), { maxLength: 3 })
    .chain((types) =>
      fc.tuple(...types.sort((a, b) => a - b).map((typeCode) => fc.uint8Array({ maxLength: 300, size: 'max' }).map((value) => ({ flags: 0xe0, typeCode, value })))),
    );
  const model = {
    origin: fc.constantFrom(0 as const, 1 as const, 2 as const),
    asPath: fc.array(segment([1, 2, 3, 4]), { maxLength: 4 }),
    nextHop: hostV4,
    med: u32,
    localPref: u32,
    atomicAggregate: fc.constant(true),
    aggregator: fc.record({ asn, address: hostV4 }, { noNullPrototype: true }),
    communities: fc.array(u32, { minLength: 1, maxLength: 80, size: 'max' }), // often above 255 octets: Extended Length
    originatorId: u32,
    clusterList: fc.array(u32, { minLength: 1, maxLength: 5 }),
    extendedCommunities: fc.array(fc.uint8Array({ minLength: 8, maxLength: 8 }), { minLength: 1, maxLength: 4 }),
    largeCommunities: fc.array(fc.record({ globalAdmin: u32, localData1: u32, localData2: u32 }, { noNullPrototype: true }), { minLength: 1, maxLength: 25 }),
    unknown: unknownArb.filter((u) => u.length > 0),
  };
  // RFC 4271 §5: ORIGIN, AS_PATH and NEXT_HOP are mandatory with NLRI, so a valid UPDATE always has them.
  return fc.record(model, { requiredKeys: ['origin', 'asPath', 'nextHop'], noNullPrototype: true }) as fc.Arbitrary<PathAttributes>;
}

interface Case {
  ctx: CodecContext;
  attributes: PathAttributes;
  withdrawn: Prefix[];
  nlri: Prefix[];
  v6?: { nextHop: string; linkLocalNextHop?: string; nlri: Prefix[] };
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({ fourOctetAs: fc.boolean(), addPath: fc.subarray<Family>(['ipv4-unicast', 'ipv6-unicast']) }, { noNullPrototype: true })
  .chain(({ fourOctetAs, addPath }) => {
    const ctx: CodecContext = { fourOctetAs, extendedMessage: true, addPath: new Set(addPath) };
    const v4 = addPath.includes('ipv4-unicast');
    const v6 = addPath.includes('ipv6-unicast');
    return fc.record(
      {
        ctx: fc.constant(ctx),
        attributes: attributesArb(fourOctetAs),
        withdrawn: fc.array(prefixArb(Afi.IPV4, v4), { maxLength: 30 }),
        nlri: fc.array(prefixArb(Afi.IPV4, v4), { maxLength: 30 }),
        v6: fc.option(
          fc.record(
            {
              nextHop: fc.constantFrom('2001:db8::1', '2001:db8:ffff::abcd', '::ffff:a00:1'),
              linkLocalNextHop: fc.constantFrom('fe80::1', 'fe80::1234:5678:9abc:def0'),
              nlri: fc.array(prefixArb(Afi.IPV6, v6), { maxLength: 30 }),
            },
            { requiredKeys: ['nextHop', 'nlri'], noNullPrototype: true },
          ),
          { nil: undefined },
        ),
      },
      { requiredKeys: ['ctx', 'attributes', 'withdrawn', 'nlri'], noNullPrototype: true },
    ) as fc.Arbitrary<Case>;
  });

function addPathOf(ctx: CodecContext, family: Family): boolean {
  return ctx.addPath.has(family);
}

describe('wire: UPDATE properties', () => {
  it('encode→decode is the identity on valid UPDATEs', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const v4 = addPathOf(c.ctx, 'ipv4-unicast');
        const update = updateMessage(
          {
            attributes: c.attributes,
            withdrawn: buildNlri(Afi.IPV4, Safi.UNICAST, c.withdrawn, v4),
            nlri: buildNlri(Afi.IPV4, Safi.UNICAST, c.nlri, v4),
            ...(c.v6
              ? { mpReach: { afi: Afi.IPV6, safi: Safi.UNICAST, ...c.v6, nlri: buildNlri(Afi.IPV6, Safi.UNICAST, c.v6.nlri, addPathOf(c.ctx, 'ipv6-unicast')) } }
              : {}),
          },
          c.ctx,
        );
        const decoded = decodeUpdate(encodeUpdate(update, c.ctx), c.ctx);
        assert.deepEqual(decoded.attributeErrors, []);
        assert.equal(decoded.treatAsWithdraw, false);
        assert.deepEqual(decoded.attributes, c.attributes);
        assert.deepEqual(prefixesOf(decoded.withdrawn), c.withdrawn);
        assert.deepEqual(prefixesOf(decoded.nlri), c.nlri);
        if (c.v6) {
          assert.equal(decoded.mpReach?.nextHop, c.v6.nextHop);
          assert.equal(decoded.mpReach?.linkLocalNextHop, c.v6.linkLocalNextHop);
          assert.deepEqual(prefixesOf(decoded.mpReach!.nlri), c.v6.nlri);
        } else {
          assert.equal(decoded.mpReach, undefined);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('packing keeps every prefix once, in order, within the size limit', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.array(prefixArb(Afi.IPV4, false), { maxLength: 2500, size: 'max' }), (addPath, extended, prefixes) => {
        const ctx: CodecContext = { fourOctetAs: true, extendedMessage: extended, addPath: new Set(addPath ? (['ipv4-unicast'] as const) : []) };
        const pathIds = prefixes.map((_, i) => i);
        const attrs: PathAttributes = { origin: 0, asPath: [], nextHop: '192.0.2.1' };
        const messages = encodeUpdates(attrs, prefixes, ctx, 'ipv4-unicast', { pathIds });
        const back: Prefix[] = [];
        for (const m of messages) {
          assert.ok(m.length <= (extended ? 65535 : 4096));
          back.push(...prefixesOf(decodeUpdate(m, ctx).nlri));
        }
        assert.deepEqual(
          back.map((p) => `${p.pathId ?? '-'} ${formatPrefix(p)}`),
          prefixes.map((p, i) => `${addPath ? i : '-'} ${formatPrefix(p)}`),
        );
      }),
      { numRuns: 60 },
    );
  });

  it('a corrupted UPDATE decodes to a BgpError or to a self-consistent result', () => {
    const checkList = (list: NlriList): void => {
      let n = 0;
      const max = list.afi === Afi.IPV4 ? 32 : 128;
      forEachPrefix(list, (_id, length, bytes, offset) => {
        assert.ok(length <= max);
        assert.ok(offset + ((length + 7) >> 3) <= bytes.length);
        n++;
      });
      assert.equal(n, list.count);
    };
    fc.assert(
      fc.property(
        caseArb,
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }),
        (c, edits) => {
          const v4 = addPathOf(c.ctx, 'ipv4-unicast');
          const bytes = encodeUpdate(
            updateMessage({ attributes: c.attributes, withdrawn: buildNlri(Afi.IPV4, Safi.UNICAST, c.withdrawn, v4), nlri: buildNlri(Afi.IPV4, Safi.UNICAST, c.nlri, v4) }, c.ctx),
            c.ctx,
          );
          for (const [at, value] of edits) bytes[19 + (at % (bytes.length - 19))] = value;
          let decoded;
          try {
            decoded = decodeUpdate(bytes, c.ctx);
          } catch (e) {
            assert.equal((e as Error).name, 'BgpError', String(e));
            return;
          }
          checkList(decoded.withdrawn);
          checkList(decoded.nlri);
          if (decoded.mpReach) checkList(decoded.mpReach.nlri);
          if (decoded.mpUnreach) checkList(decoded.mpUnreach.withdrawn);
          assert.equal(decoded.treatAsWithdraw, decoded.attributeErrors.some((e) => e.action === 'treat-as-withdraw'));
        },
      ),
      { numRuns: RUNS },
    );
  });
});
