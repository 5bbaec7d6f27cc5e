// Sessions against gobgpd 3.10 in network namespaces: Established over IPv4 and IPv6 with kroute active and
// passive (both sides' state asserted), UPDATEs received, and administrative shutdown with RFC 9003 communications
// both ways.
import assert from 'node:assert/strict';
import { requireGobgpd, startGobgpd, useLab, waitFor, type Gobgpd } from '@kroute/testkit';
import type { Session } from '../src/session/index.js';
import type { UpdateMessage } from '../src/wire/types.js';
import { speakerIn, waitForState, type Speaker } from './session-helpers.js';

const US_AS = 65001;
const GO_AS = 65002;
const HOLD = 9;

/** Each case is its own neighbor pair on both sides (the listener tells peers apart by address). */
const CASES = [
  { name: 'IPv4, kroute active', us: '10.85.0.1', go: '10.85.0.2', krouteActive: true },
  { name: 'IPv4, kroute passive', us: '10.85.0.3', go: '10.85.0.4', krouteActive: false },
  { name: 'IPv6, kroute active', us: 'fd85::1', go: 'fd85::2', krouteActive: true },
  { name: 'IPv6, kroute passive', us: 'fd85::3', go: 'fd85::4', krouteActive: false },
] as const;

const prefixLen = (a: string): string => (a.includes(':') ? '64' : '24');

describe('session: against gobgpd (IPv4/IPv6, active/passive, UPDATEs, RFC 9003)', function () {
  this.timeout(120_000);
  const lab = useLab('sess-gobgp');
  let speaker: Speaker;
  let gobgpd: Gobgpd;
  const sessions = new Map<string, Session>();

  before(async () => {
    requireGobgpd();
    const us = await lab().netns('us');
    const go = await lab().netns('go');
    await lab().veth(us, go, {
      aAddrs: CASES.map((c) => `${c.us}/${prefixLen(c.us)}`),
      bAddrs: CASES.map((c) => `${c.go}/${prefixLen(c.go)}`),
    });
    speaker = await speakerIn(us.name);
    for (const c of CASES) {
      const s = speaker.add({
        peerAddress: c.go,
        localAddress: c.us,
        localAs: US_AS,
        peerAs: GO_AS,
        routerId: '10.85.0.1',
        holdTime: HOLD,
        passive: !c.krouteActive,
        connectRetry: { initialMs: 1000, maxMs: 5000 },
      });
      sessions.set(c.name, s);
      s.start();
    }
    gobgpd = await startGobgpd(go, {
      asn: GO_AS,
      routerId: '10.85.0.2',
      neighbors: CASES.map((c) => ({ address: c.us, asn: US_AS, passive: c.krouteActive, localAddress: c.go })),
    });
  });

  after(async () => {
    await speaker?.close();
  });

  for (const c of CASES) {
    it(`${c.name}: Established on both sides`, async () => {
      const s = sessions.get(c.name)!;
      await waitForState(s, 'Established', 60_000);
      await gobgpd.waitForState(c.us, 'established');
      const n = s.negotiated!;
      assert.equal(n.peerAs, GO_AS);
      assert.equal(n.holdTime, HOLD, 'min(ours 9, gobgpd 90)');
      assert.deepEqual(n.families, [c.us.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast']);
      assert.equal(n.fourOctetAs, true);
      assert.equal(n.routeRefresh, true);
      assert.equal(s.connection?.info.direction, c.krouteActive ? 'outbound' : 'inbound');
      assert.equal(s.messages.sent.open, 1);
      assert.equal(s.messages.received.open, 1);
      assert.ok(s.messages.received.keepalive >= 1);
      assert.ok(s.uptimeMs >= 0);
      assert.equal(s.connectionCount, 1, 'exactly one TCP connection');
    });
  }

  it('delivers gobgpd UPDATEs as decoded UpdateMessages (IPv4 NLRI and IPv6 MP_REACH)', async () => {
    const v4 = sessions.get('IPv4, kroute active')!;
    const v6 = sessions.get('IPv6, kroute active')!;
    const got4: UpdateMessage[] = [];
    const got6: UpdateMessage[] = [];
    v4.on('update', (u) => got4.push(u));
    v6.on('update', (u) => got6.push(u));
    await gobgpd.addRoute('10.201.0.0/24');
    await gobgpd.addRoute('2001:db8:201::/48');
    await waitFor(() => got4.some((u) => u.nlri.count === 1) || undefined, { what: 'IPv4 UPDATE from gobgpd' });
    await waitFor(() => got6.some((u) => u.mpReach?.nlri.count === 1) || undefined, { what: 'IPv6 UPDATE from gobgpd' });
    const u4 = got4.find((u) => u.nlri.count === 1)!;
    assert.equal(u4.attributes.nextHop, '10.85.0.2');
    assert.deepEqual(u4.attributes.asPath?.[0]?.asns, [GO_AS]);
    assert.equal(got6.find((u) => u.mpReach)!.mpReach!.nextHop, 'fd85::2');
    assert.ok(v4.messages.received.update >= 1);
  });

  it('administrative shutdown: gobgpd logs our RFC 9003 text', async () => {
    const s = sessions.get('IPv4, kroute passive')!;
    const text = 'kroute maintenance: back in 5 minutes';
    s.stop(text);
    assert.equal(s.state, 'Idle');
    assert.equal(s.lastError.sent?.code, 6);
    assert.equal(s.lastError.sent?.subcode, 2);
    assert.equal(s.lastError.sent?.communication, text);
    await waitFor(() => gobgpd.log().includes(text) || undefined, { what: 'gobgpd logging our shutdown communication' });
    await gobgpd.waitForState('10.85.0.3', 'active');
    s.start();
    await waitForState(s, 'Established', 60_000);
  });

  it('administrative shutdown: we log and expose gobgpd RFC 9003 text, then come back', async () => {
    const s = sessions.get('IPv6, kroute active')!;
    const text = 'gobgpd going down for maintenance';
    await waitForState(s, 'Established', 60_000);
    await gobgpd.cli('neighbor', 'fd85::1', 'shutdown', '--reason', text);
    await waitFor(() => (s.lastError.received?.communication === text ? true : undefined), {
      what: 'our session receiving the communication',
    }).catch((e: Error) => {
      throw new Error(`${e.message}; lastError ${JSON.stringify(s.lastError)}; log ${speaker.logs.slice(-5).join(' | ')}`);
    });
    assert.equal(s.lastError.received?.code, 6);
    assert.equal(s.lastError.received?.subcode, 2);
    assert.ok(speaker.logs.some((l) => l.includes(text) && l.includes('received NOTIFICATION')), 'logged');
    assert.notEqual(s.state, 'Established');
    await gobgpd.cli('neighbor', 'fd85::1', 'enable');
    await waitForState(s, 'Established', 60_000);
  });
});
