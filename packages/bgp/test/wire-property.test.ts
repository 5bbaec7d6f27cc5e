// Property-based tests of the whole codec: encode→decode is the identity on generated valid messages of every
// type, and decoding arbitrary or mutated bytes either succeeds or throws BgpError — never anything else.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BgpError,
  buildNlri,
  decodeMessage,
  encodeMessage,
  formatIpv4At,
  formatIpv6At,
  parseShutdownCommunication,
  prefixesOf,
  shutdownNotification,
  type BgpMessage,
  type Capability,
  type CodecContext,
  type Family,
  type NotificationMessage,
  type OpenMessage,
  type PathAttributes,
  type Prefix,
  type UpdateMessage,
} from '../src/wire/index.js';
import { toHex } from './fixtures/wire-bytes.js';

/** fc.record without null-prototype objects, so results compare deep-equal with decoded messages. */
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T>;
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, opts: { requiredKeys: Array<keyof T> }): fc.Arbitrary<Partial<T>>;
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, opts?: { requiredKeys: Array<keyof T> }): fc.Arbitrary<T | Partial<T>> {
  return opts ? fc.record(model, { ...opts, noNullPrototype: true }) : fc.record(model, { noNullPrototype: true });
}

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const afi = fc.oneof(fc.constantFrom(1, 2), u16);
const safi = fc.oneof(fc.constantFrom(1, 2, 128), u8);

// ---------------------------------------------------------------------------------------------------------------
// Generators

const contextArb: fc.Arbitrary<CodecContext> = rec({
  fourOctetAs: fc.boolean(),
  extendedMessage: fc.boolean(),
  addPath: fc.subarray<Family>(['ipv4-unicast', 'ipv6-unicast']).map((f) => new Set(f)),
  enhancedRouteRefresh: fc.boolean(),
});

const capabilityArb: fc.Arbitrary<Capability> = fc.oneof(
  rec({ kind: fc.constant('multiprotocol' as const), afi, safi }),
  fc.constant({ kind: 'route-refresh' as const }),
  rec({
    kind: fc.constant('extended-next-hop' as const),
    entries: fc.array(rec({ afi, safi: u16, nextHopAfi: afi }), { maxLength: 5 }),
  }),
  fc.constant({ kind: 'extended-message' as const }),
  rec({
    kind: fc.constant('graceful-restart' as const),
    restartState: fc.boolean(),
    notification: fc.boolean(),
    restartTime: fc.integer({ min: 0, max: 4095 }),
    families: fc.array(rec({ afi, safi, forwardingState: fc.boolean() }), { maxLength: 5 }),
  }),
  rec({ kind: fc.constant('four-octet-as' as const), asn: u32 }),
  rec({
    kind: fc.constant('add-path' as const),
    families: fc.array(rec({ afi, safi, sendReceive: fc.constantFrom(1 as const, 2 as const, 3 as const) }), { maxLength: 5 }),
  }),
  fc.constant({ kind: 'enhanced-route-refresh' as const }),
  rec({
    kind: fc.constant('long-lived-graceful-restart' as const),
    families: fc.array(rec({ afi, safi, forwardingState: fc.boolean(), staleTime: fc.integer({ min: 0, max: 0xffffff }) }), { maxLength: 5 }),
  }),
  rec({
    kind: fc.constant('unknown' as const),
    // Codes no known kind uses, so decoding gives 'unknown' back.
    code: u8.filter((c) => ![1, 2, 5, 6, 64, 65, 69, 70, 71].includes(c)),
    value: fc.uint8Array({ maxLength: 40 }),
  }),
);

const openArb: fc.Arbitrary<OpenMessage> = rec({
  type: fc.constant('open' as const),
  version: fc.constant(4),
  myAs: u16,
  holdTime: u16,
  bgpIdentifier: u32,
  // Up to 60 capabilities: enough to need the RFC 9072 extended form in some cases, bounded by 4096 octets.
  capabilities: fc.array(capabilityArb, { maxLength: 60 }),
});

