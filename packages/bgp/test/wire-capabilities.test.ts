import assert from 'node:assert/strict';
import {
  advertisedFamilies,
  decodeCapabilities,
  encodeCapabilities,
  encodeCapability,
  EncodeError,
  findCapabilities,
  findCapability,
  hasCapability,
  familyOfAfiSafi,
  afiSafiOfFamily,
  type Capability,
} from '../src/wire/index.js';
import { expectBgpError, hex, toHex } from './fixtures/wire-bytes.js';

function decodeAll(valueHex: string): Capability[] {
  const bytes = hex(valueHex);
  const out: Capability[] = [];
  decodeCapabilities(bytes, 0, bytes.length, out);
  return out;
}

// Each capability with its exact wire form (code, length, value) as the RFC cited lays it out.
const CASES: Array<{ name: string; cap: Capability; wire: string }> = [
  { name: 'multiprotocol IPv4 unicast (RFC 4760 §8)', cap: { kind: 'multiprotocol', afi: 1, safi: 1 }, wire: '01 04 0001 00 01' },
  { name: 'multiprotocol IPv6 unicast', cap: { kind: 'multiprotocol', afi: 2, safi: 1 }, wire: '01 04 0002 00 01' },
  { name: 'route refresh (RFC 2918 §2)', cap: { kind: 'route-refresh' }, wire: '02 00' },
  {
    name: 'extended next hop (RFC 8950 §3)',
    cap: { kind: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }, { afi: 1, safi: 128, nextHopAfi: 2 }] },
    wire: '05 0c 0001 0001 0002 0001 0080 0002',
  },
  { name: 'extended message (RFC 8654 §3)', cap: { kind: 'extended-message' }, wire: '06 00' },
  {
    name: 'graceful restart with R and N bits and two families (RFC 4724 §3, RFC 8538 §2)',
    cap: {
      kind: 'graceful-restart',
      restartState: true,
      notification: true,
      restartTime: 120,
      families: [
        { afi: 1, safi: 1, forwardingState: true },
        { afi: 2, safi: 1, forwardingState: false },
      ],
    },
    wire: '40 0a c078 0001 01 80 0002 01 00',
  },
  {
    name: 'graceful restart, no flags, no families, max restart time',
    cap: { kind: 'graceful-restart', restartState: false, notification: false, restartTime: 4095, families: [] },
    wire: '40 02 0fff',
  },
  { name: '4-octet AS (RFC 6793 §3)', cap: { kind: 'four-octet-as', asn: 4200000001 }, wire: '41 04 fa56ea01' },
  {
    name: 'ADD-PATH (RFC 7911 §4)',
    cap: { kind: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 3 }, { afi: 2, safi: 1, sendReceive: 1 }] },
    wire: '45 08 0001 01 03 0002 01 01',
  },
  { name: 'enhanced route refresh (RFC 7313 §3)', cap: { kind: 'enhanced-route-refresh' }, wire: '46 00' },
  {
    name: 'long-lived graceful restart (RFC 9494 §3)',
    cap: {
      kind: 'long-lived-graceful-restart',
      families: [
        { afi: 1, safi: 1, forwardingState: true, staleTime: 86400 },
        { afi: 2, safi: 1, forwardingState: false, staleTime: 0xffffff },
      ],
    },
    wire: '47 0e 0001 01 80 015180 0002 01 00 ffffff',
  },
  { name: 'unknown capability kept raw', cap: { kind: 'unknown', code: 128, value: hex('') }, wire: '80 00' },
  { name: 'unknown capability with a value', cap: { kind: 'unknown', code: 73, value: hex('0a 6b 72 6f 75 74 65') }, wire: '49 07 0a6b726f757465' },
];

