// UPDATE messages (RFC 4271 §4.3, RFC 4760, RFC 2545, RFC 7911, RFC 4724 §2): round trips for IPv4 and IPv6,
// ADD-PATH, End-of-RIB per family, and packing many prefixes into as few messages as fit.
import assert from 'node:assert/strict';
import {
  Afi,
  AsPathSegmentType,
  buildNlri,
  decodeUpdate,
  encodeUpdate,
  encodeUpdates,
  encodeWithdrawals,
  endOfRib,
  endOfRibFamily,
  formatPrefix,
  nlriIpv4Key,
  nlriIpv6Key,
  parsePrefix,
  prefixesOf,
  Safi,
  updateMessage,
  type CodecContext,
  type PathAttributes,
  type Prefix,
  type UpdateMessage,
} from '../src/wire/index.js';
import { hex, toHex } from './fixtures/wire-bytes.js';
import { CTX2, CTX4, decode, texts } from './wire-update-helpers.js';

const ATTRS: PathAttributes = {
  origin: 0,
  asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [65001, 65002] }],
  nextHop: '192.0.2.1',
  communities: [0xfde90064],
};
const V6_ATTRS: PathAttributes = { origin: 0, asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [65001] }] };
const ADD_PATH_BOTH: CodecContext = { ...CTX4, addPath: new Set(['ipv4-unicast', 'ipv6-unicast']) };
const EXTENDED: CodecContext = { ...CTX4, extendedMessage: true };

function v4(...texts: string[]): Prefix[] {
  return texts.map((t) => parsePrefix(t));
}

/** Every prefix announced by a list of UPDATEs, as text, in order. */
function announced(messages: Uint8Array[], ctx: CodecContext): string[] {
  const out: string[] = [];
  for (const m of messages) {
    const u = decodeUpdate(m, ctx);
    out.push(...prefixesOf(u.nlri).map(formatPrefix), ...(u.mpReach ? prefixesOf(u.mpReach.nlri).map(formatPrefix) : []));
  }
  return out;
}

