// eBGP multihop and GTSM (RFC 5082) sessions against gobgpd, in namespaces with a router between the peers.
import assert from 'node:assert/strict';
import { requireGobgpd, startGobgpd, useLab, type Gobgpd, type Netns } from '@kroute/testkit';
import type { Session } from '../src/session/index.js';
import { connectPeer } from '../src/transport/index.js';
import { kernelCounter } from './kernel-counter.js';
import { speakerIn, waitForState, type Speaker } from './session-helpers.js';

const US_AS = 65001;
const GO_AS = 65002;
/** How long a session that cannot come up is watched before concluding it does not. */
const NEVER_MS = 8_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('session TTL: eBGP multihop through a router', function () {
  this.timeout(120_000);
  const lab = useLab('sess-mhop');
  const US = '10.90.1.1';
  const RT_US = '10.90.1.254';
  const RT_GO = '10.90.2.254';
  const GO = '10.90.2.2';
  let speaker: Speaker;
  let gobgpd: Gobgpd;
  let rt: Netns;
  let session: Session;

  before(async () => {
    requireGobgpd();
    const us = await lab().netns('us');
    rt = await lab().netns('rt');
    const go = await lab().netns('go');
    await lab().veth(us, rt, { aAddrs: [`${US}/24`], bAddrs: [`${RT_US}/24`] });
    await lab().veth(rt, go, { aAddrs: [`${RT_GO}/24`], bAddrs: [`${GO}/24`] });
    await rt.sysctl('net.ipv4.ip_forward', '1');
    await us.ip('route', 'add', 'default', 'via', RT_US);
    await go.ip('route', 'add', 'default', 'via', RT_GO);
    speaker = await speakerIn(us.name);
    // gobgpd only listens, with multihop TTL 2 itself, so whether the session comes up depends on our TTL alone.
    gobgpd = await startGobgpd(go, {
      asn: GO_AS,
      routerId: GO,
      neighbors: [{ address: US, asn: US_AS, passive: true, ebgpMultihopTtl: 2, localAddress: GO }],
    });
    session = speaker.add({
      peerAddress: GO,
      localAddress: US,
      localAs: US_AS,
      peerAs: GO_AS,
      routerId: US,
      holdTime: 9,
      connectRetry: { initialMs: 1000, maxMs: 2000 },
    });
  });

  after(async () => {
    await speaker?.close();
  });

  it('with the default eBGP TTL 1 the peer two hops away is never reached (the router drops our SYNs)', async () => {
    const exceeded = await kernelCounter(rt, 'IcmpOutTimeExcds');
    session.start();
    await sleep(NEVER_MS);
    assert.notEqual(session.state, 'Established');
    assert.equal(session.messages.received.open, 0);
    assert.ok((await kernelCounter(rt, 'IcmpOutTimeExcds')) > exceeded, 'the router sent ICMP time exceeded for our packets');
    assert.notEqual(await gobgpd.neighborState(US), 'established');
  });

  it('multihopTtl: 2 (applied live, no restart) brings it up', async () => {
    assert.equal(session.updateConfig({ multihopTtl: 2 }), 'applied');
    await waitForState(session, 'Established', 60_000);
    await gobgpd.waitForState(US, 'established');
    assert.equal(session.connection?.readTtl().ttl, 2);
  });
});

describe('session TTL: GTSM (ttl-security) against gobgpd', function () {
  this.timeout(120_000);
  const lab = useLab('sess-gtsm');
  const US = '10.91.0.1';
  const GO = '10.91.0.2';
  const CLIENT = '10.91.0.3';
  let speaker: Speaker;
  let gobgpd: Gobgpd;
  let us: Netns;
  let cl: Netns;

  before(async () => {
    requireGobgpd();
    us = await lab().netns('us');
    const go = await lab().netns('go');
    cl = await lab().netns('cl');
    // A bridge-less triangle: two veths from us (one to gobgpd, one to the raw client).
    await lab().veth(us, go, { aAddrs: [`${US}/32`], bAddrs: [`${GO}/32`] });
    await lab().veth(us, cl, { aAddrs: [`${US}/32`], bAddrs: [`${CLIENT}/32`] });
    await us.ip('route', 'add', GO, 'dev', 'eth0');
    await us.ip('route', 'add', CLIENT, 'dev', 'eth1');
    await go.ip('route', 'add', US, 'dev', 'eth0');
    await cl.ip('route', 'add', US, 'dev', 'eth0');
    speaker = await speakerIn(us.name);
    gobgpd = await startGobgpd(go, { asn: GO_AS, routerId: GO, neighbors: [{ address: US, asn: US_AS, ttlSecurityHops: 1, localAddress: GO }] });
  });

  after(async () => {
    await speaker?.close();
  });

  it('ttl-security on both sides comes up, sending TTL 255 with a minimum of 255', async () => {
    const s = speaker.add({ peerAddress: GO, localAddress: US, localAs: US_AS, peerAs: GO_AS, routerId: US, holdTime: 9, ttlSecurity: 1 });
    s.start();
    await waitForState(s, 'Established', 60_000);
    await gobgpd.waitForState(US, 'established');
    assert.deepEqual(s.connection?.readTtl(), { ttl: 255, minTtl: 255 });
  });

  it('a peer sending with a lower TTL is dropped by the kernel (TcpExtTCPMinTTLDrop)', async () => {
    const s = speaker.add({ peerAddress: CLIENT, localAs: US_AS, peerAs: GO_AS, routerId: US, passive: true, ttlSecurity: 1 });
    s.start();
    const drops = await kernelCounter(us, 'TcpExtTCPMinTTLDrop');
    // The client sends with TTL 64: one hop away it arrives with 64, far below GTSM's 255.
    await assert.rejects(connectPeer({ host: US, localAddress: CLIENT, netns: cl.name, ttl: 64, timeoutMs: 3000 }));
    assert.ok((await kernelCounter(us, 'TcpExtTCPMinTTLDrop')) > drops, 'the kernel dropped the SYNs');
    assert.equal(s.connectionCount, 0);
    assert.equal(s.state, 'Active');
  });
});
