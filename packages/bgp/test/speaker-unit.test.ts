// The BgpSpeaker's wiring without sockets: a speaker joined to a plain Session peer by an in-memory pipe, on a fake
// clock. Graceful-restart timers in both roles, hard resets, live peer changes, backpressure, MRAI and enhanced
// route refresh, deterministically.
import assert from 'node:assert/strict';
import { Session, type SessionConfig } from '../src/session/index.js';
import { BgpSpeaker, type BestPathChange, type SpeakerOptions } from '../src/speaker/index.js';
import { asConnection, FakeClock, pipePair, settleImmediates, type PipeEnd } from './memory-pipe.js';
import type { BgpConnection, ConnectOptions } from '../src/transport/index.js';
import { AsPathSegmentType, Origin, RouteRefreshSubtype } from '../src/wire/constants.js';
import { encodeUpdates, endOfRib, endOfRibFamily } from '../src/wire/update.js';
import { parsePrefix } from '../src/wire/nlri.js';
import type { CodecContext, RouteRefreshMessage, UpdateMessage } from '../src/wire/types.js';

const A = '10.0.0.1';
const B = '10.0.0.2';
const AS_A = 65001;
const AS_B = 65002;
const NO_JITTER = (): number => 1 - 1e-12;
const RETRY = { initialMs: 1000, maxMs: 1000 };
const CTX: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set(), enhancedRouteRefresh: true };
const GR_B = { restartTime: 30, notification: true };

/** Speaker A (the subject, active) and a plain Session B (the peer, passive) on one fake clock. */
function setup(opts: Partial<SpeakerOptions> = {}, peerB: Partial<SessionConfig> = {}) {
  const clock = new FakeClock(settleImmediates);
  const pipes: PipeEnd[] = [];
  const received: UpdateMessage[] = [];
  const refreshes: RouteRefreshMessage[] = [];
  const events: BestPathChange[] = [];
  let b!: Session;
  const connect = async (_o: ConnectOptions): Promise<BgpConnection> => {
    const { out, inn } = pipePair(A, B);
    pipes.push(out);
    queueMicrotask(() => b.accept(asConnection(inn)));
    return asConnection(out);
  };
  const speaker = new BgpSpeaker({ asn: AS_A, routerId: A, listen: { port: 0 }, clock, connect, ...opts });
  speaker.on('bestPathChanged', (c) => events.push(...c));
  const newB = (extra: Partial<SessionConfig> = {}): Session => {
    b = new Session({ peerAddress: A, localAs: AS_B, peerAs: AS_A, routerId: B, holdTime: 90, passive: true, ...peerB, ...extra }, { clock, random: NO_JITTER });
    b.on('update', (u) => received.push(u));
    b.on('route-refresh', (m) => refreshes.push(m));
    b.start();
    return b;
  };
  newB();
  const announce = (prefixes: string[], asPath = [AS_B]): void => {
    const attrs = { origin: Origin.IGP, asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: asPath }], nextHop: B };
    for (const m of encodeUpdates(attrs, prefixes.map((p) => parsePrefix(p)), CTX, 'ipv4-unicast')) b.sendUpdate(m);
  };
  return {
    speaker,
    clock,
    pipes,
    received,
    refreshes,
    events,
    get b() {
      return b;
    },
    newB,
    announce,
    eor: () => b.sendUpdate(endOfRib('ipv4-unicast', CTX)),
    prefixesSent: () => received.reduce((n, u) => n + u.nlri.count, 0),
  };
}

const has = (s: BgpSpeaker, prefix: string) => [...s.locRib('ipv4-unicast', { prefix })][0];

