// The RIB end to end: Adj-RIB-In → import → Loc-RIB → export → Adj-RIB-Out, with the protocol's export rules.
import assert from 'node:assert/strict';
import { AS_TRANS, AsPathSegmentType, Origin, WellKnownCommunity } from '../src/wire/constants.js';
import type { Family } from '../src/wire/types.js';
import { Rib, formatPrefix, parsePrefix, parseClusterId, type OutboundUpdate, type PrefixKey, type RouteAttributes, RibError } from '../src/rib/index.js';

const V4: Family = 'ipv4-unicast';
const V6: Family = 'ipv6-unicast';
const LOCAL_AS = 65000;
const seq = (...asns: number[]) => ({ type: AsPathSegmentType.AS_SEQUENCE, asns });
const P = (...texts: string[]): PrefixKey[] => texts.map(parsePrefix);
const ATTRS: RouteAttributes = { origin: Origin.IGP, asPath: [seq(65001)], nextHop: '192.0.2.1', med: 10, localPref: 500 };

const EBGP_A = '192.0.2.1'; // AS 65001
const EBGP_B = '198.51.100.1'; // AS 65002
const IBGP_A = '10.0.0.2';
const IBGP_B = '10.0.0.3';

function newRib(extra: Partial<ConstructorParameters<typeof Rib>[0]> = {}): Rib {
  const rib = new Rib({ asn: LOCAL_AS, routerId: '10.0.0.1', ...extra });
  return rib;
}

function up(rib: Rib, address: string, asn: number, routerId: number, opts: { rr?: boolean; max?: number; fourOctet?: boolean } = {}): void {
  rib.addPeer({ address, asn, routeReflectorClient: opts.rr, maxPrefixes: opts.max });
  rib.peerUp(address, {
    routerId,
    localAddress: address.startsWith('10.') ? '10.0.0.1' : '203.0.113.1',
    localAddressV6: '2001:db8::1',
    fourOctetAs: opts.fourOctet,
  });
}

/** Flattens an outbound batch to { prefix text → attrs } and withdrawn texts. */
function flat(u: OutboundUpdate | null): { ann: Map<string, RouteAttributes>; wd: string[]; eor: boolean } {
  const ann = new Map<string, RouteAttributes>();
  for (const g of u?.announced ?? []) for (const p of g.prefixes) ann.set(formatPrefix(p), g.attrs.attrs);
  return { ann, wd: (u?.withdrawn ?? []).map(formatPrefix).sort(), eor: u?.endOfRib ?? false };
}