const notificationArb: fc.Arbitrary<NotificationMessage> = fc
  .record({ code: u8, subcode: u8, data: fc.uint8Array({ maxLength: 200 }) })
  .map(({ code, subcode, data }) => {
    const text = code === 6 && (subcode === 2 || subcode === 4) ? parseShutdownCommunication(data) : undefined;
    return text === undefined
      ? { type: 'notification' as const, code, subcode, data }
      : { type: 'notification' as const, code, subcode, data, shutdownCommunication: text };
  });

function prefixArb(family: Family, addPath: boolean): fc.Arbitrary<Prefix> {
  const octets = family === 'ipv4-unicast' ? 4 : 16;
  return rec({ address: fc.uint8Array({ minLength: octets, maxLength: octets }), length: fc.integer({ min: 0, max: octets * 8 }), pathId: u32 })
    .map(({ address, length, pathId }) => {
      for (let bit = length; bit < octets * 8; bit++) address[bit >> 3] = address[bit >> 3]! & ~(0x80 >> (bit & 7));
      const afiCode = family === 'ipv4-unicast' ? 1 : 2;
      return addPath ? { afi: afiCode, address, length, pathId } : { afi: afiCode, address, length };
    });
}

/** RFC 4271 §6.3: a NEXT_HOP must be a unicast host address (not 0/8, loopback, multicast or class E). */
const unicastIpv4Text = fc
  .tuple(fc.integer({ min: 1, max: 223 }).filter((a) => a !== 127), fc.uint8Array({ minLength: 3, maxLength: 3 }))
  .map(([first, rest]) => formatIpv4At(Uint8Array.of(first, ...rest), 0));
/** A global unicast IPv6 address (2000::/3) and a link-local one (fe80::/64), as next hops must be. */
const ipv6Text = fc
  .tuple(fc.integer({ min: 0x20, max: 0x3f }), fc.uint8Array({ minLength: 15, maxLength: 15 }))
  .map(([first, rest]) => formatIpv6At(Uint8Array.of(first, ...rest), 0));
const linkLocalText = fc
  .uint8Array({ minLength: 8, maxLength: 8 })
  .map((iid) => formatIpv6At(Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, ...iid), 0));

function attributesArb(ctx: CodecContext, withNextHop: boolean): fc.Arbitrary<PathAttributes> {
  // RFC 7607: AS 0 is never valid in a path.
  const asn = fc.integer({ min: 1, max: ctx.fourOctetAs ? 0xffffffff : 0xffff });
  return rec(
    {
      origin: fc.constantFrom(0 as const, 1 as const, 2 as const),
      asPath: fc.array(rec({ type: fc.constantFrom(1 as const, 2 as const), asns: fc.array(asn, { minLength: 1, maxLength: 10 }) }), { maxLength: 4 }),
      nextHop: withNextHop ? unicastIpv4Text : fc.constant(undefined),
      med: u32,
      localPref: u32,
      communities: fc.array(u32, { minLength: 1, maxLength: 10 }),
      largeCommunities: fc.array(rec({ globalAdmin: u32, localData1: u32, localData2: u32 }), { minLength: 1, maxLength: 4 }),
      originatorId: u32,
      clusterList: fc.array(u32, { minLength: 1, maxLength: 4 }),
    },
    { requiredKeys: ['origin', 'asPath', 'nextHop'] },
  ).map((a) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(a)) if (v !== undefined) out[k] = v;
    return out as PathAttributes;
  });
}

interface UpdateCase {
  ctx: CodecContext;
  update: UpdateMessage;
  nlri: Prefix[];
  withdrawn: Prefix[];
  mpNlri: Prefix[];
}

