// The RIB between the codec's decoder and packer: UPDATEs in, UPDATEs out, with packing checked by size.
import assert from 'node:assert/strict';
import { AsPathSegmentType, HEADER_LENGTH, MAX_MESSAGE_LENGTH, Origin } from '../src/wire/constants.js';
import { decodeUpdate, encodeUpdates, encodeWithdrawals, endOfRib, endOfRibFamily } from '../src/wire/update.js';
import { DEFAULT_CODEC_CONTEXT, type CodecContext } from '../src/wire/types.js';
import { Rib, applyUpdate, encodeOutbound, ipv4Key, parsePrefix, type OutboundUpdate } from '../src/rib/index.js';

const CTX: CodecContext = { ...DEFAULT_CODEC_CONTEXT, fourOctetAs: true };
const GEN = '192.0.2.1';
const MON = '198.51.100.1';
const N = 10_000;
/** Octets of one IPv4 /24 in NLRI: length octet + 3 address octets. */
const SLASH24_OCTETS = 4;

function setup(): Rib {
  const rib = new Rib({ asn: 65000, routerId: '10.0.0.1' });
  rib.addPeer({ address: GEN, asn: 65001 });
  rib.addPeer({ address: MON, asn: 65002 });
  rib.peerUp(GEN, { routerId: 1, localAddress: '192.0.2.254', localAddressV6: '2001:db8::fe' });
  rib.peerUp(MON, { routerId: 2, localAddress: '198.51.100.254', localAddressV6: '2001:db8:1::fe' });
  rib.collect(MON, 'ipv4-unicast');
  rib.collect(MON, 'ipv6-unicast');
  return rib;
}

function decodeAll(msgs: Uint8Array[]) {
  return msgs.map((m) => decodeUpdate(m, CTX));
}

describe('rib ↔ wire: applyUpdate and encodeOutbound', () => {
  it('takes 10,000 prefixes in from packed UPDATEs and packs them out as tightly (every message but the last is full)', () => {
    const rib = setup();
    const keys = Array.from({ length: N }, (_, i) => ipv4Key(((0x0b000000 + i) << 8) >>> 0, 24));
    const attrs = { origin: Origin.IGP, asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [65001] }], nextHop: GEN };
    const inbound = encodeUpdates(attrs, keys, CTX, 'ipv4-unicast');
    let announced = 0;
    for (const msg of decodeAll(inbound)) announced += applyUpdate(rib, GEN, msg).announced;
    assert.equal(announced, N);
    assert.equal(rib.locRibSize('ipv4-unicast'), N);
    const out = encodeOutbound(rib.collect(MON, 'ipv4-unicast')!, CTX);
    let got = 0;
    out.forEach((m, i) => {
      assert.ok(m.length <= MAX_MESSAGE_LENGTH);
      if (i < out.length - 1) assert.ok(m.length + SLASH24_OCTETS > MAX_MESSAGE_LENGTH, `message ${i} (${m.length} octets) could hold one more prefix`);
      const u = decodeUpdate(m, CTX);
      got += u.nlri.count;
      assert.deepEqual(u.attributes.asPath, [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [65000, 65001] }]);
      assert.equal(u.attributes.nextHop, '198.51.100.254');
    });
    assert.equal(got, N);
    // Two 2-octet length fields (withdrawn, attributes) follow the header; the rest is attributes + NLRI.
    const attrOctets = out[0]!.length - HEADER_LENGTH - 4 - decodeUpdate(out[0]!, CTX).nlri.bytes.length;
    const perMessage = Math.floor((MAX_MESSAGE_LENGTH - HEADER_LENGTH - 4 - attrOctets) / SLASH24_OCTETS);
    assert.equal(out.length, Math.ceil(N / perMessage), 'as few messages as the size allows');
  });

  it('withdrawals are packed too, and End-of-RIB closes the initial table', () => {
    const rib = setup();
    const keys = Array.from({ length: 3000 }, (_, i) => ipv4Key(((0x0c000000 + i) << 8) >>> 0, 24));
    rib.receive(GEN, 'ipv4-unicast', keys, { origin: Origin.IGP, asPath: [], nextHop: GEN });
    rib.collect(MON, 'ipv4-unicast');
    for (const msg of decodeAll(encodeWithdrawals(keys, CTX, 'ipv4-unicast'))) applyUpdate(rib, GEN, msg);
    const out = encodeOutbound(rib.collect(MON, 'ipv4-unicast')!, CTX);
    const total = decodeAll(out).reduce((n, u) => n + u.withdrawn.count, 0);
    assert.equal(total, 3000);
    assert.equal(out.length, Math.ceil((3000 * SLASH24_OCTETS) / (MAX_MESSAGE_LENGTH - HEADER_LENGTH - 4)));
    const eorBatch: OutboundUpdate = { family: 'ipv6-unicast', withdrawn: [], announced: [], endOfRib: true };
    const eor = encodeOutbound(eorBatch, CTX);
    assert.equal(eor.length, 1);
    assert.equal(endOfRibFamily(decodeUpdate(eor[0]!, CTX)), 'ipv6-unicast');
  });

  it('IPv6: the MP_REACH next hop becomes the path next hop, and next hop self goes out in MP_REACH', () => {
    const rib = setup();
    const prefixes = [parsePrefix('2001:db8:100::/48') as string, parsePrefix('2001:db8:200::/48') as string];
    const msgs = encodeUpdates({ origin: Origin.IGP, asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [65001] }] }, prefixes, CTX, 'ipv6-unicast', {
      nextHop: '2001:db8::1',
      linkLocalNextHop: 'fe80::1',
    });
    for (const msg of decodeAll(msgs)) applyUpdate(rib, GEN, msg);
    const best = rib.bestPath('ipv6-unicast', prefixes[0]!).best!;
    assert.equal(best.attrs!.attrs.nextHop, '2001:db8::1');
    assert.equal(best.attrs!.attrs.linkLocalNextHop, 'fe80::1');
    const out = decodeAll(encodeOutbound(rib.collect(MON, 'ipv6-unicast')!, CTX));
    assert.equal(out.length, 1);
    assert.equal(out[0]!.mpReach!.nextHop, '2001:db8:1::fe');
    assert.equal(out[0]!.attributes.nextHop, undefined, 'no IPv4 NEXT_HOP attribute in an IPv6 UPDATE');
    assert.equal(out[0]!.mpReach!.nlri.count, 2);
  });

  it('recognises End-of-RIB and leaves the RIB alone', () => {
    const rib = setup();
    const s = applyUpdate(rib, GEN, decodeUpdate(endOfRib('ipv4-unicast', CTX), CTX));
    assert.equal(s.endOfRib, 'ipv4-unicast');
    assert.equal(rib.adjRibInSize(GEN, 'ipv4-unicast'), 0);
  });
});