describe('rib: receive, select, export', () => {
  it('sends an eBGP-learned route to another eBGP peer: AS prepended, next hop self, no LOCAL_PREF, no foreign MED', () => {
    const rib = newRib();
    up(rib, EBGP_A, 65001, 1);
    up(rib, EBGP_B, 65002, 2);
    assert.deepEqual(flat(rib.collect(EBGP_B, V4)), { ann: new Map(), wd: [], eor: true }, 'empty table, then End-of-RIB');
    const r = rib.receive(EBGP_A, V4, P('10.1.0.0/16', '10.2.0.0/16'), ATTRS);
    assert.deepEqual(r, { received: 2, maxPrefixExceeded: false, loop: null });
    const out = flat(rib.collect(EBGP_B, V4));
    assert.equal(out.eor, false);
    assert.deepEqual([...out.ann.keys()].sort(), ['10.1.0.0/16', '10.2.0.0/16']);
    const a = out.ann.get('10.1.0.0/16')!;
    assert.deepEqual(a.asPath, [seq(LOCAL_AS, 65001)]);
    assert.equal(a.nextHop, '203.0.113.1');
    assert.equal(a.localPref, undefined);
    assert.equal(a.med, undefined);
    assert.equal(rib.collect(EBGP_B, V4), null, 'nothing more to send');
    assert.equal(rib.collect(EBGP_A, V4)!.announced.length, 0, 'never sent back to its source (only End-of-RIB)');
  });

  it('ignores LOCAL_PREF from eBGP (RFC 4271 §5.1.5) and sends LOCAL_PREF 100 to iBGP with the next hop unchanged', () => {
    const rib = newRib();
    up(rib, EBGP_A, 65001, 1);
    up(rib, IBGP_A, LOCAL_AS, 2);
    rib.collect(IBGP_A, V4);
    rib.receive(EBGP_A, V4, P('10.1.0.0/16'), ATTRS);
    assert.equal(rib.bestPath(V4, parsePrefix('10.1.0.0/16')).best!.attrs!.attrs.localPref, undefined);
    const a = flat(rib.collect(IBGP_A, V4)).ann.get('10.1.0.0/16')!;
    assert.equal(a.localPref, 100);
    assert.equal(a.nextHop, '192.0.2.1');
    assert.equal(a.med, 10, 'MED stays inside the AS');
    assert.deepEqual(a.asPath, [seq(65001)]);
  });

  it('withdraws, reports best-path changes with the ECMP set, and frees every prefix index at the end', () => {
    const rib = newRib();
    up(rib, EBGP_A, 65001, 1);
    up(rib, EBGP_B, 65001, 2); // same neighbour AS: equal paths → ECMP
    up(rib, IBGP_A, LOCAL_AS, 3);
    rib.collect(IBGP_A, V4);
    const events: Array<[string, string | undefined, string[]]> = [];
    const drain = () =>
      rib.drainBestPathChanges(V4, (k, best, ecmp) => events.push([formatPrefix(k), best?.peer.address, ecmp.map((p) => p.peer.address).sort()]));
    rib.receive(EBGP_A, V4, P('10.1.0.0/16'), { ...ATTRS, nextHop: EBGP_A });
    rib.receive(EBGP_B, V4, P('10.1.0.0/16'), { ...ATTRS, nextHop: EBGP_B });
    drain();
    assert.deepEqual(events, [['10.1.0.0/16', EBGP_A, [EBGP_A, EBGP_B].sort()]], 'coalesced to one event, lowest router ID best');
    events.length = 0;
    rib.withdraw(EBGP_A, V4, P('10.1.0.0/16'));
    drain();
    assert.deepEqual(events, [['10.1.0.0/16', EBGP_B, [EBGP_B]]]);
    const out = flat(rib.collect(IBGP_A, V4));
    assert.equal(out.ann.get('10.1.0.0/16')!.nextHop, EBGP_B);
    events.length = 0;
    rib.withdraw(EBGP_B, V4, P('10.1.0.0/16', '10.9.0.0/16'));
    drain();
    assert.deepEqual(events, [['10.1.0.0/16', undefined, []]]);
    assert.deepEqual(flat(rib.collect(IBGP_A, V4)).wd, ['10.1.0.0/16']);
    assert.equal(rib.locRibSize(V4), 0);
    assert.equal(rib.adjRibOutSize(IBGP_A, V4), 0);
    assert.ok(rib.indexSize(V4) > 0, 'the change feeds of peers that have not collected yet still hold it');
    rib.collect(EBGP_A, V4);
    rib.collect(EBGP_B, V4);
    assert.equal(rib.indexSize(V4), 0, 'no prefix index leaked');
  });

  it('withdrawing a path outside the ECMP set can still change the set (its MED had eliminated a path)', () => {
    const rib = newRib();
    up(rib, IBGP_A, LOCAL_AS, 9);
    up(rib, EBGP_A, 65001, 5);
    up(rib, EBGP_B, 65002, 4);
    const k = parsePrefix('10.1.0.0/16');
    // X (iBGP, from AS 65001, MED 0) eliminates Y (eBGP, AS 65001, MED 10); X then loses to eBGP Z.
    rib.receive(IBGP_A, V4, [k], { origin: Origin.IGP, asPath: [seq(65001)], nextHop: IBGP_A, med: 0, localPref: 100 });
    rib.receive(EBGP_A, V4, [k], { origin: Origin.IGP, asPath: [seq(65001)], nextHop: EBGP_A, med: 10 });
    rib.receive(EBGP_B, V4, [k], { origin: Origin.IGP, asPath: [seq(65002)], nextHop: EBGP_B });
    assert.deepEqual(rib.bestPath(V4, k).ecmp.map((p) => p.peer.address), [EBGP_B]);
    rib.drainBestPathChanges(V4, () => undefined);
    let seen: string[] = [];
    rib.withdraw(IBGP_A, V4, [k]);
    rib.drainBestPathChanges(V4, (_k, _b, ecmp) => (seen = ecmp.map((p) => p.peer.address).sort()));
    assert.deepEqual(seen, [EBGP_A, EBGP_B].sort());
  });

  it('an implicit withdraw (re-announcement with new attributes) replaces the path', () => {
    const rib = newRib();
    up(rib, EBGP_A, 65001, 1);
    up(rib, IBGP_A, LOCAL_AS, 3);
    rib.collect(IBGP_A, V4);
    rib.receive(EBGP_A, V4, P('10.1.0.0/16'), ATTRS);
    rib.collect(IBGP_A, V4);
    rib.receive(EBGP_A, V4, P('10.1.0.0/16'), ATTRS);
    assert.equal(rib.collect(IBGP_A, V4), null, 'a duplicate sends nothing');
    rib.receive(EBGP_A, V4, P('10.1.0.0/16'), { ...ATTRS, med: 99 });
    assert.equal(flat(rib.collect(IBGP_A, V4)).ann.get('10.1.0.0/16')!.med, 99);
    assert.equal(rib.adjRibInSize(EBGP_A, V4), 1);
  });

  it('handles IPv6 with the next hop from MP_REACH (here: nextHop) and next hop self per family', () => {
    const rib = newRib();
    up(rib, EBGP_A, 65001, 1);
    up(rib, EBGP_B, 65002, 2);
    rib.collect(EBGP_B, V6);
    rib.receive(EBGP_A, V6, P('2001:db8:1::/48'), { ...ATTRS, nextHop: '2001:db8:ffff::1', linkLocalNextHop: 'fe80::1' });
    const a = flat(rib.collect(EBGP_B, V6)).ann.get('2001:db8:1::/48')!;
    assert.equal(a.nextHop, '2001:db8::1');
    assert.equal(a.linkLocalNextHop, undefined);
    assert.equal(rib.collect(EBGP_B, V4)!.endOfRib, true, 'families are independent');
  });

  it('drops paths with our AS in AS_PATH (RFC 4271 §9.1.2) but counts them as received', () => {
    const rib = newRib();
    up(rib, EBGP_A, 65001, 1);
    const r = rib.receive(EBGP_A, V4, P('10.1.0.0/16'), { ...ATTRS, asPath: [seq(65001, LOCAL_AS, 65100)] });
    assert.equal(r.loop, 'as-path-loop');
    assert.equal(r.received, 1);
    assert.equal(rib.locRibSize(V4), 0);
    rib.receive(EBGP_A, V6, P('2001:db8::/32'), ATTRS);
    assert.deepEqual(rib.peerCounts(EBGP_A), { received: 2, accepted: 1, advertised: 0 });
  });

  it('does not send a path to an eBGP peer whose AS is already in it', () => {
    const rib = newRib();
    up(rib, EBGP_A, 65001, 1);
    up(rib, EBGP_B, 65002, 2);
    rib.collect(EBGP_B, V4);
    rib.receive(EBGP_A, V4, P('10.1.0.0/16'), { ...ATTRS, asPath: [seq(65001, 65002)] });
    assert.equal(rib.collect(EBGP_B, V4), null);
  });

  it('honours NO_EXPORT (not to eBGP) and NO_ADVERTISE (to nobody)', () => {
    const rib = newRib();
    up(rib, EBGP_A, 65001, 1);
    up(rib, EBGP_B, 65002, 2);
    up(rib, IBGP_A, LOCAL_AS, 3);
    rib.collect(EBGP_B, V4);
    rib.collect(IBGP_A, V4);
    rib.receive(EBGP_A, V4, P('10.1.0.0/16'), { ...ATTRS, communities: [WellKnownCommunity.NO_EXPORT] });
    rib.receive(EBGP_A, V4, P('10.2.0.0/16'), { ...ATTRS, communities: [WellKnownCommunity.NO_ADVERTISE] });
    assert.equal(rib.collect(EBGP_B, V4), null);
    assert.deepEqual([...flat(rib.collect(IBGP_A, V4)).ann.keys()], ['10.1.0.0/16']);
  });

  it('signals max-prefix past the limit (Cease 6/1 is the session\'s job)', () => {
    const rib = newRib();
    up(rib, EBGP_A, 65001, 1, { max: 2 });
    assert.equal(rib.receive(EBGP_A, V4, P('10.1.0.0/16', '10.2.0.0/16'), ATTRS).maxPrefixExceeded, false);
    assert.equal(rib.receive(EBGP_A, V4, P('10.2.0.0/16'), ATTRS).maxPrefixExceeded, false, 'a re-announcement is not a new prefix');
    assert.equal(rib.receive(EBGP_A, V6, P('2001:db8::/32'), ATTRS).maxPrefixExceeded, true, 'all families count');
    rib.withdraw(EBGP_A, V6, P('2001:db8::/32'));
    assert.equal(rib.receive(EBGP_A, V4, P('10.2.0.0/16'), ATTRS).received, 2);
  });

  it('originates locally: IGP, empty AS_PATH inside, our AS outside, preferred over learned paths', () => {
    const rib = newRib();
    up(rib, EBGP_A, 65001, 1);
    up(rib, IBGP_A, LOCAL_AS, 3);
    rib.collect(EBGP_A, V4);
    rib.collect(IBGP_A, V4);
    rib.receive(EBGP_A, V4, P('10.244.1.0/24'), ATTRS);
    rib.originate(V4, parsePrefix('10.244.1.0/24'), { nextHop: '10.0.0.1', med: 5 });
    assert.equal(rib.bestPath(V4, parsePrefix('10.244.1.0/24')).best!.peer.local, true);
    const ext = flat(rib.collect(EBGP_A, V4)).ann.get('10.244.1.0/24')!;
    assert.deepEqual(ext.asPath, [seq(LOCAL_AS)]);
    assert.equal(ext.origin, Origin.IGP);
    assert.equal(ext.med, 5, 'our own MED is sent');
    const int = flat(rib.collect(IBGP_A, V4)).ann.get('10.244.1.0/24')!;
    assert.deepEqual(int.asPath, []);
    assert.equal(int.nextHop, '10.0.0.1');
    assert.equal(int.localPref, 100);
    assert.ok(rib.withdrawLocal(V4, parsePrefix('10.244.1.0/24')));
    assert.equal(flat(rib.collect(IBGP_A, V4)).ann.get('10.244.1.0/24')!.nextHop, '192.0.2.1', 'learned path takes over');
  });

  it('re-sends the whole Adj-RIB-Out on ROUTE-REFRESH', () => {
    const rib = newRib();
    up(rib, EBGP_A, 65001, 1);
    up(rib, EBGP_B, 65002, 2);
    rib.receive(EBGP_A, V4, P('10.1.0.0/16', '10.2.0.0/16'), ATTRS);
    assert.equal(flat(rib.collect(EBGP_B, V4)).ann.size, 2);
    assert.equal(rib.collect(EBGP_B, V4), null);
    rib.refresh(EBGP_B, V4);
    const again = flat(rib.collect(EBGP_B, V4));
    assert.equal(again.ann.size, 2);
    assert.equal(again.eor, false, 'End-of-RIB only after the initial table');
  });

  it('holds output while deferred (RFC 4724 §4.1) and releases it at once', () => {
    const rib = newRib();
    rib.setDeferred(true);
    up(rib, EBGP_A, 65001, 1);
    up(rib, EBGP_B, 65002, 2);
    rib.receive(EBGP_A, V4, P('10.1.0.0/16'), ATTRS);
    assert.equal(rib.collect(EBGP_B, V4), null);
    assert.equal(rib.hasPending(EBGP_B), false);
    let events = 0;
    rib.drainBestPathChanges(V4, () => events++);
    assert.equal(events, 0);
    rib.setDeferred(false);
    assert.equal(rib.hasPending(EBGP_B), true);
    const out = flat(rib.collect(EBGP_B, V4));
    assert.equal(out.ann.size, 1);
    assert.equal(out.eor, true);
    rib.drainBestPathChanges(V4, () => events++);
    assert.equal(events, 1);
  });

  it('sends AS_TRANS + AS4_PATH to a 2-octet peer and merges AS4_PATH from one', () => {
    const rib = newRib({ asn: 4200000000 });
    rib.addPeer({ address: EBGP_A, asn: 65001 });
    rib.peerUp(EBGP_A, { routerId: 1, localAddress: '203.0.113.1', fourOctetAs: false });
    up(rib, EBGP_B, 65002, 2);
    rib.collect(EBGP_A, V4);
    rib.collect(EBGP_B, V4);
    rib.receive(EBGP_A, V4, P('10.1.0.0/16'), { ...ATTRS, asPath: [seq(65001, AS_TRANS)], as4Path: [seq(4200000099)] });
    const b = flat(rib.collect(EBGP_B, V4)).ann.get('10.1.0.0/16')!;
    assert.deepEqual(b.asPath, [seq(4200000000, 65001, 4200000099)]);
    assert.equal(b.as4Path, undefined);
    rib.receive(EBGP_B, V4, P('10.2.0.0/16'), { ...ATTRS, asPath: [seq(65002, 4200000099)] });
    const a = flat(rib.collect(EBGP_A, V4)).ann.get('10.2.0.0/16')!;
    assert.deepEqual(a.asPath, [seq(AS_TRANS, 65002, AS_TRANS)]);
    assert.deepEqual(a.as4Path, [seq(4200000000, 65002, 4200000099)]);
  });

  it('collect() with a limit streams the table in bounded batches, End-of-RIB with the last, changes kept in order', () => {
    const rib = newRib();
    up(rib, EBGP_A, 65001, 1);
    const keys = Array.from({ length: 10 }, (_, i) => parsePrefix(`10.${i}.0.0/16`));
    rib.receive(EBGP_A, V4, keys, ATTRS);
    up(rib, EBGP_B, 65002, 2);
    rib.collect(EBGP_B, V6);
    const sizes: number[] = [];
    const seen = new Set<string>();
    let eor = 0;
    let last: ReturnType<typeof flat> | undefined;
    for (let round = 0; rib.hasPending(EBGP_B) && round < 20; round++) {
      const u = rib.collect(EBGP_B, V4, 3);
      if (u === null) continue;
      const f = flat(u);
      sizes.push(f.ann.size + f.wd.length);
      for (const k of f.ann.keys()) seen.add(k);
      if (f.eor) eor = round;
      last = f;
      if (round === 1) rib.withdraw(EBGP_A, V4, [parsePrefix('10.0.0.0/16'), parsePrefix('10.9.0.0/16')]);
    }
    assert.deepEqual(sizes, [3, 3, 3, 1]);
    assert.equal(eor, 3, 'End-of-RIB with the batch that completes the initial pass');
    assert.deepEqual(last!.wd, ['10.0.0.0/16'], 'already sent, then withdrawn mid-pass: withdrawn at the end of the pass');
    assert.equal(seen.size, 9, '10.9 was withdrawn before the pass reached it: never sent');
    assert.ok(!seen.has('10.9.0.0/16'));
    assert.equal(rib.adjRibOutSize(EBGP_B, V4), 8);
    assert.equal(rib.collect(EBGP_B, V4), null);
  });

  it('refuses unknown peers and duplicate peers with RibError', () => {
    const rib = newRib();
    assert.throws(() => rib.receive('192.0.2.99', V4, [], ATTRS), RibError);
    rib.addPeer({ address: EBGP_A, asn: 65001 });
    assert.throws(() => rib.addPeer({ address: EBGP_A, asn: 65001 }), RibError);
  });

  it('removePeer withdraws everything the peer gave us', () => {
    const rib = newRib();
    up(rib, EBGP_A, 65001, 1);
    up(rib, IBGP_A, LOCAL_AS, 3);
    rib.collect(IBGP_A, V4);
    rib.receive(EBGP_A, V4, P('10.1.0.0/16', '10.2.0.0/16'), ATTRS);
    rib.collect(IBGP_A, V4);
    rib.removePeer(EBGP_A);
    assert.deepEqual(flat(rib.collect(IBGP_A, V4)).wd, ['10.1.0.0/16', '10.2.0.0/16']);
    rib.drainBestPathChanges(V4, () => undefined);
    assert.equal(rib.indexSize(V4), 0);
  });
});