const updateArb: fc.Arbitrary<UpdateCase> = contextArb.chain((ctx) => {
  const v4AddPath = ctx.addPath.has('ipv4-unicast');
  const v6AddPath = ctx.addPath.has('ipv6-unicast');
  return rec({
      nlri: fc.array(prefixArb('ipv4-unicast', v4AddPath), { maxLength: 30 }),
      withdrawn: fc.array(prefixArb('ipv4-unicast', v4AddPath), { maxLength: 30 }),
      mpNlri: fc.array(prefixArb('ipv6-unicast', v6AddPath), { maxLength: 20 }),
      nextHop: ipv6Text,
      linkLocal: fc.option(linkLocalText, { nil: undefined }),
      withAttributes: fc.boolean(),
    })
    .chain((parts) =>
      attributesArb(ctx, parts.nlri.length > 0).map((attributes) => {
        const reach = parts.nlri.length > 0 || parts.mpNlri.length > 0;
        const update: Record<string, unknown> = {
          type: 'update',
          withdrawn: buildNlri(1, 1, parts.withdrawn, v4AddPath),
          attributes: reach || parts.withAttributes ? attributes : {},
          nlri: buildNlri(1, 1, parts.nlri, v4AddPath),
          treatAsWithdraw: false,
          attributeErrors: [],
        };
        if (parts.mpNlri.length > 0) {
          const mp: Record<string, unknown> = { afi: 2, safi: 1, nextHop: parts.nextHop, nlri: buildNlri(2, 1, parts.mpNlri, v6AddPath) };
          if (parts.linkLocal !== undefined) mp['linkLocalNextHop'] = parts.linkLocal;
          update['mpReach'] = mp;
        }
        return { ctx, update: update as unknown as UpdateMessage, nlri: parts.nlri, withdrawn: parts.withdrawn, mpNlri: parts.mpNlri };
      }),
    );
});

const simpleMessageArb: fc.Arbitrary<BgpMessage> = fc.oneof(
  openArb,
  notificationArb,
  fc.constant({ type: 'keepalive' as const }),
  rec({ type: fc.constant('route-refresh' as const), afi: u16, safi: u8, subtype: u8 }),
);

/** Valid encoded messages of every type, with the context they were encoded under. */
const encodedArb: fc.Arbitrary<{ bytes: Uint8Array; ctx: CodecContext }> = fc.oneof(
  fc.tuple(simpleMessageArb, contextArb).map(([m, ctx]) => ({ bytes: encodeMessage(m, ctx), ctx })),
  updateArb.map(({ update, ctx }) => ({ bytes: encodeMessage(update, ctx), ctx })),
);

// ---------------------------------------------------------------------------------------------------------------

function decodesOrBgpError(bytes: Uint8Array, ctx: CodecContext): void {
  try {
    decodeMessage(bytes, ctx);
  } catch (e) {
    if (!(e instanceof BgpError)) throw e;
    assert.ok(Number.isInteger(e.code) && e.code >= 1 && e.code <= 8, `code ${e.code}`);
    assert.ok(e.data instanceof Uint8Array);
  }
}

