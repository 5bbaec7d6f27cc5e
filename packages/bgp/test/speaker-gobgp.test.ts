// BgpSpeaker against two gobgpd 3.10 in network namespaces (kroute AS 65001 between go1 AS 65002 and go2 AS 65003):
// IPv4 and IPv6 routes both ways with withdrawal, eBGP attribute rewriting as gobgpd's RIB shows it, live export
// policy, soft reset in both directions, ECMP across two neighbours, and max-prefix (Cease 6/1).
import assert from 'node:assert/strict';
import { requireGobgpd, requireNetns, startGobgpd, useLab, waitFor, type Gobgpd } from '@kroute/testkit';
import { BgpSpeaker } from '../src/speaker/index.js';
import { AttrType } from '../src/wire/constants.js';
import {
  BestPathLog,
  FAST_RETRY,
  gobgpRoute,
  waitForEstablished,
  waitForGobgpNoRoute,
  waitForNoRoute,
  waitForRoute,
} from './speaker-helpers.js';

const US = { asn: 65001, v4a: '10.91.1.1', v6a: 'fd91:1::1', v4b: '10.91.2.1' };
const GO1 = { asn: 65002, v4: '10.91.1.2', v6: 'fd91:1::2' };
const GO2 = { asn: 65003, v4: '10.91.2.2' };