describe('rib: iBGP and route reflection (RFC 4456)', () => {
  it('split horizon without clients: iBGP-learned routes go to eBGP peers only', () => {
    const rib = newRib();
    up(rib, IBGP_A, LOCAL_AS, 2);
    up(rib, IBGP_B, LOCAL_AS, 3);
    up(rib, EBGP_A, 65001, 1);
    for (const p of [IBGP_B, EBGP_A]) rib.collect(p, V4);
    rib.receive(IBGP_A, V4, P('10.1.0.0/16'), { origin: Origin.IGP, asPath: [], nextHop: IBGP_A, localPref: 100 });
    assert.equal(rib.collect(IBGP_B, V4), null);
    assert.equal(flat(rib.collect(EBGP_A, V4)).ann.size, 1);
  });

  it('reflects client routes to clients and non-clients, non-client routes to clients only, setting ORIGINATOR_ID and CLUSTER_LIST', () => {
    const rib = newRib({ clusterId: '1.1.1.1' });
    const CLIENT_A = '10.0.0.11';
    const CLIENT_B = '10.0.0.12';
    const NONCLIENT = '10.0.0.13';
    up(rib, CLIENT_A, LOCAL_AS, 0x0a00000b, { rr: true });
    up(rib, CLIENT_B, LOCAL_AS, 0x0a00000c, { rr: true });
    up(rib, NONCLIENT, LOCAL_AS, 0x0a00000d);
    for (const p of [CLIENT_A, CLIENT_B, NONCLIENT]) rib.collect(p, V4);
    const route: RouteAttributes = { origin: Origin.IGP, asPath: [], nextHop: CLIENT_A, localPref: 100 };
    rib.receive(CLIENT_A, V4, P('10.244.1.0/24'), route);
    const toB = flat(rib.collect(CLIENT_B, V4)).ann.get('10.244.1.0/24')!;
    assert.equal(toB.originatorId, 0x0a00000b);
    assert.deepEqual(toB.clusterList, [parseClusterId('1.1.1.1')]);
    assert.equal(toB.nextHop, CLIENT_A, 'reflection keeps the next hop');
    assert.equal(flat(rib.collect(NONCLIENT, V4)).ann.size, 1, 'client route → non-client');
    assert.equal(rib.collect(CLIENT_A, V4), null, 'not back to the client it came from');
    rib.receive(NONCLIENT, V4, P('10.244.3.0/24'), { ...route, nextHop: NONCLIENT, originatorId: 0x0a000063, clusterList: [7] });
    const fromNon = flat(rib.collect(CLIENT_A, V4)).ann.get('10.244.3.0/24')!;
    assert.equal(fromNon.originatorId, 0x0a000063, 'an existing ORIGINATOR_ID is kept');
    assert.deepEqual(fromNon.clusterList, [parseClusterId('1.1.1.1'), 7]);
    assert.equal(rib.collect(NONCLIENT, V4), null, 'non-client route is not reflected to non-clients');
  });

  it('adding the first client turns on reflection for routes already in the table', () => {
    const rib = newRib();
    up(rib, IBGP_A, LOCAL_AS, 2);
    up(rib, IBGP_B, LOCAL_AS, 3);
    rib.collect(IBGP_B, V4);
    rib.receive(IBGP_A, V4, P('10.1.0.0/16'), { origin: Origin.IGP, asPath: [], nextHop: IBGP_A });
    assert.equal(rib.collect(IBGP_B, V4), null, 'split horizon');
    rib.updatePeer({ address: IBGP_B, asn: LOCAL_AS, routeReflectorClient: true });
    assert.equal(flat(rib.collect(IBGP_B, V4)).ann.get('10.1.0.0/16')!.originatorId, 2);
    const CLIENT_C = '10.0.0.4';
    up(rib, CLIENT_C, LOCAL_AS, 4, { rr: true });
    rib.updatePeer({ address: IBGP_B, asn: LOCAL_AS });
    rib.removePeer(CLIENT_C);
    assert.deepEqual(flat(rib.collect(IBGP_B, V4)).wd, ['10.1.0.0/16'], 'no clients left: back to split horizon');
  });

  it('refuses reflected loops: our router ID as ORIGINATOR_ID, our cluster ID in CLUSTER_LIST', () => {
    const rib = newRib({ clusterId: 42 });
    up(rib, IBGP_A, LOCAL_AS, 2, { rr: true });
    const base: RouteAttributes = { origin: Origin.IGP, asPath: [], nextHop: IBGP_A };
    assert.equal(rib.receive(IBGP_A, V4, P('10.1.0.0/16'), { ...base, originatorId: parseClusterId('10.0.0.1') }).loop, 'originator-id-loop');
    assert.equal(rib.receive(IBGP_A, V4, P('10.2.0.0/16'), { ...base, clusterList: [5, 42] }).loop, 'cluster-list-loop');
    assert.equal(rib.receive(IBGP_A, V4, P('10.3.0.0/16'), { ...base, clusterList: [5] }).loop, null);
    assert.equal(rib.locRibSize(V4), 1);
  });

  it('strips ORIGINATOR_ID and CLUSTER_LIST towards eBGP peers', () => {
    const rib = newRib();
    up(rib, IBGP_A, LOCAL_AS, 2);
    up(rib, EBGP_A, 65001, 1);
    rib.collect(EBGP_A, V4);
    rib.receive(IBGP_A, V4, P('10.1.0.0/16'), { origin: Origin.IGP, asPath: [], nextHop: IBGP_A, originatorId: 9, clusterList: [3] });
    const a = flat(rib.collect(EBGP_A, V4)).ann.get('10.1.0.0/16')!;
    assert.equal(a.originatorId, undefined);
    assert.equal(a.clusterList, undefined);
  });

  it('parses cluster IDs as uint32 or IPv4 text (kube-router rr.server / rr.client)', () => {
    assert.equal(parseClusterId(42), 42);
    assert.equal(parseClusterId('42'), 42);
    assert.equal(parseClusterId('0.0.0.42'), 42);
    assert.equal(parseClusterId('10.0.0.1'), 0x0a000001);
    assert.throws(() => parseClusterId('4294967296'), RibError);
    assert.throws(() => parseClusterId('fd00::1'), RibError);
  });
});

