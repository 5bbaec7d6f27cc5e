import assert from 'node:assert/strict';
import { GobgpdError, requireGobgpd, requireNetns, startGobgpd, useLab, waitFor, type Gobgpd, type GobgpRoute } from '../src/index.js';
import { pidAlive } from './helpers.js';

const AS_A = 65001;
const AS_B = 65002;
/** Short timers, so sessions come up and notice drops within seconds. */
const FAST = { holdTime: 9, keepalive: 3 };

async function routeIn(g: Gobgpd, family: 'ipv4' | 'ipv6', prefix: string): Promise<GobgpRoute> {
  return waitFor(async () => (await g.rib(family)).find((r) => r.prefix === prefix), {
    what: `${prefix} in ${g.ns.label}'s ${family} RIB`,
    timeoutMs: 15_000,
  });
}

describe('gobgpd peers in namespaces', function () {
  this.timeout(90_000);
  before(() => {
    requireNetns();
    requireGobgpd();
  });
  const lab = useLab('gobgpd');
  let a: Gobgpd;
  let b: Gobgpd;

  before(async () => {
    const nsA = await lab().netns('a');
    const nsB = await lab().netns('b');
    await lab().veth(nsA, nsB, { aAddrs: ['10.4.0.1/24', 'fd04::1/64'], bAddrs: ['10.4.0.2/24', 'fd04::2/64'] });
    [a, b] = await Promise.all([
      startGobgpd(nsA, {
        asn: AS_A,
        routerId: '10.4.0.1',
        neighbors: [
          { address: '10.4.0.2', asn: AS_B, password: 's3cret', localAddress: '10.4.0.1', ...FAST },
          { address: 'fd04::2', asn: AS_B, families: ['ipv6-unicast'], password: 'v6-key', ...FAST },
        ],
      }),
      startGobgpd(nsB, {
        asn: AS_B,
        routerId: '10.4.0.2',
        neighbors: [
          { address: '10.4.0.1', asn: AS_A, password: 's3cret', localAddress: '10.4.0.2', ...FAST },
          { address: 'fd04::1', asn: AS_A, families: ['ipv6-unicast'], password: 'v6-key', ...FAST },
        ],
      }),
    ]);
  });

  it('establishes MD5-signed IPv4 and IPv6 sessions', async () => {
    await a.waitForState('10.4.0.2');
    await a.waitForState('fd04::2');
    await b.waitForState('10.4.0.1');
    const n = (await b.neighbors()).find((x) => x.address === '10.4.0.1');
    assert.ok(n);
    assert.equal(n.asn, AS_A);
    assert.equal(n.password, 's3cret');
    assert.equal(n.routerId, '10.4.0.1');
    assert.equal(n.negotiatedHoldTime, FAST.holdTime);
    assert.deepEqual(n.families, ['ipv4-unicast']);
    assert.deepEqual((await b.neighbors()).find((x) => x.address === 'fd04::1')?.families, ['ipv6-unicast']);
    // The kernel holds an RFC 2385 key on the session's socket: the signature is really on the wire, not just configured.
    const sockets = (await a.ns.exec('ss', ['-tni', 'state', 'established'])).stdout;
    assert.match(sockets, /md5keys:10\.4\.0\.2\/32/);
    assert.match(sockets, /md5keys:fd04::2\/128/);
  });

  it('exchanges an IPv4 route with its attributes, seen through rib() and adjIn()', async () => {
    await a.addRoute('10.40.0.0/24', { nextHop: '10.4.0.1', communities: ['65001:100', '65001:200'], med: 50, asPath: [65100], origin: 'igp' });
    const r = await routeIn(b, 'ipv4', '10.40.0.0/24');
    assert.equal(r.nextHop, '10.4.0.1');
    assert.deepEqual(r.asPath, [AS_A, 65100]);
    assert.deepEqual(r.communities, ['65001:100', '65001:200']);
    assert.equal(r.med, 50);
    assert.equal(r.origin, 'igp');
    assert.equal(r.best, true);
    assert.equal(r.stale, false);
    assert.equal(r.neighbor, '10.4.0.1');
    const adj = await b.adjIn('10.4.0.1', 'ipv4');
    assert.deepEqual(adj.map((x) => x.prefix), ['10.40.0.0/24']);
    const local = (await a.rib('ipv4')).find((x) => x.prefix === '10.40.0.0/24');
    assert.equal(local?.neighbor, undefined, 'locally originated');
  });

  it('exchanges an IPv6 route over the IPv6 session', async () => {
    await b.addRoute('fd40::/64', { nextHop: 'fd04::2', localPref: 300 });
    const r = await a.waitForRoute('fd40::/64');
    assert.equal(r.nextHop, 'fd04::2');
    assert.deepEqual(r.asPath, [AS_B]);
    assert.equal(r.neighbor, 'fd04::2');
    assert.equal((await a.rib('ipv4')).some((x) => x.prefix === 'fd40::/64'), false);
  });

  it('withdraws a route with delRoute()', async () => {
    await a.addRoute('10.41.0.0/24');
    await routeIn(b, 'ipv4', '10.41.0.0/24');
    await a.delRoute('10.41.0.0/24');
    await waitFor(async () => !(await b.rib('ipv4')).some((r) => r.prefix === '10.41.0.0/24'), { what: '10.41.0.0/24 withdrawn' });
  });

  it('stop() takes the session down and the peer notices', async () => {
    await a.stop();
    assert.equal(pidAlive(a.process.pid), false);
    await waitFor(async () => (await b.neighborState('10.4.0.1')) !== 'established', { what: 'b sees the session drop' });
    assert.match(a.log(), /Peer Up/);
    await assert.rejects(a.cli('neighbor'), GobgpdError, 'the CLI fails once gobgpd is gone');
  });
});

describe('startGobgpd failures', function () {
  this.timeout(30_000);
  before(() => {
    requireNetns();
    requireGobgpd();
  });
  const lab = useLab('gobgpd-fail');

  it('fails at once with the log tail when gobgpd rejects its config', async () => {
    const ns = await lab().netns('bad');
    const started = Date.now();
    await assert.rejects(startGobgpd(ns, { asn: 65001, routerId: 'not-an-address', neighbors: [] }), (err: unknown) => {
      assert.ok(err instanceof GobgpdError);
      assert.match(err.message, /did not start: gobgpd exited/);
      assert.match(err.message, /gobgpd log tail/);
      assert.match(err.message, /router-id/i);
      return true;
    });
    assert.ok(Date.now() - started < 10_000, 'did not wait for the readiness timeout');
  });

  it('cli() errors carry gobgp\'s message', async () => {
    const ns = await lab().netns('ok');
    const g = await startGobgpd(ns, { asn: 65001, routerId: '10.5.0.1', port: -1, neighbors: [] });
    await assert.rejects(g.cli('neighbor', '10.99.99.99'), (err: unknown) => err instanceof GobgpdError && /10\.99\.99\.99/.test(err.message));
  });

  it('waitForState() times out naming the session and the state it was stuck in', async () => {
    const ns = await lab().netns('lonely');
    const g = await startGobgpd(ns, { asn: 65001, routerId: '10.5.0.2', neighbors: [{ address: '10.55.0.1', asn: 65002 }] });
    await assert.rejects(g.waitForState('10.55.0.1', 'established', 1_500), (err: unknown) => {
      assert.ok(err instanceof GobgpdError);
      assert.match(err.message, /waiting for lonely: session with 10\.55\.0\.1 established; its state was (idle|connect|active)/);
      assert.match(err.message, /gobgpd log tail/);
      return true;
    });
  });
});