describe('wire: properties', () => {
  describe('encode→decode is the identity', () => {
    it('OPEN with any capabilities (classic and RFC 9072 forms)', () => {
      fc.assert(
        fc.property(openArb, contextArb, (open, ctx) => {
          assert.deepEqual(decodeMessage(encodeMessage(open, ctx), ctx), open);
        }),
        { numRuns: 500 },
      );
    });

    it('NOTIFICATION with any data', () => {
      fc.assert(
        fc.property(notificationArb, contextArb, (n, ctx) => {
          assert.deepEqual(decodeMessage(encodeMessage(n, ctx), ctx), n);
        }),
        { numRuns: 500 },
      );
    });

    it('NOTIFICATION with a shutdown communication', () => {
      fc.assert(
        fc.property(fc
          .array(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xd7ff }), fc.integer({ min: 0x10000, max: 0x10ffff })), { maxLength: 300 })
          .map((cps) => String.fromCodePoint(...cps)), fc.constantFrom(2 as const, 4 as const), (text, subcode) => {
          const m = decodeMessage(shutdownNotification(subcode, text), { fourOctetAs: true, extendedMessage: false, addPath: new Set() }) as NotificationMessage;
          const utf8 = Buffer.from(text);
          if (utf8.length === 0) assert.equal(m.shutdownCommunication, undefined);
          else {
            assert.ok(m.shutdownCommunication !== undefined && text.startsWith(m.shutdownCommunication));
            assert.ok(Buffer.byteLength(m.shutdownCommunication) <= 255);
            if (utf8.length <= 255) assert.equal(m.shutdownCommunication, text);
          }
        }),
        { numRuns: 100 },
      );
    });

    it('KEEPALIVE', () => {
      const ctx = { fourOctetAs: false, extendedMessage: false, addPath: new Set<Family>() };
      assert.deepEqual(decodeMessage(encodeMessage({ type: 'keepalive' }, ctx), ctx), { type: 'keepalive' });
    });

    it('ROUTE-REFRESH with enhanced route refresh negotiated', () => {
      fc.assert(
        fc.property(rec({ type: fc.constant('route-refresh' as const), afi: u16, safi: u8, subtype: u8 }), (rr) => {
          const ctx = { fourOctetAs: false, extendedMessage: false, addPath: new Set<Family>(), enhancedRouteRefresh: true };
          assert.deepEqual(decodeMessage(encodeMessage(rr, ctx), ctx), rr);
        }),
        { numRuns: 200 },
      );
    });

    it('UPDATE with IPv4 NLRI, withdrawals, MP_REACH IPv6, attributes, ADD-PATH and both AS sizes', () => {
      fc.assert(
        fc.property(updateArb, ({ ctx, update, nlri, withdrawn, mpNlri }) => {
          const bytes = encodeMessage(update, ctx);
          const decoded = decodeMessage(bytes, ctx) as UpdateMessage;
          assert.equal(decoded.type, 'update');
          assert.deepEqual(decoded.attributeErrors, []);
          assert.equal(decoded.treatAsWithdraw, false);
          assert.deepEqual(prefixesOf(decoded.nlri), nlri);
          assert.deepEqual(prefixesOf(decoded.withdrawn), withdrawn);
          assert.deepEqual(decoded.attributes, update.attributes);
          if (mpNlri.length > 0) {
            assert.ok(decoded.mpReach);
            assert.deepEqual(prefixesOf(decoded.mpReach.nlri), mpNlri);
            assert.equal(decoded.mpReach.nextHop, update.mpReach!.nextHop);
            assert.equal(decoded.mpReach.linkLocalNextHop, update.mpReach!.linkLocalNextHop);
          } else {
            assert.equal(decoded.mpReach, undefined);
          }
          assert.equal(toHex(encodeMessage(decoded, ctx)), toHex(bytes), 're-encoding gives the same octets');
        }),
        { numRuns: 400 },
      );
    });
  });

  describe('decoding bad input throws only BgpError', () => {
    it('random bytes', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), contextArb, (bytes, ctx) => decodesOrBgpError(bytes, ctx)), { numRuns: 3000 });
    });

    it('a valid header with a random type and random body', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 7 }), fc.uint8Array({ maxLength: 300 }), contextArb, (type, body, ctx) => {
          const bytes = new Uint8Array(19 + body.length);
          bytes.fill(0xff, 0, 16);
          bytes[16] = bytes.length >>> 8;
          bytes[17] = bytes.length & 0xff;
          bytes[18] = type;
          bytes.set(body, 19);
          decodesOrBgpError(bytes, ctx);
        }),
        { numRuns: 5000 },
      );
    });

    it('valid messages with octets changed, removed or added (length field fixed up or not)', () => {
      const mutation = rec({
        changes: fc.array(fc.tuple(fc.nat(), u8), { maxLength: 6 }),
        cut: fc.option(fc.nat(), { nil: undefined }),
        extra: fc.uint8Array({ maxLength: 8 }),
        fixLength: fc.boolean(),
        otherCtx: fc.option(contextArb, { nil: undefined }),
      });
      fc.assert(
        fc.property(encodedArb, mutation, ({ bytes, ctx }, m) => {
          let out = Uint8Array.from(bytes);
          // Mutate the body mostly: header damage is covered above and would hide body bugs behind 1/x errors.
          for (const [at, value] of m.changes) out[19 + (at % Math.max(1, out.length - 19))] = value;
          if (m.cut !== undefined) out = out.subarray(0, 19 + (m.cut % Math.max(1, out.length - 18)));
          if (m.extra.length > 0) out = Uint8Array.from([...out, ...m.extra]);
          if (m.fixLength && out.length >= 18) {
            out[16] = out.length >>> 8;
            out[17] = out.length & 0xff;
          }
          decodesOrBgpError(out, m.otherCtx ?? ctx);
        }),
        { numRuns: 4000 },
      );
    });
  });
});
