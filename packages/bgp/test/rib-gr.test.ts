// Graceful restart (RFC 4724) bookkeeping with a fake clock, and MRAI batching.
import assert from 'node:assert/strict';
import { AsPathSegmentType, Origin, WellKnownCommunity } from '../src/wire/constants.js';
import type { Family } from '../src/wire/types.js';
import { MraiTimer, ReceivingRestart, Rib, SelectionDeferral, formatPrefix, parsePrefix, type PrefixKey, type RouteAttributes } from '../src/rib/index.js';

const V4: Family = 'ipv4-unicast';
const V6: Family = 'ipv6-unicast';
const PEER = '192.0.2.1';
const OTHER = '10.0.0.2';
const P = (...t: string[]): PrefixKey[] => t.map(parsePrefix);
const ATTRS: RouteAttributes = { origin: Origin.IGP, asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [65001] }], nextHop: PEER };
const RESTART_SECONDS = 120;

class FakeClock {
  now = 1_000_000;
  advance(ms: number): number {
    return (this.now += ms);
  }
}

function setup(): { rib: Rib; clock: FakeClock } {
  const clock = new FakeClock();
  const rib = new Rib({ asn: 65000, routerId: '10.0.0.1', clock: () => clock.now });
  rib.addPeer({ address: PEER, asn: 65001 });
  rib.addPeer({ address: OTHER, asn: 65000 });
  rib.peerUp(PEER, { routerId: 1, localAddress: '192.0.2.254' });
  rib.peerUp(OTHER, { routerId: 2, localAddress: '10.0.0.1' });
  rib.collect(OTHER, V4);
  rib.collect(OTHER, V6);
  rib.receive(PEER, V4, P('10.1.0.0/16', '10.2.0.0/16'), ATTRS);
  rib.receive(PEER, V6, P('2001:db8:1::/48'), { ...ATTRS, nextHop: '2001:db8::1' });
  rib.collect(OTHER, V4);
  rib.collect(OTHER, V6);
  return { rib, clock };
}