describe('wire: UPDATE', () => {
  describe('IPv4 unicast', () => {
    it('encodes the exact RFC 4271 §4.3 layout', () => {
      const update = updateMessage({
        withdrawn: buildNlri(Afi.IPV4, Safi.UNICAST, v4('172.16.0.0/12'), false),
        attributes: { origin: 0, asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [65001] }], nextHop: '192.0.2.1' },
        nlri: buildNlri(Afi.IPV4, Safi.UNICAST, v4('10.0.0.0/8'), false),
      });
      const bytes = encodeUpdate(update, CTX2);
      assert.equal(
        toHex(bytes),
        'ff'.repeat(16) + '002e' + '02' + '0003' + '0cac10' + '0012' + '40010100' + '4002040201fde9' + '400304c0000201' + '080a',
      );
      assert.equal(bytes.length, 0x2e);
    });
    it('round-trips withdrawals, attributes and NLRI, both AS widths', () => {
      for (const ctx of [CTX2, CTX4]) {
        const update = updateMessage({
          withdrawn: buildNlri(Afi.IPV4, Safi.UNICAST, v4('10.9.0.0/16', '10.10.10.0/24'), false),
          attributes: ATTRS,
          nlri: buildNlri(Afi.IPV4, Safi.UNICAST, v4('0.0.0.0/0', '1.2.3.4/32', '100.64.0.0/10'), false),
        });
        const decoded = decodeUpdate(encodeUpdate(update, ctx), ctx);
        assert.deepEqual(decoded.attributes, ATTRS);
        assert.deepEqual(texts(decoded.withdrawn), ['10.9.0.0/16', '10.10.10.0/24']);
        assert.deepEqual(texts(decoded.nlri), ['0.0.0.0/0', '1.2.3.4/32', '100.64.0.0/10']);
        assert.equal(decoded.treatAsWithdraw, false);
        assert.deepEqual(decoded.attributeErrors, []);
      }
    });
    it('decoded NLRI lists are views into the received message (no copy)', () => {
      const bytes = encodeUpdate(updateMessage({ attributes: ATTRS, nlri: buildNlri(Afi.IPV4, Safi.UNICAST, v4('10.0.0.0/8'), false) }), CTX4);
      assert.equal(decodeUpdate(bytes, CTX4).nlri.bytes.buffer, bytes.buffer);
    });
    it('ADD-PATH path identifiers in withdrawals and NLRI (RFC 7911 §3)', () => {
      const ctx: CodecContext = { ...CTX4, addPath: new Set(['ipv4-unicast']) };
      const nlri = buildNlri(Afi.IPV4, Safi.UNICAST, [parsePrefix('10.0.0.0/8', 1), parsePrefix('10.0.0.0/8', 2)], true);
      const withdrawn = buildNlri(Afi.IPV4, Safi.UNICAST, [parsePrefix('11.0.0.0/8', 9)], true);
      const decoded = decodeUpdate(encodeUpdate(updateMessage({ withdrawn, attributes: ATTRS, nlri }, ctx), ctx), ctx);
      assert.deepEqual(prefixesOf(decoded.nlri).map((p) => [p.pathId, formatPrefix(p)]), [
        [1, '10.0.0.0/8'],
        [2, '10.0.0.0/8'],
      ]);
      assert.deepEqual(prefixesOf(decoded.withdrawn).map((p) => p.pathId), [9]);
    });
    it('refuses NLRI built without path identifiers on an ADD-PATH context', () => {
      const ctx: CodecContext = { ...CTX4, addPath: new Set(['ipv4-unicast']) };
      const nlri = buildNlri(Afi.IPV4, Safi.UNICAST, v4('10.0.0.0/8'), false);
      assert.throws(() => encodeUpdate(updateMessage({ attributes: ATTRS, nlri }), ctx), { name: 'EncodeError' });
    });
    it('refuses a message over 4096 octets unless extended messages are negotiated (RFC 8654)', () => {
      const many = Array.from({ length: 1100 }, (_, i) => parsePrefix(`10.${i >> 8}.${i & 0xff}.0/24`));
      const update = updateMessage({ attributes: ATTRS, nlri: buildNlri(Afi.IPV4, Safi.UNICAST, many, false) });
      assert.throws(() => encodeUpdate(update, CTX4), { name: 'EncodeError' });
      const bytes = encodeUpdate(update, EXTENDED);
      assert.ok(bytes.length > 4096);
      assert.equal(decodeUpdate(bytes, EXTENDED).nlri.count, 1100);
    });
  });

  describe('IPv6 unicast (RFC 4760, RFC 2545)', () => {
    const nlri = buildNlri(Afi.IPV6, Safi.UNICAST, [parsePrefix('2001:db8::/32'), parsePrefix('2001:db8:1:2::/64')], false);
    it('MP_REACH_NLRI with a global next hop: exact bytes, placed first (RFC 7606 §5.1)', () => {
      const update = updateMessage({ attributes: { origin: 0 }, mpReach: { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: '2001:db8::1', nlri } });
      const bytes = encodeUpdate(update, CTX4);
      const attrs = toHex(bytes.subarray(23));
      assert.equal(attrs.slice(0, 6), '800e23');
      assert.equal(attrs.slice(6, 6 + 2 * 0x23), '0002' + '01' + '10' + '20010db8000000000000000000000001' + '00' + '2020010db8' + '4020010db800010002');
      assert.equal(attrs.slice(6 + 2 * 0x23), '40010100');
    });
    it('round-trips a global + link-local next hop (32 octets)', () => {
      const mpReach = { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: '2001:db8::1', linkLocalNextHop: 'fe80::1:2', nlri };
      const decoded = decodeUpdate(encodeUpdate(updateMessage({ attributes: V6_ATTRS, mpReach }), CTX4), CTX4);
      assert.equal(decoded.mpReach?.nextHop, '2001:db8::1');
      assert.equal(decoded.mpReach?.linkLocalNextHop, 'fe80::1:2');
      assert.deepEqual(texts(decoded.mpReach?.nlri), ['2001:db8::/32', '2001:db8:1:2::/64']);
      assert.deepEqual(decoded.attributes, V6_ATTRS);
    });
    it('round-trips a global-only next hop without a link-local field', () => {
      const decoded = decodeUpdate(encodeUpdate(updateMessage({ attributes: V6_ATTRS, mpReach: { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: '2001:db8::1', nlri } }), CTX4), CTX4);
      assert.equal(decoded.mpReach?.linkLocalNextHop, undefined);
      assert.equal('linkLocalNextHop' in decoded.mpReach!, false);
    });
    it('MP_UNREACH_NLRI round-trips, with ADD-PATH', () => {
      const withdrawn = buildNlri(Afi.IPV6, Safi.UNICAST, [parsePrefix('2001:db8::/48', 5)], true);
      const decoded = decodeUpdate(encodeUpdate(updateMessage({ mpUnreach: { afi: Afi.IPV6, safi: Safi.UNICAST, withdrawn } }), ADD_PATH_BOTH), ADD_PATH_BOTH);
      assert.deepEqual(prefixesOf(decoded.mpUnreach!.withdrawn).map((p) => [p.pathId, formatPrefix(p)]), [[5, '2001:db8::/48']]);
    });
    it('IPv4 prefixes with an IPv6 next hop in MP_REACH_NLRI (RFC 8950)', () => {
      const v4nlri = buildNlri(Afi.IPV4, Safi.UNICAST, v4('10.0.0.0/8'), false);
      const decoded = decodeUpdate(encodeUpdate(updateMessage({ attributes: V6_ATTRS, mpReach: { afi: Afi.IPV4, safi: Safi.UNICAST, nextHop: '2001:db8::1', nlri: v4nlri } }), CTX4), CTX4);
      assert.equal(decoded.mpReach?.nextHop, '2001:db8::1');
      assert.deepEqual(texts(decoded.mpReach?.nlri), ['10.0.0.0/8']);
    });
  });

  describe('End-of-RIB (RFC 4724 §2)', () => {
    it('IPv4 unicast: the minimum-length UPDATE', () => {
      const bytes = endOfRib('ipv4-unicast', CTX4);
      assert.equal(toHex(bytes), 'ff'.repeat(16) + '0017' + '02' + '0000' + '0000');
      assert.equal(endOfRibFamily(decodeUpdate(bytes, CTX4)), 'ipv4-unicast');
    });
    it('IPv6 unicast: only an empty MP_UNREACH_NLRI', () => {
      const bytes = endOfRib('ipv6-unicast', CTX4);
      assert.equal(toHex(bytes), 'ff'.repeat(16) + '001d' + '02' + '0000' + '0006' + '800f03000201');
      assert.equal(endOfRibFamily(decodeUpdate(bytes, CTX4)), 'ipv6-unicast');
    });
    it('IPv6 unicast End-of-RIB is the same with ADD-PATH on', () => {
      assert.equal(endOfRibFamily(decodeUpdate(endOfRib('ipv6-unicast', ADD_PATH_BOTH), ADD_PATH_BOTH)), 'ipv6-unicast');
    });
    const notEor: Array<[string, () => UpdateMessage]> = [
      ['a withdrawal', () => decode({ withdrawn: [8, 10] })],
      ['an announcement', () => decode({ attributes: [hex('40010100'), hex('400200'), hex('400304c0000201')], nlri: [8, 10] })],
      ['attributes without NLRI', () => decode({ attributes: [hex('40010100')] })],
      ['an attribute dropped as malformed', () => decode({ attributes: [hex('40060101')] })],
      ['an MP_UNREACH_NLRI that withdraws', () => decode({ attributes: [hex('800f0600020110ffff')] }, CTX4)],
      ['an MP_UNREACH_NLRI with other attributes', () => decode({ attributes: [hex('800f03000201'), hex('40010100')] }, CTX4)],
      ['an MP_REACH_NLRI', () => decode({ attributes: [hex('800e1500020110' + '20010db8000000000000000000000001' + '00')] }, CTX4)],
    ];
    for (const [what, make] of notEor) it(`is not ${what}`, () => assert.equal(endOfRibFamily(make()), undefined));
  });

  describe('packing (encodeUpdates, encodeWithdrawals)', () => {
    const many = Array.from({ length: 3000 }, (_, i) => parsePrefix(`${10 + (i >> 16)}.${(i >> 8) & 0xff}.${i & 0xff}.0/24`));
    const texts3000 = many.map(formatPrefix);
    it('IPv4: every prefix once, in order, each message full up to 4096 octets', () => {
      const messages = encodeUpdates(ATTRS, many, CTX4, 'ipv4-unicast');
      assert.deepEqual(announced(messages, CTX4), texts3000);
      const attrLength = 4 + 14 + 7 + 7 + 4; // ORIGIN, AS_PATH (4-octet), NEXT_HOP, COMMUNITIES
      const perMessage = Math.floor((4096 - 23 - attrLength) / 4);
      assert.equal(messages.length, Math.ceil(3000 / perMessage));
      for (const m of messages.slice(0, -1)) assert.ok(m.length <= 4096 && m.length > 4096 - 4, `message of ${m.length}`);
      for (const m of messages) assert.deepEqual(decodeUpdate(m, CTX4).attributes, ATTRS);
    });
    it('IPv4: RIB keys pack to the same bytes as Prefix values', () => {
      const keys = many.map((p) => nlriIpv4Key(p.address, 0, p.length));
      const a = encodeUpdates(ATTRS, many, CTX4, 'ipv4-unicast').map(toHex);
      const b = encodeUpdates(ATTRS, keys, CTX4, 'ipv4-unicast').map(toHex);
      assert.deepEqual(b, a);
    });
    it('uses extended messages when negotiated: fewer, larger UPDATEs', () => {
      const messages = encodeUpdates(ATTRS, many, EXTENDED, 'ipv4-unicast');
      assert.equal(messages.length, 1);
      assert.deepEqual(announced(messages, EXTENDED), texts3000);
    });
    it('IPv6: MP_REACH_NLRI per message, with Extended Length, all prefixes once', () => {
      const v6 = Array.from({ length: 1000 }, (_, i) => parsePrefix(`2001:db8:${i.toString(16)}::/48`));
      const messages = encodeUpdates(V6_ATTRS, v6, CTX4, 'ipv6-unicast', { nextHop: '2001:db8::1', linkLocalNextHop: 'fe80::1' });
      assert.ok(messages.length > 1);
      for (const m of messages) {
        assert.ok(m.length <= 4096);
        const u = decodeUpdate(m, CTX4);
        assert.equal(u.mpReach?.linkLocalNextHop, 'fe80::1');
        assert.deepEqual(u.attributes, V6_ATTRS);
        assert.equal(m[23], 0x90); // MP_REACH first, Extended Length set
      }
      assert.deepEqual(announced(messages, CTX4), v6.map(formatPrefix));
      const keys = v6.map((p) => nlriIpv6Key(p.address, 0, p.length));
      assert.deepEqual(encodeUpdates(V6_ATTRS, keys, CTX4, 'ipv6-unicast', { nextHop: '2001:db8::1', linkLocalNextHop: 'fe80::1' }).map(toHex), messages.map(toHex));
    });
    it('ADD-PATH: path identifiers from options', () => {
      const prefixes = v4('10.0.0.0/8', '10.0.0.0/8');
      const [m] = encodeUpdates(ATTRS, prefixes, ADD_PATH_BOTH, 'ipv4-unicast', { pathIds: [7, 8] });
      assert.deepEqual(prefixesOf(decodeUpdate(m!, ADD_PATH_BOTH).nlri).map((p) => p.pathId), [7, 8]);
    });
    it('IPv6 without a next hop is refused', () => {
      assert.throws(() => encodeUpdates(V6_ATTRS, [parsePrefix('2001:db8::/32')], CTX4, 'ipv6-unicast'), { name: 'EncodeError' });
    });
    it('a prefix of the wrong family is refused', () => {
      assert.throws(() => encodeUpdates(ATTRS, [parsePrefix('2001:db8::/32')], CTX4, 'ipv4-unicast'), { name: 'EncodeError' });
    });
    it('no prefixes, no messages', () => assert.deepEqual(encodeUpdates(ATTRS, [], CTX4, 'ipv4-unicast'), []));
    it('withdrawals: IPv4 in the Withdrawn Routes field, IPv6 in MP_UNREACH_NLRI', () => {
      const w4 = encodeWithdrawals(many, CTX4, 'ipv4-unicast');
      const back4: string[] = [];
      for (const m of w4) {
        assert.ok(m.length <= 4096);
        back4.push(...texts(decodeUpdate(m, CTX4).withdrawn));
      }
      assert.deepEqual(back4, texts3000);
      const v6 = Array.from({ length: 600 }, (_, i) => parsePrefix(`2001:db8:${i.toString(16)}::/64`));
      const w6 = encodeWithdrawals(v6, CTX4, 'ipv6-unicast');
      const back6: string[] = [];
      for (const m of w6) back6.push(...texts(decodeUpdate(m, CTX4).mpUnreach?.withdrawn));
      assert.deepEqual(back6, v6.map(formatPrefix));
    });
  });
});
