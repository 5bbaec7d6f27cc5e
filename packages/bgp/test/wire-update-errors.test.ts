// RFC 7606 error handling of UPDATE messages: every case the RFCs list, each with its exact outcome — the thrown
// BgpError (code, subcode, data) for a session reset, or the recorded action, subcode and affected prefixes.
import assert from 'node:assert/strict';
import type { CodecContext } from '../src/wire/index.js';
import { expectBgpError, toHex } from './fixtures/wire-bytes.js';
import {
  AS_PATH_2,
  AS_PATH_4,
  assertErrors,
  attr,
  attrWithLength,
  CTX2,
  CTX4,
  decode,
  NEXT_HOP,
  NLRI_TWO,
  ORIGIN_IGP,
  rawUpdate,
  texts,
} from './wire-update-helpers.js';
import { decodeUpdate } from '../src/wire/index.js';

const BASE = [ORIGIN_IGP, AS_PATH_2, NEXT_HOP];
const TAW = 'treat-as-withdraw';
const DISCARD = 'attribute-discard';
/** MP_REACH_NLRI for IPv6 unicast, next hop 2001:db8::1, NLRI 2001:db8::/32. */
const MP_REACH_V6 = attr(0x80, 14, [0, 2, 1, 16, 0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 32, 0x20, 1, 0x0d, 0xb8]);

/** Decodes BASE with `replace` swapped in for the attribute of the same type (or appended), plus NLRI_TWO. */
function withAttribute(extra: Uint8Array, ctx: CodecContext = CTX2, base = BASE) {
  const type = extra[1];
  const attrs = base.some((a) => a[1] === type) ? base.map((a) => (a[1] === type ? extra : a)) : [...base, extra];
  return decode({ attributes: attrs, nlri: NLRI_TWO }, ctx);
}

function assertTreatAsWithdraw(update: ReturnType<typeof decode>, type: number, subcode: number): void {
  assert.equal(update.treatAsWithdraw, true);
  assertErrors(update, [[type, TAW, subcode]]);
  // RFC 7606 §2: the affected prefixes are the message's NLRI.
  assert.deepEqual(texts(update.nlri), ['10.0.0.0/8', '192.168.1.0/24']);
}

function assertDiscarded(update: ReturnType<typeof decode>, type: number, subcode: number): void {
  assert.equal(update.treatAsWithdraw, false);
  assertErrors(update, [[type, DISCARD, subcode]]);
  assert.deepEqual(texts(update.nlri), ['10.0.0.0/8', '192.168.1.0/24']);
}