describe('graceful restart: receiving speaker (RFC 4724 §4.2)', () => {
  it('keeps a restarting peer\'s paths stale and best, sends nothing, then replaces them and sweeps the rest on End-of-RIB', () => {
    const { rib, clock } = setup();
    const gr = new ReceivingRestart();
    const keep = gr.down(clock.now, { restartTimeSeconds: RESTART_SECONDS, preserved: [V4, V6] });
    assert.deepEqual(keep.sort(), [V4, V6]);
    assert.equal(gr.deadline, clock.now + RESTART_SECONDS * 1000);
    rib.peerDown(PEER, { families: keep });
    assert.equal(rib.staleCount(PEER, V4), 2);
    const best = rib.bestPath(V4, parsePrefix('10.1.0.0/16')).best!;
    assert.ok(best.stale && best.peer.address === PEER, 'stale path still best');
    assert.equal(rib.collect(OTHER, V4), null, 'nothing withdrawn from other peers');

    clock.advance(30_000);
    assert.deepEqual(gr.tick(clock.now), [], 'timer not expired yet');
    assert.deepEqual(gr.up([V4, V6]), []);
    assert.equal(gr.phase, 'awaiting-eor');
    rib.peerUp(PEER, { routerId: 1, localAddress: '192.0.2.254' }, [V4, V6]);
    rib.receive(PEER, V4, P('10.1.0.0/16'), ATTRS);
    assert.equal(rib.staleCount(PEER, V4), 1, 're-advertised path is fresh');
    assert.equal(rib.bestPath(V4, parsePrefix('10.1.0.0/16')).best!.stale, false);
    assert.equal(rib.collect(OTHER, V4), null, 'identical re-advertisement changes nothing downstream');

    assert.ok(gr.endOfRib(V4));
    assert.equal(rib.endOfRib(PEER, V4), 1);
    assert.deepEqual(flat(rib.collect(OTHER, V4)), ['-10.2.0.0/16']);
    assert.equal(rib.staleCount(PEER, V4), 0);
    assert.equal(rib.staleCount(PEER, V6), 1, 'IPv6 waits for its own End-of-RIB');
    assert.ok(gr.endOfRib(V6));
    assert.equal(gr.phase, 'up');
    assert.equal(rib.endOfRib(PEER, V6), 1);
  });

  it('deletes everything stale when the restart timer expires', () => {
    const { rib, clock } = setup();
    const gr = new ReceivingRestart();
    rib.peerDown(PEER, { families: gr.down(clock.now, { restartTimeSeconds: RESTART_SECONDS, preserved: [V4, V6] }) });
    clock.advance(RESTART_SECONDS * 1000 - 1);
    assert.deepEqual(gr.tick(clock.now), []);
    clock.advance(1);
    const expired = gr.tick(clock.now);
    assert.deepEqual(expired.sort(), [V4, V6]);
    assert.equal(gr.phase, 'down');
    assert.equal(rib.restartTimerExpired(PEER), 3);
    assert.deepEqual(flat(rib.collect(OTHER, V4)), ['-10.1.0.0/16', '-10.2.0.0/16']);
    assert.equal(rib.locRibSize(V6), 0);
  });

  it('flushes at once the families without preserved forwarding state, and everything without GR', () => {
    const { rib, clock } = setup();
    const gr = new ReceivingRestart();
    const keep = gr.down(clock.now, { restartTimeSeconds: RESTART_SECONDS, preserved: [V6] });
    rib.peerDown(PEER, { families: keep });
    assert.equal(rib.locRibSize(V4), 0);
    assert.equal(rib.locRibSize(V6), 1);
    assert.equal(rib.staleCount(PEER, V6), 1);

    const plain = setup();
    const g2 = new ReceivingRestart();
    assert.deepEqual(g2.down(plain.clock.now, null), []);
    assert.equal(g2.phase, 'down');
    plain.rib.peerDown(PEER);
    assert.equal(plain.rib.locRibSize(V4) + plain.rib.locRibSize(V6), 0);
  });

  it('flushes stale families the peer no longer preserves when it comes back', () => {
    const { rib, clock } = setup();
    const gr = new ReceivingRestart();
    rib.peerDown(PEER, { families: gr.down(clock.now, { restartTimeSeconds: RESTART_SECONDS, preserved: [V4, V6] }) });
    const flush = gr.up([V4]);
    assert.deepEqual(flush, [V6]);
    rib.peerUp(PEER, { routerId: 1 }, [V4]);
    assert.equal(rib.locRibSize(V6), 0, 'F bit cleared for IPv6: stale IPv6 paths deleted');
    assert.equal(rib.staleCount(PEER, V4), 2);
  });

  it('a withdrawal of a stale path removes it and its stale count', () => {
    const { rib, clock } = setup();
    const gr = new ReceivingRestart();
    rib.peerDown(PEER, { families: gr.down(clock.now, { restartTimeSeconds: RESTART_SECONDS, preserved: [V4] }) });
    rib.peerUp(PEER, { routerId: 1 }, [V4]);
    rib.withdraw(PEER, V4, P('10.1.0.0/16'));
    assert.equal(rib.staleCount(PEER, V4), 1);
    assert.equal(rib.endOfRib(PEER, V4), 1);
    assert.equal(rib.locRibSize(V4), 0);
  });
});

function flat(u: ReturnType<Rib['collect']>): string[] {
  const out: string[] = [];
  for (const w of u?.withdrawn ?? []) out.push(`-${formatPrefix(w)}`);
  for (const g of u?.announced ?? []) for (const p of g.prefixes) out.push(`+${formatPrefix(p)}`);
  return out.sort();
}