describe('BgpSpeaker (in-memory peer, fake clock)', () => {
  it('sends its table and End-of-RIB once Established, and reports learned paths in batches', async () => {
    const t = setup();
    t.speaker.addPeer({ address: B, asn: AS_B, connectRetry: RETRY });
    t.speaker.originate({ prefix: '10.1.0.0/24', communities: ['65001:1'], med: 5 });
    const states: string[] = [];
    t.speaker.on('peerStateChanged', (c) => c.address === B && states.push(c.to));
    await t.speaker.start();
    await t.clock.advance(0);
    assert.equal(t.speaker.neighbor(B)!.state, 'Established');
    assert.deepEqual(states, ['Connect', 'OpenSent', 'OpenConfirm', 'Established']);
    assert.equal(t.prefixesSent(), 1);
    assert.equal(endOfRibFamily(t.received.at(-1)!), 'ipv4-unicast', 'End-of-RIB after the initial table (RFC 4724 §2)');
    t.announce(['10.2.0.0/24', '10.2.1.0/24', '10.2.2.0/24']);
    await t.clock.advance(0);
    assert.equal(t.speaker.locRibSize(), 4);
    const batch = t.events.filter((e) => e.prefix.startsWith('10.2.'));
    assert.equal(batch.length, 3);
    assert.deepEqual(batch[0]!.best?.asPath, [AS_B]);
    assert.equal(t.speaker.neighbor(B)!.prefixes.received, 3);
    assert.equal(t.speaker.neighbor(B)!.prefixes.advertised, 1);
    await t.speaker.stop();
  });

  it('receiving speaker: a GR peer lost without NOTIFICATION keeps its paths stale and best until the restart time', async () => {
    const t = setup({ gracefulRestart: { enabled: true } }, { gracefulRestart: GR_B });
    t.speaker.addPeer({ address: B, asn: AS_B, connectRetry: { initialMs: 120_000, maxMs: 120_000 } });
    await t.speaker.start();
    await t.clock.advance(0);
    t.announce(['10.2.0.0/24', '10.2.1.0/24']);
    await t.clock.advance(0);
    t.pipes.at(-1)!.destroy();
    await t.clock.advance(0);
    assert.notEqual(t.speaker.neighbor(B)!.state, 'Established');
    const r = has(t.speaker, '10.2.0.0/24')!;
    assert.equal(r.paths[0]!.stale, true);
    assert.equal(r.paths[0]!.best, true);
    assert.equal(t.speaker.neighbor(B)!.gracefulRestart.state, 'restarting');
    const withdrawnBefore = t.events.filter((e) => e.withdrawn).length;
    assert.equal(withdrawnBefore, 0, 'nothing withdrawn to the embedder');
    await t.clock.advance(GR_B.restartTime * 1000 - 1);
    assert.ok(has(t.speaker, '10.2.0.0/24'));
    await t.clock.advance(1);
    assert.equal(has(t.speaker, '10.2.0.0/24'), undefined, 'swept when the restart timer expires (RFC 4724 §4.2)');
    assert.equal(t.events.filter((e) => e.withdrawn).length, 2);
    await t.speaker.stop();
  });

  it('receiving speaker: after re-establishment, paths not re-sent before End-of-RIB are swept; re-sent ones are fresh', async () => {
    const t = setup({ gracefulRestart: { enabled: true } }, { gracefulRestart: GR_B });
    t.speaker.addPeer({ address: B, asn: AS_B, connectRetry: RETRY });
    await t.speaker.start();
    await t.clock.advance(0);
    t.announce(['10.2.0.0/24', '10.2.1.0/24']);
    await t.clock.advance(0);
    t.b.abandon('crash');
    await t.clock.advance(0);
    assert.equal(has(t.speaker, '10.2.1.0/24')!.paths[0]!.stale, true);
    // B restarts with the Restart and Forwarding bits, re-sends one path, then End-of-RIB.
    t.newB({ gracefulRestart: { ...GR_B, restartState: true, preserveForwarding: ['ipv4-unicast'] } });
    await t.clock.advance(3000);
    assert.equal(t.speaker.neighbor(B)!.state, 'Established');
    assert.equal(has(t.speaker, '10.2.1.0/24')!.paths[0]!.stale, true, 'kept until End-of-RIB');
    t.announce(['10.2.0.0/24']);
    await t.clock.advance(0);
    assert.equal(has(t.speaker, '10.2.0.0/24')!.paths[0]!.stale, false);
    t.eor();
    await t.clock.advance(0);
    assert.equal(has(t.speaker, '10.2.1.0/24'), undefined);
    assert.ok(has(t.speaker, '10.2.0.0/24'));
    assert.equal(t.speaker.neighbor(B)!.gracefulRestart.staleRoutes, 0);
    await t.speaker.stop();
  });

  it('receiving speaker: a peer back without the Forwarding bit has its stale paths flushed at once', async () => {
    const t = setup({ gracefulRestart: { enabled: true } }, { gracefulRestart: GR_B });
    t.speaker.addPeer({ address: B, asn: AS_B, connectRetry: RETRY });
    await t.speaker.start();
    await t.clock.advance(0);
    t.announce(['10.2.0.0/24']);
    await t.clock.advance(0);
    t.b.abandon('crash');
    await t.clock.advance(0);
    assert.ok(has(t.speaker, '10.2.0.0/24'));
    t.newB();
    await t.clock.advance(3000);
    assert.equal(t.speaker.neighbor(B)!.state, 'Established');
    assert.equal(has(t.speaker, '10.2.0.0/24'), undefined, 'RFC 4724 §4.2: no F bit for the family in the new OPEN');
    await t.speaker.stop();
  });

  it('a NOTIFICATION without the N bit on both sides, or a Hard Reset, flushes at once', async () => {
    for (const peerGr of [{ restartTime: 30, notification: false }, GR_B]) {
      const t = setup({ gracefulRestart: { enabled: true } }, { gracefulRestart: peerGr });
      t.speaker.addPeer({ address: B, asn: AS_B, connectRetry: { initialMs: 120_000, maxMs: 120_000 } });
      await t.speaker.start();
      await t.clock.advance(0);
      t.announce(['10.2.0.0/24']);
      await t.clock.advance(0);
      if (peerGr.notification) t.b.automaticStop({ subcode: 9 });
      else t.b.stop('maintenance');
      await t.clock.advance(0);
      assert.equal(has(t.speaker, '10.2.0.0/24'), undefined, `flushed (peer N bit ${peerGr.notification})`);
      await t.speaker.stop();
    }
  });

  it('a NOTIFICATION other than Hard Reset with the N bit on both sides keeps the paths (RFC 8538 §3)', async () => {
    const t = setup({ gracefulRestart: { enabled: true } }, { gracefulRestart: GR_B });
    t.speaker.addPeer({ address: B, asn: AS_B, connectRetry: { initialMs: 120_000, maxMs: 120_000 } });
    await t.speaker.start();
    await t.clock.advance(0);
    t.announce(['10.2.0.0/24']);
    await t.clock.advance(0);
    t.b.automaticStop({ subcode: 8 }); // Out of Resources
    await t.clock.advance(0);
    assert.equal(has(t.speaker, '10.2.0.0/24')!.paths[0]!.stale, true);
    await t.speaker.stop();
  });

  it('restarting speaker: Restart and Forwarding bits, selection deferred until the peer End-of-RIB, then table + End-of-RIB', async () => {
    const t = setup(
      { gracefulRestart: { enabled: true, restarting: true, deferralTime: 10, preservedFamilies: ['ipv4-unicast'] } },
      { gracefulRestart: GR_B },
    );
    t.speaker.addPeer({ address: B, asn: AS_B, connectRetry: RETRY });
    t.speaker.originate({ prefix: '10.1.0.0/24' });
    await t.speaker.start();
    await t.clock.advance(0);
    const gr = t.b.negotiated!.gracefulRestart.remote!;
    assert.equal(gr.restartState, true);
    assert.deepEqual(gr.families.map((f) => f.forwardingState), [true]);
    assert.equal(t.received.length, 0, 'nothing advertised while deferred (RFC 4724 §4.1)');
    t.announce(['10.2.0.0/24']);
    await t.clock.advance(0);
    assert.equal(t.events.length, 0, 'no best-path events while deferred');
    t.eor();
    await t.clock.advance(0);
    assert.equal(t.prefixesSent(), 1);
    assert.equal(endOfRibFamily(t.received.at(-1)!), 'ipv4-unicast');
    assert.equal(t.events.length, 2);
    await t.speaker.stop();
  });

  it('restarting speaker: the deferral timer releases the table when a peer never sends End-of-RIB', async () => {
    const t = setup({ gracefulRestart: { enabled: true, restarting: true, deferralTime: 10 } }, { gracefulRestart: GR_B });
    t.speaker.addPeer({ address: B, asn: AS_B, connectRetry: RETRY });
    t.speaker.originate({ prefix: '10.1.0.0/24' });
    await t.speaker.start();
    await t.clock.advance(9_999);
    assert.equal(t.received.length, 0);
    await t.clock.advance(1);
    assert.equal(t.prefixesSent(), 1);
    await t.speaker.stop();
  });

  it('graceful stop sends no NOTIFICATION; the next start is a restart', async () => {
    const t = setup({ gracefulRestart: { enabled: true, deferralTime: 10 } }, { gracefulRestart: GR_B });
    t.speaker.addPeer({ address: B, asn: AS_B, connectRetry: RETRY });
    await t.speaker.start();
    await t.clock.advance(0);
    const notifications: number[] = [];
    t.b.on('notification', (_d, n) => notifications.push(n.code));
    await t.speaker.stop({ graceful: true });
    await t.clock.advance(0);
    assert.deepEqual(notifications, []);
    assert.notEqual(t.b.state, 'Established');
    t.newB({ gracefulRestart: GR_B });
    await t.speaker.start();
    await t.clock.advance(0);
    assert.equal(t.b.negotiated!.gracefulRestart.remote!.restartState, true);
    await t.speaker.stop();
  });

  it('updatePeer: unchanged is never reset; hold time applies live; a new password resets with Cease 6/6', async () => {
    const t = setup();
    const cfg = { address: B, asn: AS_B, connectRetry: RETRY };
    t.speaker.addPeer(cfg);
    await t.speaker.start();
    await t.clock.advance(0);
    const cease: number[] = [];
    t.b.on('notification', (_d, n) => cease.push(n.subcode));
    assert.equal(t.speaker.updatePeer({ ...cfg }), 'unchanged');
    assert.equal(t.speaker.updatePeer({ ...cfg, holdTime: 30 }), 'applied');
    assert.equal(t.speaker.updatePeer({ ...cfg, holdTime: 30, maxPrefixes: 100 }), 'applied');
    await t.clock.advance(0);
    assert.deepEqual(cease, []);
    assert.equal(t.speaker.neighbor(B)!.messages.sent.open, 1);
    assert.equal(t.speaker.updatePeer({ ...cfg, holdTime: 30, maxPrefixes: 100, password: 'x' }), 'reset');
    await t.clock.advance(0);
    assert.deepEqual(cease, [6]);
    await t.speaker.stop();
  });

  it('stops generating under backpressure and resumes on writable, while KEEPALIVEs still go out', async () => {
    const t = setup();
    t.speaker.addPeer({ address: B, asn: AS_B, connectRetry: RETRY });
    await t.speaker.start();
    await t.clock.advance(0);
    t.pipes.at(-1)!.congested = true;
    // Distinct MEDs: one attribute set, so one UPDATE, per prefix.
    for (let i = 0; i < 50; i++) t.speaker.originate({ prefix: `10.3.${i}.0/24`, med: i });
    await t.clock.advance(0);
    assert.equal(t.prefixesSent(), 1, 'one UPDATE, then the connection pushed back');
    const ka = t.speaker.neighbor(B)!.messages.sent.keepalive;
    await t.clock.advance(60_000);
    assert.ok(t.speaker.neighbor(B)!.messages.sent.keepalive > ka, 'KEEPALIVEs while blocked');
    assert.equal(t.prefixesSent(), 1);
    t.pipes.at(-1)!.relieve();
    await t.clock.advance(0);
    assert.equal(t.prefixesSent(), 50, 'the rest once writable');
    await t.speaker.stop();
  });

  it('MRAI batches changes: the first goes at once, the next waits for the interval', async () => {
    const t = setup();
    t.speaker.addPeer({ address: B, asn: AS_B, connectRetry: RETRY, mrai: 5 });
    await t.speaker.start();
    await t.clock.advance(0);
    await t.clock.advance(5000); // the initial End-of-RIB was a batch too
    const base = t.received.length;
    t.speaker.originate({ prefix: '10.4.0.0/24' });
    await t.clock.advance(0);
    assert.equal(t.received.length, base + 1);
    t.speaker.originate({ prefix: '10.4.1.0/24' });
    await t.clock.advance(1000);
    t.speaker.originate({ prefix: '10.4.2.0/24' });
    await t.clock.advance(3000);
    assert.equal(t.received.length, base + 1, 'held by MRAI');
    await t.clock.advance(1000);
    assert.equal(t.received.length, base + 2, 'both in one UPDATE (same attributes)');
    assert.equal(t.received.at(-1)!.nlri.count, 2);
    await t.speaker.stop();
  });

  it('answers ROUTE-REFRESH with the Adj-RIB-Out wrapped in BoRR/EoRR (RFC 7313)', async () => {
    const t = setup();
    t.speaker.addPeer({ address: B, asn: AS_B, connectRetry: RETRY });
    t.speaker.originate({ prefix: '10.1.0.0/24' });
    await t.speaker.start();
    await t.clock.advance(0);
    const base = t.received.length;
    const order: string[] = [];
    t.b.on('route-refresh', (m) => order.push(`rr${m.subtype}`));
    t.b.on('update', () => order.push('update'));
    t.b.sendRouteRefresh(1, 1);
    await t.clock.advance(0);
    assert.deepEqual(order, [`rr${RouteRefreshSubtype.BORR}`, 'update', `rr${RouteRefreshSubtype.EORR}`]);
    assert.equal(t.received.length, base + 1);
    assert.equal(t.speaker.neighbor(B)!.messages.received['route-refresh'], 1);
    await t.speaker.stop();
  });

  it('max-prefix: past the limit the session is closed with Cease 6/1 carrying AFI/SAFI and the limit', async () => {
    const t = setup();
    t.speaker.addPeer({ address: B, asn: AS_B, connectRetry: { initialMs: 120_000, maxMs: 120_000 }, maxPrefixes: 2 });
    await t.speaker.start();
    await t.clock.advance(0);
    const got: Array<{ subcode: number; data: string }> = [];
    t.b.on('notification', (d, n) => d === 'received' && got.push({ subcode: n.subcode, data: Buffer.from(n.data).toString('hex') }));
    t.announce(['10.2.0.0/24', '10.2.1.0/24', '10.2.2.0/24']);
    await t.clock.advance(0);
    assert.deepEqual(got, [{ subcode: 1, data: '00010100000002' }]);
    assert.equal(t.speaker.locRibSize(), 0, 'a hard reset: nothing kept');
    await t.speaker.stop();
  });
  it('removePeer: Cease 6/3, its paths withdrawn; queries page the Loc-RIB in address order', async () => {
    const t = setup();
    t.speaker.addPeer({ address: B, asn: AS_B, connectRetry: RETRY });
    await t.speaker.start();
    await t.clock.advance(0);
    t.announce(['10.2.1.0/24', '10.2.0.0/16', '10.2.0.0/24', '9.0.0.0/8']);
    t.speaker.originate({ prefix: '10.1.0.0/24', largeCommunities: ['65001:1:2'] });
    await t.clock.advance(0);
    const all = [...t.speaker.locRib('ipv4-unicast')].map((r) => r.prefix);
    assert.deepEqual(all, ['9.0.0.0/8', '10.1.0.0/24', '10.2.0.0/16', '10.2.0.0/24', '10.2.1.0/24']);
    const page = [...t.speaker.locRib('ipv4-unicast', { after: '10.1.0.0/24', limit: 2 })].map((r) => r.prefix);
    assert.deepEqual(page, ['10.2.0.0/16', '10.2.0.0/24']);
    const out = [...t.speaker.adjRibOut(B)];
    assert.deepEqual(out.map((r) => r.prefix), ['10.1.0.0/24']);
    assert.deepEqual(out[0]!.paths[0]!.asPath, [AS_A], 'as sent: our AS prepended');
    assert.deepEqual(out[0]!.paths[0]!.largeCommunities, ['65001:1:2']);
    const inn = [...t.speaker.adjRibIn(B, 'ipv4-unicast', { prefix: '9.0.0.0/8' })];
    assert.equal(inn.length, 1);
    assert.equal(inn[0]!.paths[0]!.peer, B);
    assert.equal(inn[0]!.paths[0]!.best, true);
    const cease: number[] = [];
    t.b.on('notification', (_d, n) => cease.push(n.subcode));
    assert.equal(t.speaker.removePeer(B), true);
    await t.clock.advance(0);
    assert.deepEqual(cease, [3]);
    assert.deepEqual([...t.speaker.locRib('ipv4-unicast')].map((r) => r.prefix), ['10.1.0.0/24']);
    assert.equal(t.events.filter((e) => e.withdrawn).length, 4);
    assert.equal(t.speaker.neighbor(B), undefined);
    await t.speaker.stop();
  });
  it('setPolicy: an import change re-evaluates Adj-RIB-In (pre-policy) live, with no session reset', async () => {
    const t = setup();
    t.speaker.addPeer({ address: B, asn: AS_B, connectRetry: RETRY });
    await t.speaker.start();
    await t.clock.advance(0);
    t.announce(['10.2.0.0/24', '10.2.1.0/24']);
    await t.clock.advance(0);
    t.speaker.setPolicy({
      definedSets: { prefixSets: { deny: [{ prefix: '10.2.0.0/16', masklenMin: 24, masklenMax: 24 }] } },
      policies: [{ name: 'p', statements: [{ name: 's', conditions: { prefixSet: { name: 'deny' } }, actions: { route: 'reject' } }] }],
      import: { policies: ['p'], defaultAction: 'accept' },
    });
    await t.clock.advance(0);
    assert.equal(t.speaker.locRibSize(), 0);
    assert.equal(t.events.filter((e) => e.withdrawn).length, 2);
    assert.deepEqual(t.speaker.neighbor(B)!.prefixes, { received: 2, accepted: 0, advertised: 0 });
    t.speaker.setPolicy({});
    await t.clock.advance(0);
    assert.equal(t.speaker.locRibSize(), 2, 'accepted again from the kept pre-policy paths');
    assert.equal(t.speaker.neighbor(B)!.messages.sent.open, 1);
    await t.speaker.stop();
  });
  it('with the N bit on both sides, removePeer and max-prefix send a Hard Reset wrapping the Cease (RFC 8538 §5)', async () => {
    const t = setup({ gracefulRestart: { enabled: true } }, { gracefulRestart: GR_B });
    t.speaker.addPeer({ address: B, asn: AS_B, connectRetry: { initialMs: 120_000, maxMs: 120_000 }, maxPrefixes: 1 });
    await t.speaker.start();
    await t.clock.advance(0);
    const got: string[] = [];
    t.b.on('notification', (d, n) => d === 'received' && got.push(`${n.code}/${n.subcode}:${Buffer.from(n.data).toString('hex')}`));
    t.announce(['10.2.0.0/24', '10.2.1.0/24']);
    await t.clock.advance(0);
    assert.deepEqual(got, ['6/9:060100010100000001']);
    assert.equal(t.speaker.locRibSize(), 0);
    await t.clock.advance(125_000);
    assert.equal(t.speaker.neighbor(B)!.state, 'Established', 'back after the retry');
    t.speaker.removePeer(B);
    await t.clock.advance(0);
    assert.deepEqual(got.at(-1), '6/9:0603');
    await t.speaker.stop();
  });
});