describe('wire: UPDATE error handling (RFC 4271 §6.3, RFC 7606)', () => {
  it('a well-formed UPDATE has no errors', () => {
    const u = decode({ attributes: BASE, nlri: NLRI_TWO });
    assert.equal(u.treatAsWithdraw, false);
    assert.deepEqual(u.attributeErrors, []);
  });

  describe('session reset (thrown BgpError)', () => {
    it('Withdrawn Routes Length overrunning the message: 3/1, no data (RFC 4271 §6.3)', () => {
      expectBgpError(() => decode({ withdrawn: [8, 10], withdrawnLength: 200 }), 3, 1, '');
    });
    it('Total Path Attribute Length overrunning the message: 3/1', () => {
      expectBgpError(() => decode({ attributes: BASE, attributesLength: 300 }), 3, 1, '');
    });
    it('NLRI prefix longer than 32: 3/10 (RFC 7606 §5.3)', () => {
      expectBgpError(() => decode({ attributes: BASE, nlri: [33, 10, 0, 0, 0, 0] }), 3, 10, '');
    });
    it('NLRI whose last prefix overruns the message: 3/10 (RFC 7606 §5.3)', () => {
      expectBgpError(() => decode({ attributes: BASE, nlri: [8, 10, 24, 192, 168] }), 3, 10, '');
    });
    it('Withdrawn Routes whose last prefix overruns the field: 3/10', () => {
      expectBgpError(() => decode({ withdrawn: [8, 10, 24, 1] }), 3, 10, '');
    });
    it('ADD-PATH NLRI truncated inside the path identifier: 3/10', () => {
      const ctx: CodecContext = { ...CTX2, addPath: new Set(['ipv4-unicast']) };
      expectBgpError(() => decode({ attributes: BASE, nlri: [0, 0, 0, 1, 8, 10, 0, 0] }, ctx), 3, 10, '');
    });
    it('an unrecognised well-known attribute: 3/2 with the attribute as data (RFC 4271 §6.3)', () => {
      const unknown = attr(0x40, 99, [1, 2, 3]);
      expectBgpError(() => withAttribute(unknown), 3, 2, toHex(unknown));
    });
    it('MP_REACH_NLRI twice: 3/1 (RFC 7606 §3 g)', () => {
      expectBgpError(() => decode({ attributes: [MP_REACH_V6, ORIGIN_IGP, AS_PATH_2, MP_REACH_V6] }), 3, 1, '');
    });
    it('MP_UNREACH_NLRI twice: 3/1', () => {
      const unreach = attr(0x80, 15, [0, 2, 1]);
      expectBgpError(() => decode({ attributes: [unreach, unreach] }), 3, 1, '');
    });
    it('MP_REACH_NLRI with an IPv6 next hop of 8 octets: 3/9 with the attribute (RFC 7606 §7.11)', () => {
      const bad = attr(0x80, 14, [0, 2, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0]);
      expectBgpError(() => decode({ attributes: [bad, ORIGIN_IGP, AS_PATH_2] }), 3, 9, toHex(bad));
    });
    it('MP_REACH_NLRI whose next hop overruns the attribute: 3/9', () => {
      const bad = attr(0x80, 14, [0, 2, 1, 16, 0x20, 1]);
      expectBgpError(() => decode({ attributes: [bad] }), 3, 9, toHex(bad));
    });
    it('MP_REACH_NLRI shorter than its fixed fields: 3/9', () => {
      const bad = attr(0x80, 14, [0, 2, 1]);
      expectBgpError(() => decode({ attributes: [bad] }), 3, 9, toHex(bad));
    });
    it('MP_REACH_NLRI for an unsupported AFI/SAFI: 3/9', () => {
      const bad = attr(0x80, 14, [0, 25, 65, 4, 1, 2, 3, 4, 0]);
      expectBgpError(() => decode({ attributes: [bad] }), 3, 9, toHex(bad));
    });
    it('MP_REACH_NLRI with an IPv6 prefix longer than 128: 3/10 (RFC 7606 §5.3)', () => {
      const bad = attr(0x80, 14, [0, 2, 1, 16, ...new Array<number>(16).fill(0x20), 0, 129, ...new Array<number>(17).fill(0)]);
      expectBgpError(() => decode({ attributes: [bad, ORIGIN_IGP, AS_PATH_2] }), 3, 10, '');
    });
    it('MP_UNREACH_NLRI whose prefix overruns the attribute: 3/10', () => {
      const bad = attr(0x80, 15, [0, 2, 1, 64, 0x20, 1, 0x0d, 0xb8]);
      expectBgpError(() => decode({ attributes: [bad] }), 3, 10, '');
    });
    it('MP_REACH_NLRI with wrong flags (well-known): 3/4 with the attribute (§5.3: its NLRI cannot be trusted)', () => {
      const bad = Uint8Array.from(MP_REACH_V6);
      bad[0] = 0x40;
      expectBgpError(() => decode({ attributes: [bad, ORIGIN_IGP, AS_PATH_2] }), 3, 4, toHex(bad));
    });
    it('MP_REACH_NLRI overrunning the attribute section: 3/5 with what there is of it (RFC 7606 §4, §5.3)', () => {
      const bad = attrWithLength(0x80, 14, 40, [0, 2, 1, 16]);
      expectBgpError(() => decode({ attributes: [ORIGIN_IGP, bad] }), 3, 5, toHex(bad));
    });
    it('the strongest action wins: a session reset after softer errors still throws (RFC 7606 §3 h)', () => {
      const badOrigin = attr(0x40, 1, [7]); // treat-as-withdraw
      const badAtomic = attr(0x40, 6, [1]); // discard
      const unknownWellKnown = attr(0x40, 99, []);
      expectBgpError(() => decode({ attributes: [badOrigin, badAtomic, AS_PATH_2, NEXT_HOP, unknownWellKnown], nlri: NLRI_TWO }), 3, 2);
    });
  });

  describe('treat-as-withdraw', () => {
    it('ORIGIN with the Optional bit set: flags error 3/4 (RFC 7606 §3 c)', () => {
      assertTreatAsWithdraw(withAttribute(attr(0xc0, 1, [0])), 1, 4);
    });
    it('ORIGIN of length 2 (§7.1)', () => {
      assertTreatAsWithdraw(withAttribute(attr(0x40, 1, [0, 0])), 1, 5);
    });
    it('ORIGIN with an undefined value (§7.1, 3/6)', () => {
      const u = withAttribute(attr(0x40, 1, [3]));
      assertTreatAsWithdraw(u, 1, 6);
      assert.equal(u.attributes.origin, undefined);
    });
    const malformedPaths: Array<[string, number[]]> = [
      ['a segment overrunning the attribute', [2, 3, 0xfd, 0xe9]],
      ['an unknown segment type', [5, 1, 0xfd, 0xe9]],
      ['a zero-length segment', [2, 0]],
      ['a single trailing octet', [2, 1, 0xfd, 0xe9, 2]],
      ['AS 0 (RFC 7607 §2)', [2, 1, 0, 0]],
    ];
    for (const [what, value] of malformedPaths) {
      it(`AS_PATH with ${what}: 3/11 (§7.2)`, () => {
        assertTreatAsWithdraw(withAttribute(attr(0x40, 2, value)), 2, 11);
      });
    }
    it('AS_PATH of 2-octet ASNs read on a 4-octet session is malformed (odd length)', () => {
      assertTreatAsWithdraw(withAttribute(AS_PATH_2, CTX4), 2, 11);
    });
    it('NEXT_HOP of length 5 (§7.3)', () => {
      assertTreatAsWithdraw(withAttribute(attr(0x40, 3, [192, 0, 2, 1, 0])), 3, 5);
    });
    for (const address of [[0, 0, 0, 0], [224, 0, 0, 5], [255, 255, 255, 255]]) {
      it(`NEXT_HOP ${address.join('.')} is not a host address: 3/8 (§7.3)`, () => {
        assertTreatAsWithdraw(withAttribute(attr(0x40, 3, address)), 3, 8);
      });
    }
    it('MULTI_EXIT_DISC of length 3 (§7.4)', () => {
      assertTreatAsWithdraw(withAttribute(attr(0x80, 4, [0, 0, 1])), 4, 5);
    });
    it('MULTI_EXIT_DISC flagged transitive: flags error (§3 c)', () => {
      assertTreatAsWithdraw(withAttribute(attr(0xc0, 4, [0, 0, 0, 1])), 4, 4);
    });
    it('LOCAL_PREF of length 5 (§7.5)', () => {
      assertTreatAsWithdraw(withAttribute(attr(0x40, 5, [0, 0, 0, 100, 0])), 5, 5);
    });
    it('COMMUNITIES of length 6, not a multiple of 4 (§7.8)', () => {
      assertTreatAsWithdraw(withAttribute(attr(0xc0, 8, [0, 1, 0, 2, 0, 3])), 8, 5);
    });
    it('COMMUNITIES of length 0 (§7.8)', () => {
      assertTreatAsWithdraw(withAttribute(attr(0xc0, 8, [])), 8, 5);
    });
    it('ORIGINATOR_ID of length 3 (§7.9)', () => {
      assertTreatAsWithdraw(withAttribute(attr(0x80, 9, [1, 2, 3])), 9, 5);
    });
    it('CLUSTER_LIST of length 6 (§7.10)', () => {
      assertTreatAsWithdraw(withAttribute(attr(0x80, 10, [1, 2, 3, 4, 5, 6])), 10, 5);
    });
    it('EXTENDED_COMMUNITIES of length 12 (§7.14)', () => {
      assertTreatAsWithdraw(withAttribute(attr(0xc0, 16, new Array<number>(12).fill(1))), 16, 5);
    });
    it('LARGE_COMMUNITY of length 13 (RFC 8092 §6)', () => {
      assertTreatAsWithdraw(withAttribute(attr(0xc0, 32, new Array<number>(13).fill(1))), 32, 5);
    });
    for (const [name, type] of [['ORIGIN', 1], ['AS_PATH', 2], ['NEXT_HOP', 3]] as const) {
      it(`missing well-known ${name} with NLRI present: 3/3 (§3 d)`, () => {
        const u = decode({ attributes: BASE.filter((a) => a[1] !== type), nlri: NLRI_TWO });
        assertTreatAsWithdraw(u, type, 3);
      });
    }
    it('missing ORIGIN with only MP_REACH NLRI: the IPv6 prefixes are affected', () => {
      const u = decode({ attributes: [MP_REACH_V6, AS_PATH_2] });
      assert.equal(u.treatAsWithdraw, true);
      assertErrors(u, [[1, TAW, 3]]);
      assert.deepEqual(texts(u.mpReach?.nlri), ['2001:db8::/32']);
    });
    it('an attribute overrunning the attribute section (§4): the NLRI is still located by the total length', () => {
      const u = decode({ attributes: [ORIGIN_IGP, AS_PATH_2, NEXT_HOP, attrWithLength(0xc0, 8, 12, [0, 1, 0, 2])], nlri: NLRI_TWO });
      assertTreatAsWithdraw(u, 8, 5);
    });
    it('fewer octets left than an attribute header (§4)', () => {
      const u = decode({ attributes: [...BASE, [0x40, 1]], nlri: NLRI_TWO });
      assertTreatAsWithdraw(u, 0, 1);
    });
    it('an Extended Length attribute with only 3 octets left (§4)', () => {
      const u = decode({ attributes: [...BASE, [0x50, 8, 0]], nlri: NLRI_TWO });
      assertTreatAsWithdraw(u, 0, 1);
    });
    it('an UPDATE with a treat-as-withdraw error but no prefixes is still valid', () => {
      const u = decode({ attributes: [attr(0x40, 1, [9]), AS_PATH_2, NEXT_HOP] });
      assert.equal(u.treatAsWithdraw, true);
      assertErrors(u, [[1, TAW, 6]]);
      assert.equal(u.nlri.count, 0);
    });
    it('withdrawals in the same message stay withdrawals', () => {
      const u = decode({ withdrawn: [16, 172, 16], attributes: [attr(0x40, 1, [9]), AS_PATH_2, NEXT_HOP], nlri: NLRI_TWO });
      assert.equal(u.treatAsWithdraw, true);
      assert.deepEqual(texts(u.withdrawn), ['172.16.0.0/16']);
      assert.deepEqual(texts(u.nlri), ['10.0.0.0/8', '192.168.1.0/24']);
    });
    it('treat-as-withdraw and attribute discard together: both recorded, the message is treat-as-withdraw', () => {
      const u = decode({ attributes: [ORIGIN_IGP, attr(0x40, 2, [2, 0]), NEXT_HOP, attr(0x40, 6, [1])], nlri: NLRI_TWO });
      assert.equal(u.treatAsWithdraw, true);
      assertErrors(u, [
        [2, TAW, 11],
        [6, DISCARD, 5],
      ]);
    });
  });

  describe('attribute discard', () => {
    it('ATOMIC_AGGREGATE of length 1 (§7.6)', () => {
      const u = withAttribute(attr(0x40, 6, [1]));
      assertDiscarded(u, 6, 5);
      assert.equal(u.attributes.atomicAggregate, undefined);
    });
    it('AGGREGATOR of length 8 on a 2-octet session (§7.7)', () => {
      const u = withAttribute(attr(0xc0, 7, [0, 0, 0xfd, 0xe9, 10, 0, 0, 1]));
      assertDiscarded(u, 7, 5);
      assert.equal(u.attributes.aggregator, undefined);
    });
    it('AGGREGATOR of length 6 on a 4-octet session (§7.7)', () => {
      const u = withAttribute(attr(0xc0, 7, [0xfd, 0xe9, 10, 0, 0, 1]), CTX4, [ORIGIN_IGP, AS_PATH_4, NEXT_HOP]);
      assertDiscarded(u, 7, 5);
    });
    it('AGGREGATOR with AS 0 (RFC 7607 §2)', () => {
      assertDiscarded(withAttribute(attr(0xc0, 7, [0, 0, 10, 0, 0, 1])), 7, 9);
    });
    it('a second COMMUNITIES: the first is kept, the repeat discarded (§3 g)', () => {
      const u = decode({ attributes: [...BASE, attr(0xc0, 8, [0, 1, 0, 2]), attr(0xc0, 8, [0, 3, 0, 4])], nlri: NLRI_TWO });
      assertDiscarded(u, 8, 1);
      assert.deepEqual(u.attributes.communities, [0x00010002]);
    });
    it('a repeated unknown attribute is discarded too', () => {
      const u = decode({ attributes: [...BASE, attr(0xc0, 99, [1]), attr(0xc0, 99, [2])], nlri: NLRI_TWO });
      assertDiscarded(u, 99, 1);
      assert.deepEqual(u.attributes.unknown?.map((a) => [...a.value]), [[1]]);
    });
    it('AS4_PATH malformed on a 2-octet session (RFC 6793 §6)', () => {
      const u = withAttribute(attr(0xc0, 17, [2, 2, 0, 0, 1]));
      assertDiscarded(u, 17, 9);
      assert.equal(u.attributes.as4Path, undefined);
    });
    it('AS4_PATH with AS 0 (RFC 7607 §2)', () => {
      assertDiscarded(withAttribute(attr(0xc0, 17, [2, 1, 0, 0, 0, 0])), 17, 9);
    });
    it('AS4_PATH with wrong flags (RFC 6793 §6 overrides RFC 7606 §3 c)', () => {
      assertDiscarded(withAttribute(attr(0x40, 17, [2, 1, 0, 1, 0, 0])), 17, 4);
    });
    it('AS4_PATH between 4-octet speakers is discarded (RFC 6793 §6)', () => {
      const u = withAttribute(attr(0xc0, 17, [2, 1, 0, 1, 0, 0]), CTX4, [ORIGIN_IGP, AS_PATH_4, NEXT_HOP]);
      assertDiscarded(u, 17, 9);
      assert.equal(u.attributes.as4Path, undefined);
    });
    it('AS4_AGGREGATOR between 4-octet speakers is discarded (RFC 6793 §6)', () => {
      const u = withAttribute(attr(0xc0, 18, [0, 1, 0, 0, 10, 0, 0, 1]), CTX4, [ORIGIN_IGP, AS_PATH_4, NEXT_HOP]);
      assertDiscarded(u, 18, 9);
      assert.equal(u.attributes.as4Aggregator, undefined);
    });
    it('AS4_AGGREGATOR of length 6 (RFC 6793 §6)', () => {
      assertDiscarded(withAttribute(attr(0xc0, 18, [0, 1, 10, 0, 0, 1])), 18, 5);
    });
  });

  describe('not errors', () => {
    it('no mandatory attributes needed without reachable NLRI (a pure withdrawal)', () => {
      const u = decode({ withdrawn: [8, 10] });
      assert.deepEqual(u.attributeErrors, []);
      assert.deepEqual(texts(u.withdrawn), ['10.0.0.0/8']);
    });
    it('NEXT_HOP is not needed when the only NLRI is in MP_REACH_NLRI (RFC 4760 §3)', () => {
      const u = decode({ attributes: [MP_REACH_V6, ORIGIN_IGP, AS_PATH_2] });
      assert.deepEqual(u.attributeErrors, []);
      assert.equal(u.treatAsWithdraw, false);
    });
    it('the Partial bit on a well-known attribute is ignored (RFC 7606 §3 c compares only O and T)', () => {
      const u = withAttribute(attr(0x60, 1, [2]));
      assert.deepEqual(u.attributeErrors, []);
      assert.equal(u.attributes.origin, 2);
    });
    it('an unknown optional non-transitive attribute is dropped silently (RFC 4271 §5)', () => {
      const u = withAttribute(attr(0x80, 99, [1, 2]));
      assert.deepEqual(u.attributeErrors, []);
      assert.equal(u.attributes.unknown, undefined);
    });
    it('an unknown optional transitive attribute is kept with the Partial bit set (RFC 4271 §5)', () => {
      // Extended Length and the unused low-order bits (RFC 4271 §4.3) are not kept.
      const u = withAttribute(attr(0xd7, 99, [1, 2]));
      assert.deepEqual(u.attributeErrors, []);
      assert.deepEqual(u.attributes.unknown, [{ flags: 0xe0, typeCode: 99, value: Uint8Array.from([1, 2]) }]);
    });
    it('never throws anything but BgpError on every truncation of a valid UPDATE', () => {
      const full = rawUpdate({ attributes: [MP_REACH_V6, ...BASE, attr(0xc0, 8, [0, 1, 0, 2])], nlri: NLRI_TWO });
      for (let cut = 23; cut < full.length; cut++) {
        const bytes = Uint8Array.from(full.subarray(0, cut));
        bytes[16] = cut >> 8;
        bytes[17] = cut & 0xff;
        try {
          decodeUpdate(bytes, CTX2);
        } catch (e) {
          assert.equal((e as Error).name, 'BgpError', String(e));
        }
      }
    });
  });
});
