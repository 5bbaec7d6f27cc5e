// NLRI runs (RFC 4271 §4.3, RFC 7911 §3): validation into zero-copy views, iteration, RIB keys, text forms.
import assert from 'node:assert/strict';
import {
  Afi,
  buildNlri,
  decodeNlri,
  formatPrefix,
  forEachPrefix,
  nlriIpv4Key,
  nlriIpv6Key,
  parsePrefix,
  prefixesOf,
  Safi,
} from '../src/wire/index.js';
import { expectBgpError, toHex } from './fixtures/wire-bytes.js';

const TWO_POW_32 = 2 ** 32;

describe('wire: NLRI', () => {
  describe('parsePrefix / formatPrefix', () => {
    for (const [text, canonical] of [
      ['10.0.0.0/24', '10.0.0.0/24'],
      ['0.0.0.0/0', '0.0.0.0/0'],
      ['10.1.2.3/32', '10.1.2.3/32'],
      ['10.1.2.3/16', '10.1.0.0/16'], // host bits cleared
      ['192.0.2.1', '192.0.2.1/32'],
      ['2001:db8::/32', '2001:db8::/32'],
      ['2001:DB8:0:0:1::/80', '2001:db8:0:0:1::/80'],
      ['::/0', '::/0'],
      ['fe80::1:2/64', 'fe80::/64'],
      ['::ffff:10.0.0.1/128', '::ffff:a00:1/128'],
      ['2001:db8:0:1:1:1:1:1/128', '2001:db8:0:1:1:1:1:1/128'],
    ]) {
      it(`${text} → ${canonical}`, () => assert.equal(formatPrefix(parsePrefix(text!)), canonical));
    }
    it('RFC 5952: the longest zero run is compressed, and the first of equal runs', () => {
      assert.equal(formatPrefix(parsePrefix('2001:0:0:1:0:0:0:1/128')), '2001:0:0:1::1/128');
      assert.equal(formatPrefix(parsePrefix('2001:db8:0:0:1:0:0:1/128')), '2001:db8::1:0:0:1/128');
      assert.equal(formatPrefix(parsePrefix('1:2:3:4:5:6:7:0/128')), '1:2:3:4:5:6:7:0/128'); // one zero word stays
      assert.equal(formatPrefix(parsePrefix('1:0:0:0:0:0:0:0/128')), '1::/128');
      assert.equal(formatPrefix(parsePrefix('0:0:0:0:0:0:0:1/128')), '::1/128');
      assert.equal(formatPrefix(parsePrefix('0:0:1:0:0:0:1:0/128')), '0:0:1::1:0/128');
    });
    for (const bad of ['10.0.0.0/33', '10.0.0/24', '2001:db8::/129', 'x/1', '10.0.0.0/-1', '10.0.0.0/2a', '1.2.3.4.5/32', '256.0.0.0/8', '01.0.0.0/8', '1..2.3/32', '/8', '1.2.3.4 /32']) {
      it(`rejects ${bad}`, () => assert.throws(() => parsePrefix(bad), { name: 'AddressParseError' }));
    }
  });

  describe('decodeNlri', () => {
    it('returns a zero-copy view with the count', () => {
      const message = Uint8Array.from([9, 9, 24, 10, 1, 2, 0, 32, 1, 2, 3, 4, 9]);
      const list = decodeNlri(message, 2, 12, Afi.IPV4, Safi.UNICAST, false);
      assert.equal(list.count, 3);
      assert.equal(list.bytes.buffer, message.buffer);
      assert.deepEqual(prefixesOf(list).map(formatPrefix), ['10.1.2.0/24', '0.0.0.0/0', '1.2.3.4/32']);
    });
    it('an empty run is valid', () => assert.equal(decodeNlri(new Uint8Array(4), 2, 2, Afi.IPV4, Safi.UNICAST, false).count, 0));
    it('IPv6 lengths up to 128 are fine, 129 is 3/10', () => {
      assert.equal(decodeNlri(Uint8Array.from([128, ...new Array<number>(16).fill(1)]), 0, 17, Afi.IPV6, Safi.UNICAST, false).count, 1);
      expectBgpError(() => decodeNlri(Uint8Array.from([129, ...new Array<number>(17).fill(1)]), 0, 18, Afi.IPV6, Safi.UNICAST, false), 3, 10, '');
    });
    it('an IPv4 length of 33 is 3/10', () => {
      expectBgpError(() => decodeNlri(Uint8Array.from([33, 1, 2, 3, 4, 5]), 0, 6, Afi.IPV4, Safi.UNICAST, false), 3, 10, '');
    });
    it('a prefix overrunning the field is 3/10', () => {
      expectBgpError(() => decodeNlri(Uint8Array.from([24, 10, 1, 2, 24, 10]), 0, 6, Afi.IPV4, Safi.UNICAST, false), 3, 10, '');
    });
    it('ADD-PATH: path identifier then prefix (RFC 7911 §3)', () => {
      const bytes = Uint8Array.from([0, 0, 0, 7, 16, 10, 1, 0xff, 0xff, 0xff, 0xff, 8, 11]);
      const list = decodeNlri(bytes, 0, bytes.length, Afi.IPV4, Safi.UNICAST, true);
      const seen: Array<[number, number, number]> = [];
      forEachPrefix(list, (pathId, length, b, offset) => seen.push([pathId, length, b[offset]!]));
      assert.deepEqual(seen, [
        [7, 16, 10],
        [0xffffffff, 8, 11],
      ]);
      assert.deepEqual(prefixesOf(list).map((p) => [p.pathId, formatPrefix(p)]), [
        [7, '10.1.0.0/16'],
        [0xffffffff, '11.0.0.0/8'],
      ]);
    });
    it('ADD-PATH: a run that ends inside the path identifier is 3/10', () => {
      expectBgpError(() => decodeNlri(Uint8Array.from([0, 0, 0, 7]), 0, 4, Afi.IPV4, Safi.UNICAST, true), 3, 10, '');
    });
  });

  describe('buildNlri', () => {
    it('writes minimal octets per prefix and round-trips', () => {
      const prefixes = ['10.0.0.0/8', '172.16.0.0/12', '192.168.1.128/25', '0.0.0.0/0', '1.2.3.4/32'].map((t) => parsePrefix(t));
      const list = buildNlri(Afi.IPV4, Safi.UNICAST, prefixes, false);
      assert.equal(toHex(list.bytes), '080a' + '0cac10' + '19c0a80180' + '00' + '2001020304');
      assert.deepEqual(prefixesOf(decodeNlri(list.bytes, 0, list.bytes.length, Afi.IPV4, Safi.UNICAST, false)).map(formatPrefix), prefixes.map(formatPrefix));
    });
    it('IPv6 with ADD-PATH round-trips', () => {
      const prefixes = [parsePrefix('2001:db8::/32', 1), parsePrefix('2001:db8:1:2::/64', 2), parsePrefix('::/0', 3)];
      const list = buildNlri(Afi.IPV6, Safi.UNICAST, prefixes, true);
      const back = prefixesOf(decodeNlri(list.bytes, 0, list.bytes.length, Afi.IPV6, Safi.UNICAST, true));
      assert.deepEqual(back, prefixes);
    });
    it('refuses a prefix of another family', () => {
      assert.throws(() => buildNlri(Afi.IPV4, Safi.UNICAST, [parsePrefix('2001:db8::/32')], false), { name: 'AddressParseError' });
    });
  });

  describe('RIB keys', () => {
    it('IPv4: length * 2^32 + address, host bits cleared', () => {
      const bytes = Uint8Array.from([10, 1, 2, 0xff]);
      assert.equal(nlriIpv4Key(bytes, 0, 24), 24 * TWO_POW_32 + 0x0a010200);
      assert.equal(nlriIpv4Key(bytes, 0, 32), 32 * TWO_POW_32 + 0x0a0102ff);
      assert.equal(nlriIpv4Key(bytes, 0, 23), 23 * TWO_POW_32 + 0x0a010200);
      assert.equal(nlriIpv4Key(Uint8Array.from([0xff]), 0, 1), 1 * TWO_POW_32 + 0x80000000);
      assert.equal(nlriIpv4Key(bytes, 0, 0), 0);
    });
    it('IPv4: equal keys for equal prefixes whatever trailing bits the peer sent', () => {
      assert.equal(nlriIpv4Key(Uint8Array.from([10, 1, 7]), 0, 20), nlriIpv4Key(Uint8Array.from([10, 1, 0]), 0, 20));
      assert.notEqual(nlriIpv4Key(Uint8Array.from([10, 1, 16]), 0, 20), nlriIpv4Key(Uint8Array.from([10, 1, 0]), 0, 20));
    });
    it('IPv6: the length, then eight 16-bit words, host bits cleared', () => {
      const p = parsePrefix('2001:db8:ffff::/33');
      const key = nlriIpv6Key(Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0xff]), 0, 33);
      assert.equal(key.length, 9);
      assert.deepEqual([...key].map((c) => c.charCodeAt(0)), [33, 0x2001, 0x0db8, 0x8000, 0, 0, 0, 0, 0]);
      assert.equal(nlriIpv6Key(p.address, 0, 33), key);
      assert.equal(nlriIpv6Key(Uint8Array.from(new Array<number>(16).fill(0xff)), 0, 128), String.fromCharCode(128, ...new Array<number>(8).fill(0xffff)));
    });
    it('keys from a decoded list match keys from parsed prefixes', () => {
      const prefixes = ['10.0.0.0/8', '10.0.0.0/9', '203.0.113.0/24'].map((t) => parsePrefix(t));
      const list = buildNlri(Afi.IPV4, Safi.UNICAST, prefixes, false);
      const keys: number[] = [];
      forEachPrefix(list, (_id, length, bytes, offset) => keys.push(nlriIpv4Key(bytes, offset, length)));
      assert.deepEqual(keys, prefixes.map((p) => nlriIpv4Key(p.address, 0, p.length)));
      assert.equal(new Set(keys).size, 3);
    });
  });
});