describe('rib: replacing policies', () => {
  const policy = (reject: string[]) => ({
    definedSets: { prefixSets: { bad: reject.map((prefix) => ({ prefix })) } },
    policies: [{ name: 'p', statements: [{ name: 's', conditions: { prefixSet: { name: 'bad' } }, actions: { route: 'reject' as const } }] }],
  });

  it('an import change re-evaluates Adj-RIB-In from the pre-policy paths', () => {
    const rib = newRib({ policy: { ...policy(['10.1.0.0/16']), import: { policies: ['p'], defaultAction: 'accept' } } });
    up(rib, EBGP_A, 65001, 1);
    rib.receive(EBGP_A, V4, P('10.1.0.0/16', '10.2.0.0/16'), ATTRS);
    assert.equal(rib.locRibSize(V4), 1);
    rib.setPolicy({ ...policy(['10.2.0.0/16']), import: { policies: ['p'], defaultAction: 'accept' } });
    assert.ok(rib.bestPath(V4, parsePrefix('10.1.0.0/16')).best);
    assert.equal(rib.bestPath(V4, parsePrefix('10.2.0.0/16')).best, undefined);
    assert.equal(rib.adjRibInSize(EBGP_A, V4), 2, 'rejected paths stay in Adj-RIB-In (pre-policy)');
  });

  it('an export change sends only the difference', () => {
    const rib = newRib();
    up(rib, EBGP_A, 65001, 1);
    up(rib, EBGP_B, 65002, 2);
    rib.receive(EBGP_A, V4, P('10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16'), ATTRS);
    assert.equal(flat(rib.collect(EBGP_B, V4)).ann.size, 3);
    rib.setPolicy({ ...policy(['10.2.0.0/16']), export: { policies: ['p'], defaultAction: 'accept' } });
    assert.deepEqual(flat(rib.collect(EBGP_B, V4)), { ann: new Map(), wd: ['10.2.0.0/16'], eor: false });
    rib.setPolicy({
      definedSets: {},
      policies: [{ name: 'med', statements: [{ name: 's', actions: { med: 7 } }] }],
      export: { policies: ['med'], defaultAction: 'accept' },
    });
    const out = flat(rib.collect(EBGP_B, V4));
    assert.equal(out.ann.size, 3, 'all three re-sent: 10.2 is back and the others changed MED');
    assert.ok([...out.ann.values()].every((a) => a.med === 7), 'MED set by export policy crosses the AS boundary');
  });

  it('a bad policy throws and leaves the old one in place', () => {
    const rib = newRib({ policy: { ...policy(['10.1.0.0/16']), import: { policies: ['p'], defaultAction: 'accept' } } });
    assert.throws(() => rib.setPolicy({ import: { policies: ['nope'], defaultAction: 'accept' } }), RibError);
    up(rib, EBGP_A, 65001, 1);
    rib.receive(EBGP_A, V4, P('10.1.0.0/16'), ATTRS);
    assert.equal(rib.locRibSize(V4), 0);
  });

  it('updatePeer applies per-peer policies without a reset', () => {
    const rib = newRib({ policy: { ...policy(['10.1.0.0/16']) } });
    up(rib, EBGP_A, 65001, 1);
    up(rib, EBGP_B, 65002, 2);
    rib.receive(EBGP_A, V4, P('10.1.0.0/16', '10.2.0.0/16'), ATTRS);
    rib.collect(EBGP_B, V4);
    rib.updatePeer({ address: EBGP_A, asn: 65001, importPolicies: ['p'] });
    assert.deepEqual(flat(rib.collect(EBGP_B, V4)).wd, ['10.1.0.0/16']);
    rib.updatePeer({ address: EBGP_B, asn: 65002, exportPolicies: ['p'], exportDefault: 'reject' });
    assert.deepEqual(flat(rib.collect(EBGP_B, V4)).wd, ['10.2.0.0/16']);
    assert.throws(() => rib.updatePeer({ address: EBGP_B, asn: 65002, exportPolicies: ['missing'] }), RibError);
    assert.deepEqual(rib.peer(EBGP_B).spec.exportPolicies, ['p'], 'a rejected update changes nothing');
  });
});