describe('wire: capabilities (RFC 5492)', () => {
  for (const c of CASES) {
    it(`encodes and decodes ${c.name}`, () => {
      assert.equal(toHex(encodeCapability(c.cap)), c.wire.replace(/\s+/g, ''));
      assert.deepEqual(decodeAll(c.wire), [c.cap]);
    });
  }

  it('decodes several capabilities in one parameter value, keeping their order', () => {
    const all = CASES.map((c) => c.cap);
    const wire = encodeCapabilities(all);
    assert.equal(toHex(wire), CASES.map((c) => c.wire.replace(/\s+/g, '')).join(''));
    const out: Capability[] = [];
    decodeCapabilities(wire, 0, wire.length, out);
    assert.deepEqual(out, all);
  });

  it('keeps an ADD-PATH capability with an undefined Send/Receive value raw (RFC 7911 §4)', () => {
    assert.deepEqual(decodeAll('45 04 0001 01 04'), [{ kind: 'unknown', code: 69, value: hex('0001 01 04') }]);
  });

  it('ignores the reserved octet of multiprotocol', () => {
    assert.deepEqual(decodeAll('01 04 0002 ff 01'), [{ kind: 'multiprotocol', afi: 2, safi: 1 }]);
  });

  describe('malformed capabilities are OPEN Message Error / Unspecific (2/0)', () => {
    const bad: Array<[string, string]> = [
      ['a truncated capability header', '01'],
      ['a value overrunning the parameter', '01 04 0001 00'],
      ['multiprotocol of 3 octets', '01 03 0001 01'],
      ['route refresh with a value', '02 01 00'],
      ['extended message with a value', '06 01 00'],
      ['enhanced route refresh with a value', '46 01 00'],
      ['4-octet AS of 2 octets', '41 02 fde8'],
      ['graceful restart of 1 octet', '40 01 00'],
      ['graceful restart with a partial family', '40 05 0078 0001 01'],
      ['ADD-PATH of 5 octets', '45 05 0001 01 03 00'],
      ['extended next hop of 4 octets', '05 04 0001 0001'],
      ['long-lived graceful restart of 6 octets', '47 06 0001 01 80 0151'],
    ];
    for (const [name, wire] of bad) {
      it(name, () => {
        expectBgpError(() => decodeAll(wire), 2, 0, '');
      });
    }
  });

  it('refuses to encode values that do not fit', () => {
    assert.throws(() => encodeCapability({ kind: 'four-octet-as', asn: 2 ** 32 }), EncodeError);
    assert.throws(() => encodeCapability({ kind: 'graceful-restart', restartState: false, notification: false, restartTime: 4096, families: [] }), EncodeError);
    assert.throws(() => encodeCapability({ kind: 'unknown', code: 1, value: new Uint8Array(256) }), EncodeError);
    assert.throws(() => encodeCapability({ kind: 'multiprotocol', afi: 1, safi: 256 }), EncodeError);
  });

  describe('lookups', () => {
    const caps: Capability[] = [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'four-octet-as', asn: 65536 },
      { kind: 'multiprotocol', afi: 2, safi: 1 },
    ];
    it('finds the first, all, and tests presence', () => {
      assert.deepEqual(findCapability(caps, 'four-octet-as'), { kind: 'four-octet-as', asn: 65536 });
      assert.equal(findCapability(caps, 'route-refresh'), undefined);
      assert.deepEqual(findCapabilities(caps, 'multiprotocol').map((c) => c.afi), [1, 2]);
      assert.equal(hasCapability(caps, 'four-octet-as'), true);
      assert.equal(hasCapability(caps, 'extended-message'), false);
    });
    it('lists advertised families, IPv4 unicast when there is no multiprotocol capability (RFC 4760 §8)', () => {
      assert.deepEqual(advertisedFamilies(caps), [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }]);
      assert.deepEqual(advertisedFamilies([]), [{ afi: 1, safi: 1 }]);
    });
    it('maps AFI/SAFI to family names and back', () => {
      assert.equal(familyOfAfiSafi(1, 1), 'ipv4-unicast');
      assert.equal(familyOfAfiSafi(2, 1), 'ipv6-unicast');
      assert.equal(familyOfAfiSafi(1, 128), undefined);
      assert.equal(familyOfAfiSafi(25, 70), undefined);
      assert.deepEqual(afiSafiOfFamily('ipv6-unicast'), { afi: 2, safi: 1 });
    });
  });
});