describe('long-lived graceful restart (RFC 9494)', () => {
  const LLGR_PEER = '203.0.113.9';
  const STALE_SECONDS = 3600;

  it('keeps paths past the restart time as LLGR_STALE: least preferred, only sent to LLGR peers, NO_LLGR deleted', () => {
    const { rib, clock } = setup();
    rib.addPeer({ address: LLGR_PEER, asn: 65009 });
    rib.peerUp(LLGR_PEER, { routerId: 9, localAddress: '203.0.113.1', longLivedGr: true });
    rib.collect(LLGR_PEER, V4);
    rib.collect(LLGR_PEER, V6);
    rib.receive(PEER, V4, P('10.3.0.0/16'), { ...ATTRS, communities: [WellKnownCommunity.NO_LLGR] });
    rib.collect(OTHER, V4);
    rib.collect(LLGR_PEER, V4);
    const gr = new ReceivingRestart();
    rib.peerDown(PEER, { families: gr.down(clock.now, { restartTimeSeconds: RESTART_SECONDS, preserved: [V4, V6] }) });
    clock.advance(RESTART_SECONDS * 1000);
    const flush = gr.longLived(clock.now, STALE_SECONDS, [V4]);
    assert.deepEqual(flush, [V6], 'IPv6 had no LLGR: swept now');
    assert.equal(gr.phase, 'long-lived');
    assert.equal(gr.deadline, clock.now + STALE_SECONDS * 1000);
    for (const f of flush) rib.sweepStale(PEER, f);
    assert.equal(rib.enterLongLivedStale(PEER, [V4]), 2, '10.1 and 10.2 kept; 10.3 (NO_LLGR) deleted');
    const best = rib.bestPath(V4, parsePrefix('10.1.0.0/16')).best!;
    assert.ok(best.attrs!.attrs.communities!.includes(WellKnownCommunity.LLGR_STALE));
    assert.deepEqual(flat(rib.collect(OTHER, V4)), ['-10.1.0.0/16', '-10.2.0.0/16', '-10.3.0.0/16'], 'not sent to a peer without LLGR');
    const toLlgr = rib.collect(LLGR_PEER, V4)!;
    assert.deepEqual(flat(toLlgr), ['+10.1.0.0/16', '+10.2.0.0/16', '-10.3.0.0/16']);
    assert.ok(toLlgr.announced.every((g) => g.attrs.attrs.communities!.includes(WellKnownCommunity.LLGR_STALE)));
    // A fresh path wins even with a lower LOCAL_PREF: LLGR_STALE is least preferred.
    rib.receive(OTHER, V4, P('10.1.0.0/16'), { origin: Origin.IGP, asPath: [], nextHop: OTHER, localPref: 10 });
    assert.equal(rib.bestPath(V4, parsePrefix('10.1.0.0/16')).best!.peer.address, OTHER);
    clock.advance(STALE_SECONDS * 1000);
    assert.deepEqual(gr.tick(clock.now), [V4]);
    assert.equal(rib.restartTimerExpired(PEER), 2);
    assert.equal(rib.staleCount(PEER, V4), 0);
  });

  it('a returning peer replaces LLGR-stale paths and End-of-RIB sweeps the rest', () => {
    const { rib, clock } = setup();
    const gr = new ReceivingRestart();
    rib.peerDown(PEER, { families: gr.down(clock.now, { restartTimeSeconds: RESTART_SECONDS, preserved: [V4] }) });
    clock.advance(RESTART_SECONDS * 1000);
    gr.longLived(clock.now, STALE_SECONDS, [V4]);
    rib.enterLongLivedStale(PEER, [V4]);
    assert.deepEqual(gr.up([V4]), []);
    assert.equal(gr.phase, 'awaiting-eor');
    rib.peerUp(PEER, { routerId: 1 }, [V4]);
    rib.receive(PEER, V4, P('10.1.0.0/16'), ATTRS);
    const fresh = rib.bestPath(V4, parsePrefix('10.1.0.0/16')).best!;
    assert.equal(fresh.stale, false);
    assert.equal(fresh.attrs!.llgrStale, false);
    assert.ok(gr.endOfRib(V4));
    assert.equal(rib.endOfRib(PEER, V4), 1);
    assert.equal(rib.locRibSize(V4), 1);
  });
});