describe('speaker: against gobgpd (routes both ways, eBGP rewriting, policy, soft reset, max-prefix)', function () {
  this.timeout(120_000);
  const lab = useLab('spk-gobgp');
  let speaker: BgpSpeaker;
  let go1: Gobgpd;
  let go2: Gobgpd;
  let events: BestPathLog;

  before(async () => {
    requireNetns();
    requireGobgpd();
    const us = await lab().netns('us');
    const n1 = await lab().netns('go1');
    const n2 = await lab().netns('go2');
    await lab().veth(us, n1, { aAddrs: [`${US.v4a}/24`, `${US.v6a}/64`], bAddrs: [`${GO1.v4}/24`, `${GO1.v6}/64`] });
    await lab().veth(us, n2, { aAddrs: [`${US.v4b}/24`], bAddrs: [`${GO2.v4}/24`] });
    go1 = await startGobgpd(n1, {
      asn: GO1.asn,
      routerId: GO1.v4,
      neighbors: [
        { address: US.v4a, asn: US.asn, passive: true },
        { address: US.v6a, asn: US.asn, passive: true },
      ],
    });
    go2 = await startGobgpd(n2, { asn: GO2.asn, routerId: GO2.v4, neighbors: [{ address: US.v4b, asn: US.asn, passive: true }] });
    speaker = new BgpSpeaker({ asn: US.asn, routerId: US.v4a, netns: us.name, listen: { addresses: ['::'], port: 179 } });
    events = new BestPathLog(speaker);
    speaker.addPeer({ address: GO1.v4, asn: GO1.asn, localAddress: US.v4a, holdTime: 9, connectRetry: FAST_RETRY });
    speaker.addPeer({ address: GO1.v6, asn: GO1.asn, localAddress: US.v6a, holdTime: 9, connectRetry: FAST_RETRY });
    speaker.addPeer({ address: GO2.v4, asn: GO2.asn, localAddress: US.v4b, holdTime: 9, connectRetry: FAST_RETRY });
    await speaker.start();
  });

  after(async () => {
    await speaker?.stop();
  });

  it('brings every session up on both sides, and neighbors() describes them', async () => {
    for (const a of [GO1.v4, GO1.v6, GO2.v4]) await waitForEstablished(speaker, a);
    await go1.waitForState(US.v4a);
    await go1.waitForState(US.v6a);
    await go2.waitForState(US.v4b);
    const n = speaker.neighbor(GO1.v6)!;
    assert.equal(n.type, 'external');
    assert.equal(n.asn, GO1.asn);
    assert.equal(n.localAddress, US.v6a);
    assert.equal(n.holdTime, 9);
    assert.equal(n.keepaliveInterval, 3);
    assert.deepEqual(n.families, ['ipv6-unicast']);
    assert.ok(n.capabilities.includes('route-refresh'), JSON.stringify(n.capabilities));
    assert.equal(n.messages.received.open, 1);
  });

  it('sends originated IPv4 and IPv6 paths with eBGP rewriting (AS prepended, next hop self, no LOCAL_PREF)', async () => {
    speaker.originate({
      prefix: '10.100.0.0/24',
      nextHop: '10.91.9.9',
      communities: ['65001:100'],
      largeCommunities: ['65001:1:2'],
      med: 7,
      localPref: 300,
    });
    speaker.originate({ prefix: 'fd00:100::/64', communities: ['65001:600'] });
    const v4 = await go1.waitForRoute('10.100.0.0/24');
    assert.deepEqual(v4.asPath, [US.asn]);
    assert.equal(v4.nextHop, US.v4a, 'RFC 4271 §5.1.3: next hop self towards an external peer');
    assert.equal(v4.med, 7, 'our own MED is sent');
    assert.ok(!v4.attributeTypes.includes(AttrType.LOCAL_PREF), `no LOCAL_PREF to eBGP: ${v4.attributeTypes}`);
    assert.deepEqual(v4.communities, ['65001:100']);
    assert.deepEqual(v4.largeCommunities, ['65001:1:2']);
    const v6 = await go1.waitForRoute('fd00:100::/64', { family: 'ipv6' });
    assert.deepEqual(v6.asPath, [US.asn]);
    assert.equal(v6.nextHop, US.v6a);
    assert.deepEqual(v6.communities, ['65001:600']);
    // The IPv4-only session with go2 gets the IPv4 path only.
    await go2.waitForRoute('10.100.0.0/24');
    assert.equal((await go2.rib('ipv6')).length, 0);
    assert.equal([...speaker.adjRibOut(GO1.v4)].length, 1);
  });

  it('learns gobgpd paths (IPv4 and IPv6), reports them in batches, and passes them on with MED stripped', async () => {
    await go1.addRoute('10.200.0.0/24', { nextHop: GO1.v4, med: 50, communities: ['65002:1'] });
    await go1.addRoute('fd00:200::/64', { nextHop: GO1.v6 });
    const r = await waitForRoute(speaker, '10.200.0.0/24');
    const p = r.paths[0]!;
    assert.equal(p.best, true);
    assert.equal(p.peer, GO1.v4);
    assert.deepEqual(p.asPath, [GO1.asn]);
    assert.equal(p.med, 50);
    assert.equal(p.nextHop, GO1.v4);
    assert.deepEqual(p.communities, ['65002:1']);
    const r6 = await waitForRoute(speaker, 'fd00:200::/64');
    assert.equal(r6.paths[0]!.nextHop, GO1.v6);
    await waitFor(() => events.last('10.200.0.0/24'), { what: 'bestPathChanged for 10.200.0.0/24' });
    const ev = events.last('10.200.0.0/24')!;
    assert.equal(ev.withdrawn, false);
    assert.equal(ev.family, 'ipv4-unicast');
    assert.equal(ev.best?.peer, GO1.v4);
    assert.equal(ev.ecmp.length, 1);
    const onward = await go2.waitForRoute('10.200.0.0/24');
    assert.deepEqual(onward.asPath, [US.asn, GO1.asn]);
    assert.equal(onward.nextHop, US.v4b);
    assert.equal(onward.med, undefined, 'RFC 4271 §5.1.4: a MED from another AS is not passed on');
    assert.deepEqual(onward.communities, ['65002:1']);
    // Never back to the AS it came from (go1 would drop it as a loop anyway).
    const back = (await go1.adjIn(US.v4a)).filter((x) => x.prefix === '10.200.0.0/24');
    assert.equal(back.length, 0);
  });

  it('withdraws both ways', async () => {
    assert.equal(speaker.withdraw('10.100.0.0/24'), true);
    await waitForGobgpNoRoute(go1, '10.100.0.0/24');
    await waitForGobgpNoRoute(go2, '10.100.0.0/24');
    await go1.delRoute('10.200.0.0/24');
    await go1.delRoute('fd00:200::/64');
    await waitForNoRoute(speaker, '10.200.0.0/24');
    await waitForNoRoute(speaker, 'fd00:200::/64');
    await waitFor(() => events.last('10.200.0.0/24')?.withdrawn || undefined, { what: 'withdrawn event' });
    assert.equal(events.last('10.200.0.0/24')!.best, null);
    await waitForGobgpNoRoute(go2, '10.200.0.0/24');
    assert.equal(speaker.withdraw('10.100.0.0/24'), false);
  });

  it('applies an export policy change live: only the difference is sent, no session reset', async () => {
    speaker.originate({ prefix: '10.101.0.0/24' });
    speaker.originate({ prefix: '10.102.0.0/24' });
    await go1.waitForRoute('10.101.0.0/24');
    await go1.waitForRoute('10.102.0.0/24');
    const before = speaker.neighbor(GO1.v4)!;
    speaker.setPolicy({
      definedSets: { prefixSets: { hidden: [{ prefix: '10.101.0.0/24' }] }, neighborSets: { go1: [GO1.v4] } },
      policies: [{ name: 'hide', statements: [{ name: 's1', conditions: { prefixSet: { name: 'hidden' }, neighborSet: { name: 'go1' } }, actions: { route: 'reject' } }] }],
      export: { policies: ['hide'], defaultAction: 'accept' },
    });
    await waitForGobgpNoRoute(go1, '10.101.0.0/24');
    assert.ok(await gobgpRoute(go1, '10.102.0.0/24'));
    assert.ok(await gobgpRoute(go2, '10.101.0.0/24'), 'go2 is not in the neighbor set');
    const after = speaker.neighbor(GO1.v4)!;
    assert.equal(after.state, 'Established');
    assert.equal(after.messages.sent.open, before.messages.sent.open, 'no new session');
    assert.equal(after.messages.sent.update - before.messages.sent.update, 1, 'one UPDATE: the withdrawal');
    speaker.setPolicy({});
    await go1.waitForRoute('10.101.0.0/24');
  });

  it('soft reset in both directions: gobgpd softresetin/softresetout and ours (ROUTE-REFRESH), no session reset', async () => {
    await go1.addRoute('10.201.0.0/24', { nextHop: GO1.v4 });
    await waitForRoute(speaker, '10.201.0.0/24');
    const before = speaker.neighbor(GO1.v4)!;
    // gobgpd re-applies its import policy locally (GoBGP keeps its Adj-RIB-In): our routes stay.
    await go1.cli('neighbor', US.v4a, 'softresetin');
    assert.ok(await gobgpRoute(go1, '10.102.0.0/24'));
    // gobgpd re-sends its table to us.
    await go1.cli('neighbor', US.v4a, 'softresetout');
    await waitFor(() => speaker.neighbor(GO1.v4)!.messages.received.update > before.messages.received.update || undefined, { what: 'gobgpd re-sends (softresetout)' });
    assert.ok(await waitForRoute(speaker, '10.201.0.0/24'));
    // Ours, inbound: a ROUTE-REFRESH (RFC 2918) makes gobgpd re-send.
    const mid = speaker.neighbor(GO1.v4)!;
    speaker.softReset(GO1.v4, 'in');
    assert.equal(speaker.neighbor(GO1.v4)!.messages.sent['route-refresh'], mid.messages.sent['route-refresh'] + 1);
    await waitFor(() => speaker.neighbor(GO1.v4)!.messages.received.update > mid.messages.received.update || undefined, { what: 'gobgpd re-sends on our ROUTE-REFRESH' });
    assert.ok(await waitForRoute(speaker, '10.201.0.0/24'));
    // Ours, outbound: the Adj-RIB-Out is sent again.
    const mid2 = speaker.neighbor(GO1.v4)!;
    speaker.softReset(GO1.v4, 'out');
    await waitFor(() => speaker.neighbor(GO1.v4)!.messages.sent.update > mid2.messages.sent.update || undefined, { what: 'our table re-sent' });
    assert.ok(await gobgpRoute(go1, '10.102.0.0/24'));
    const after = speaker.neighbor(GO1.v4)!;
    assert.equal(after.messages.sent.open, before.messages.sent.open, 'no session reset');
    assert.equal(after.state, 'Established');
  });

  it('exposes equal paths from two neighbours as one ECMP set (multipath), in the RIB and the event', async () => {
    await go1.addRoute('10.220.0.0/24', { nextHop: GO1.v4 });
    await go2.addRoute('10.220.0.0/24', { nextHop: GO2.v4 });
    const r = await waitForRoute(speaker, '10.220.0.0/24', (x) => x.paths.length === 2);
    assert.equal(r.paths[0]!.best, true);
    const ev = await waitFor(() => {
      const e = events.last('10.220.0.0/24');
      return e !== undefined && e.ecmp.length === 2 ? e : undefined;
    }, { what: 'an ECMP event with two paths' });
    assert.deepEqual(ev.ecmp.map((p) => p.nextHop).sort(), [GO1.v4, GO2.v4]);
    assert.equal(ev.best?.nextHop, ev.ecmp[0]!.nextHop);
    await go2.delRoute('10.220.0.0/24');
    await waitFor(() => (events.last('10.220.0.0/24')?.ecmp.length === 1 ? true : undefined), { what: 'ECMP set shrinks to one' });
    assert.equal(events.last('10.220.0.0/24')!.withdrawn, false);
  });

  it('closes the session with Cease 6/1 past maxPrefixes (applied live, without a reset first)', async () => {
    assert.equal(speaker.updatePeer({ address: GO2.v4, asn: GO2.asn, localAddress: US.v4b, holdTime: 9, connectRetry: FAST_RETRY, maxPrefixes: 2 }), 'applied');
    assert.equal(speaker.neighbor(GO2.v4)!.state, 'Established');
    for (const p of ['10.210.0.0/24', '10.210.1.0/24', '10.210.2.0/24']) await go2.addRoute(p, { nextHop: GO2.v4 });
    await waitFor(() => speaker.neighbor(GO2.v4)!.lastError?.includes('sent NOTIFICATION 6/1') || undefined, {
      what: 'Cease 6/1 sent',
      timeoutMs: 30_000,
    });
    assert.equal(speaker.updatePeer({ address: GO2.v4, asn: GO2.asn, localAddress: US.v4b, holdTime: 9, connectRetry: FAST_RETRY, maxPrefixes: 2 }), 'unchanged');
    // Raised limit: the session comes back and the routes are accepted.
    speaker.updatePeer({ address: GO2.v4, asn: GO2.asn, localAddress: US.v4b, holdTime: 9, connectRetry: FAST_RETRY, maxPrefixes: 10 });
    await waitForRoute(speaker, '10.210.2.0/24', undefined, 60_000);
  });
});
