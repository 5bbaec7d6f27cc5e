// Route reflection (RFC 4456) on one LAN, all AS 65000: kroute RR (cluster 1.1.1.1) with gobgpd clients c1 and c2
// and a kroute client kc. c2 is itself a reflector (cluster 2.2.2.2) with kc as its client, so kc hears reflected
// paths twice, and its own path comes back to it with its ORIGINATOR_ID: that loop is refused (RFC 4456 §8).
import assert from 'node:assert/strict';
import { requireGobgpd, requireNetns, startGobgpd, useLab, waitFor, type Gobgpd } from '@kroute/testkit';
import { BgpSpeaker } from '../src/speaker/index.js';
import { FAST_RETRY, route, waitForEstablished, waitForRoute } from './speaker-helpers.js';

const AS = 65000;
const RR = '10.93.0.1';
const C1 = '10.93.0.2';
const C2 = '10.93.0.3';
const KC = '10.93.0.4';
const CLUSTER = '1.1.1.1';
/**
 * kc's router ID is below c2's: gobgpd sends paths it reflects to non-clients without ORIGINATOR_ID, so rr compares
 * kc's own path with c2's copy by peer router ID (RFC 4456 §9) and must prefer kc's.
 */
const KC_ID = '1.0.0.4';

describe('speaker: route reflection (kroute RR, gobgpd clients, a kroute client)', function () {
  this.timeout(120_000);
  const lab = useLab('spk-rr');
  let rr: BgpSpeaker;
  let kc: BgpSpeaker;
  let c1: Gobgpd;
  let c2: Gobgpd;

  before(async () => {
    requireNetns();
    requireGobgpd();
    const nsRr = await lab().netns('rr');
    const nsC1 = await lab().netns('c1');
    const nsC2 = await lab().netns('c2');
    const nsKc = await lab().netns('kc');
    await lab().lan('sw', [
      { ns: nsRr, addrs: [`${RR}/24`] },
      { ns: nsC1, addrs: [`${C1}/24`] },
      { ns: nsC2, addrs: [`${C2}/24`] },
      { ns: nsKc, addrs: [`${KC}/24`] },
    ]);
    c1 = await startGobgpd(nsC1, { asn: AS, routerId: C1, neighbors: [{ address: RR, asn: AS, passive: true }] });
    c2 = await startGobgpd(nsC2, {
      asn: AS,
      routerId: C2,
      neighbors: [
        { address: RR, asn: AS, passive: true },
        { address: KC, asn: AS, passive: true, routeReflectorClient: { clusterId: '2.2.2.2' } },
      ],
    });
    rr = new BgpSpeaker({ asn: AS, routerId: RR, clusterId: CLUSTER, netns: nsRr.name, listen: { addresses: ['::'], port: 179 } });
    for (const a of [C1, C2, KC]) rr.addPeer({ address: a, asn: AS, routeReflectorClient: true, connectRetry: FAST_RETRY });
    kc = new BgpSpeaker({ asn: AS, routerId: KC_ID, netns: nsKc.name, listen: { addresses: ['::'], port: 179 } });
    kc.addPeer({ address: RR, asn: AS, passive: true });
    kc.addPeer({ address: C2, asn: AS, connectRetry: FAST_RETRY });
    await kc.start();
    await rr.start();
    for (const a of [C1, C2, KC]) await waitForEstablished(rr, a);
    await waitForEstablished(kc, C2);
  });

  after(async () => {
    await rr?.stop();
    await kc?.stop();
  });

  it('reflects a gobgpd client path to the other clients with ORIGINATOR_ID and CLUSTER_LIST, next hop kept', async () => {
    await c1.addRoute('10.130.0.0/24', { nextHop: C1 });
    const atC2 = await c2.waitForRoute('10.130.0.0/24', { accept: (r) => r.neighbor === RR });
    assert.equal(atC2.originatorId, C1);
    assert.deepEqual(atC2.clusterList, [CLUSTER]);
    assert.equal(atC2.nextHop, C1, 'RFC 4456 §10: a reflector does not change the next hop');
    assert.deepEqual(atC2.asPath, []);
    // The kroute client hears it from the RR (cluster list 1) and from c2 (cluster list 2): the RR path wins.
    const atKc = await waitForRoute(kc, '10.130.0.0/24', (r) => r.paths.length === 2);
    assert.equal(atKc.paths[0]!.peer, RR, JSON.stringify(atKc));
    assert.equal(atKc.paths[0]!.nextHop, C1);
    assert.equal(atKc.paths[0]!.localPref, 100);
  });

  it('reflects the kroute client path to gobgpd clients, and refuses it when it comes back (ORIGINATOR_ID loop)', async () => {
    // kc does not tell c2 itself, so c2's only path is the one rr reflected: c2 reflects it on to its client kc.
    kc.setPolicy({
      definedSets: { prefixSets: { own: [{ prefix: '10.131.0.0/24' }] }, neighborSets: { c2: [C2] } },
      policies: [{ name: 'not-to-c2', statements: [{ name: 's', conditions: { prefixSet: { name: 'own' }, neighborSet: { name: 'c2' } }, actions: { route: 'reject' } }] }],
      export: { policies: ['not-to-c2'], defaultAction: 'accept' },
    });
    kc.originate({ prefix: '10.131.0.0/24', communities: ['65000:131'] });
    const atC1 = await c1.waitForRoute('10.131.0.0/24');
    assert.equal(atC1.originatorId, KC_ID);
    assert.deepEqual(atC1.clusterList, [CLUSTER]);
    assert.equal(atC1.nextHop, KC, 'next hop self on the originating client');
    assert.deepEqual(atC1.communities, ['65000:131']);
    const atC2 = await c2.waitForRoute('10.131.0.0/24');
    assert.equal(atC2.neighbor, RR);
    // c2 reflects it back to kc (its client): kc holds it in Adj-RIB-In, never accepted.
    await waitFor(() => [...kc.adjRibIn(C2, 'ipv4-unicast', { prefix: '10.131.0.0/24' })][0], { what: 'kc hears its own path from c2' });
    const r = route(kc, '10.131.0.0/24')!;
    assert.equal(r.paths.length, 1, JSON.stringify(r));
    assert.equal(r.paths[0]!.peer, 'local');
    assert.equal(kc.neighbor(C2)!.prefixes.received - kc.neighbor(C2)!.prefixes.accepted, 1, 'the looped path is refused');
  });

  it('a non-client path goes to clients only, never to another non-client (RR-client flag changed live)', async () => {
    for (const a of [C1, C2]) {
      assert.equal(rr.updatePeer({ address: a, asn: AS, routeReflectorClient: false, connectRetry: FAST_RETRY }), 'applied', 'no reset');
    }
    await c1.addRoute('10.132.0.0/24', { nextHop: C1 });
    const atKc = await waitForRoute(kc, '10.132.0.0/24');
    assert.equal(atKc.paths[0]!.peer, RR);
    // kc is no reflector: it does not pass an iBGP path on to c2 either (RFC 4271 §9.2.1 split horizon).
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await c2.rib()).some((r) => r.prefix === '10.132.0.0/24'), false, 'non-client to non-client is not reflected');
    assert.equal(rr.neighbor(C1)!.state, 'Established');
    assert.equal(rr.neighbor(C1)!.messages.sent.open, 1);
  });
});