describe('graceful restart: restarting speaker (RFC 4724 §4.1)', () => {
  it('defers selection until End-of-RIB from every GR peer', () => {
    const clock = new FakeClock();
    const d = new SelectionDeferral(clock.now, 360);
    d.expect('a', [V4, V6]);
    d.expect('b', [V4]);
    assert.ok(d.deferred);
    assert.equal(d.endOfRib('a', V4), false);
    assert.equal(d.endOfRib('b', V4), false);
    assert.deepEqual(d.waitingFor(), ['a']);
    assert.equal(d.endOfRib('a', V6), true, 'the last End-of-RIB completes it');
    assert.equal(d.deferred, false);
    assert.equal(d.endOfRib('a', V6), false, 'completes once');
  });

  it('gives up waiting when the deferral timer fires, or when a peer will not send End-of-RIB', () => {
    const clock = new FakeClock();
    const d = new SelectionDeferral(clock.now, 360);
    d.expect('a', [V4]);
    d.expect('b', [V4]);
    clock.advance(359_999);
    assert.equal(d.tick(clock.now), false);
    clock.advance(1);
    assert.equal(d.tick(clock.now), true);
    assert.equal(d.deferred, false);

    const e = new SelectionDeferral(clock.now, 360);
    e.expect('a', [V4]);
    assert.equal(e.forget('a'), true);
    const none = new SelectionDeferral(clock.now, 360);
    assert.equal(none.check(), true, 'no GR peers: nothing to wait for');
  });

  it('drives the RIB: nothing advertised until undeferred, then the table and End-of-RIB', () => {
    const clock = new FakeClock();
    const rib = new Rib({ asn: 65000, routerId: '10.0.0.1', clock: () => clock.now });
    const d = new SelectionDeferral(clock.now, 360);
    rib.setDeferred(d.deferred);
    rib.addPeer({ address: PEER, asn: 65001 });
    rib.addPeer({ address: OTHER, asn: 65000 });
    rib.peerUp(PEER, { routerId: 1, localAddress: '192.0.2.254' });
    rib.peerUp(OTHER, { routerId: 2, localAddress: '10.0.0.1' });
    d.expect(PEER, [V4]);
    rib.originate(V4, parsePrefix('10.244.0.0/24'), { nextHop: '10.0.0.1' });
    rib.receive(PEER, V4, P('10.1.0.0/16'), ATTRS);
    assert.equal(rib.collect(OTHER, V4), null);
    assert.equal(rib.collect(PEER, V4), null);
    if (d.endOfRib(PEER, V4)) rib.setDeferred(false);
    const out = rib.collect(OTHER, V4)!;
    assert.deepEqual(flat(out), ['+10.1.0.0/16', '+10.244.0.0/24']);
    assert.equal(out.endOfRib, true);
    assert.deepEqual(flat(rib.collect(PEER, V4)), ['+10.244.0.0/24']);
  });
});

describe('MRAI batching (RFC 4271 §9.2.1.1)', () => {
  it('sends at once with interval 0 (iBGP default in kube-router)', () => {
    const m = new MraiTimer(0);
    assert.ok(m.ready(5));
    m.sent(5);
    assert.ok(m.ready(5));
  });

  it('holds changes until the interval has passed since the last send', () => {
    const clock = new FakeClock();
    const m = new MraiTimer(30_000);
    assert.equal(m.dueAt(clock.now), clock.now, 'first batch goes out at once');
    m.sent(clock.now);
    clock.advance(10_000);
    assert.equal(m.ready(clock.now), false);
    assert.equal(m.dueAt(clock.now), clock.now + 20_000);
    clock.advance(20_000);
    assert.ok(m.ready(clock.now));
    m.reset();
    assert.ok(m.ready(clock.now));
  });

  it('applies jitter to the interval', () => {
    const m = new MraiTimer(30_000, () => 0.75);
    m.sent(0);
    assert.equal(m.dueAt(1), 22_500);
  });

  it('with the RIB: changes during the interval coalesce into one batch', () => {
    const { rib, clock } = setup();
    const m = new MraiTimer(5_000);
    m.sent(clock.now);
    rib.receive(PEER, V4, P('10.3.0.0/16'), ATTRS);
    rib.withdraw(PEER, V4, P('10.3.0.0/16', '10.1.0.0/16'));
    rib.receive(PEER, V4, P('10.1.0.0/16'), { ...ATTRS, med: 1 });
    assert.ok(rib.hasPending(OTHER));
    assert.equal(m.ready(clock.now), false);
    clock.advance(5_000);
    assert.ok(m.ready(clock.now));
    assert.deepEqual(flat(rib.collect(OTHER, V4)), ['+10.1.0.0/16'], '10.3 came and went: nothing sent for it');
    m.sent(clock.now);
  });
});
