import assert from 'node:assert/strict';
import {
  renderGobgpdToml,
  requireGobgpd,
  requireNetns,
  startGobgpd,
  TestkitError,
  useLab,
  waitFor,
  type GobgpdNeighborConfig,
} from '../src/index.js';

describe('renderGobgpdToml', () => {
  it('renders global and neighbor sections with gobgpd key names', () => {
    const toml = renderGobgpdToml({
      asn: 65001,
      routerId: '10.0.0.1',
      port: 1790,
      listenAddresses: ['10.0.0.1', 'fd00::1'],
      neighbors: [{ address: 'fd00::2', asn: 65002, password: 'a"b\\c', passive: true }],
      extra: '[zebra.config]\n  enabled = false',
    });
    assert.match(toml, /^\[global\.config\]\n {2}as = 65001\n {2}router-id = "10\.0\.0\.1"\n {2}port = 1790\n {2}local-address-list = \["10\.0\.0\.1", "fd00::1"\]\n/);
    assert.match(toml, /auth-password = "a\\"b\\\\c"/);
    assert.match(toml, /passive-mode = true/);
    assert.match(toml, /afi-safi-name = "ipv6-unicast"/, 'family defaults to the neighbor address family');
    assert.match(toml, /connect-retry = 5\n/, 'gobgpd\'s minimum connect retry by default, not 120 s');
    assert.ok(toml.trimEnd().endsWith('[zebra.config]\n  enabled = false'));
  });

  it('maps GTSM hops to ttl-min = 256 - hops (RFC 5082 §3)', () => {
    const toml = renderGobgpdToml({ asn: 1, routerId: '1.1.1.1', neighbors: [{ address: '10.0.0.2', asn: 2, ttlSecurityHops: 2 }] });
    assert.match(toml, /\[neighbors\.ttl-security\.config\]\n {4}enabled = true\n {4}ttl-min = 254\n/);
  });

  it('refuses ebgp-multihop together with ttl-security, as gobgpd does', () => {
    assert.throws(
      () => renderGobgpdToml({ asn: 1, routerId: '1.1.1.1', neighbors: [{ address: '10.0.0.2', asn: 2, ttlSecurityHops: 1, ebgpMultihopTtl: 2 }] }),
      TestkitError,
    );
  });
});

/** Every modelled option, checked against what gobgpd 3.10 itself reports after loading the generated config. */
describe('gobgpd applies every generated config option', function () {
  this.timeout(60_000);
  before(() => {
    requireNetns();
    requireGobgpd();
  });
  const lab = useLab('gobgpd-config');

  it('neighbors() shows passive, RR client, GR/LLGR, families, multihop, remote port, timers, password, GTSM, local address', async () => {
    const ns = await lab().netns('r');
    const neighbors: GobgpdNeighborConfig[] = [
      {
        address: '10.6.0.2',
        asn: 65000,
        passive: true,
        routeReflectorClient: { clusterId: '10.6.0.1' },
        gracefulRestart: { restartTime: 45, deferralTime: 200, longLived: true, longLivedStaleTime: 77 },
        families: ['ipv4-unicast', 'ipv6-unicast'],
      },
      { address: '10.6.0.3', asn: 65003, ebgpMultihopTtl: 3, remotePort: 1179, holdTime: 30, keepalive: 10, connectRetry: 7, password: 'x"y\\z' },
      { address: '10.6.0.4', asn: 65004, ttlSecurityHops: 1, localAddress: '127.0.0.1' },
    ];
    const g = await startGobgpd(ns, { asn: 65000, routerId: '10.6.0.1', port: 1790, listenAddresses: ['127.0.0.1'], neighbors }, { apiPort: 50052 });
    const global = JSON.parse(await g.cli('global', '-j')) as { listen_port: number; listen_addresses: string[] };
    assert.equal(global.listen_port, 1790);
    assert.deepEqual(global.listen_addresses, ['127.0.0.1']);

    // gobgpd lists neighbors in no particular order.
    const all = await g.neighbors();
    const [rr, multihop, gtsm] = ['10.6.0.2', '10.6.0.3', '10.6.0.4'].map((a) => all.find((n) => n.address === a));
    assert.ok(rr && multihop && gtsm, JSON.stringify(all.map((n) => n.address)));
    assert.equal(rr.connectRetry, 5, 'default connect retry');
    assert.equal(rr.passive, true);
    assert.equal(rr.routeReflectorClient, true);
    assert.equal(rr.clusterId, '10.6.0.1');
    assert.deepEqual(rr.gracefulRestart, { restartTime: 45, deferralTime: 200, longLived: true });
    assert.deepEqual(rr.families, ['ipv4-unicast', 'ipv6-unicast']);
    const llgr = (rr.raw.afi_safis as Array<{ long_lived_graceful_restart: { config: unknown } }>).map((a) => a.long_lived_graceful_restart.config);
    assert.deepEqual(llgr, [{ enabled: true, restart_time: 77 }, { enabled: true, restart_time: 77 }]);

    assert.equal(multihop.ebgpMultihopTtl, 3);
    assert.equal(multihop.remotePort, 1179);
    assert.deepEqual([multihop.holdTime, multihop.keepalive, multihop.connectRetry], [30, 10, 7]);
    assert.equal(multihop.password, 'x"y\\z');
    assert.equal(multihop.passive, false);

    assert.equal(gtsm.ttlMin, 255);
    assert.equal(gtsm.localAddress, '127.0.0.1');
    assert.equal(gtsm.ebgpMultihopTtl, undefined);
  });
});

describe('gobgpd features over real sessions', function () {
  this.timeout(90_000);
  before(() => {
    requireNetns();
    requireGobgpd();
  });
  const lab = useLab('gobgpd-features');

  it('route reflection with passive reflector and GTSM: a client\'s route reaches the other client with ORIGINATOR_ID and CLUSTER_LIST', async () => {
    const [rrNs, c1Ns, c2Ns] = [await lab().netns('rr'), await lab().netns('c1'), await lab().netns('c2')];
    await lab().veth(rrNs, c1Ns, { aAddrs: ['10.7.1.1/24'], bAddrs: ['10.7.1.2/24'] });
    await lab().veth(rrNs, c2Ns, { aAddrs: ['10.7.2.1/24'], bAddrs: ['10.7.2.2/24'] });
    const AS = 65100;
    const client = (address: string): GobgpdNeighborConfig => ({ address, asn: AS, passive: true, ttlSecurityHops: 1, routeReflectorClient: { clusterId: '10.7.0.1' } });
    const [, c1, c2] = await Promise.all([
      startGobgpd(rrNs, { asn: AS, routerId: '10.7.0.1', neighbors: [client('10.7.1.2'), client('10.7.2.2')] }),
      startGobgpd(c1Ns, { asn: AS, routerId: '10.7.1.2', neighbors: [{ address: '10.7.1.1', asn: AS, ttlSecurityHops: 1 }] }),
      startGobgpd(c2Ns, { asn: AS, routerId: '10.7.2.2', neighbors: [{ address: '10.7.2.1', asn: AS, ttlSecurityHops: 1 }] }),
    ]);
    await Promise.all([c1.waitForState('10.7.1.1'), c2.waitForState('10.7.2.1')]);
    await c1.addRoute('10.70.0.0/24', { nextHop: '10.7.1.2' });
    const r = await c2.waitForRoute('10.70.0.0/24');
    // RFC 4456 §8: the reflector adds ORIGINATOR_ID (the originator's router id) and prepends its CLUSTER_ID.
    assert.equal(r.originatorId, '10.7.1.2');
    assert.deepEqual(r.clusterList, ['10.7.0.1']);
    assert.equal(r.localPref, 100);
    assert.deepEqual(r.asPath, []);
  });

  it('graceful restart: after the peer is SIGKILLed its routes stay, marked stale', async () => {
    const [aNs, bNs] = [await lab().netns('gr-a'), await lab().netns('gr-b')];
    await lab().veth(aNs, bNs, { aAddrs: ['10.8.0.1/24'], bAddrs: ['10.8.0.2/24'] });
    const gr = { restartTime: 60 };
    const [a, b] = await Promise.all([
      startGobgpd(aNs, { asn: 65201, routerId: '10.8.0.1', neighbors: [{ address: '10.8.0.2', asn: 65202, gracefulRestart: gr }] }),
      startGobgpd(bNs, { asn: 65202, routerId: '10.8.0.2', neighbors: [{ address: '10.8.0.1', asn: 65201, gracefulRestart: gr }] }),
    ]);
    await a.addRoute('10.80.0.0/24', { nextHop: '10.8.0.1' });
    const before = await waitFor(async () => (await b.rib('ipv4')).find((x) => x.prefix === '10.80.0.0/24'), { what: 'route at b', timeoutMs: 30_000 });
    assert.equal(before.stale, false);
    const n = (await b.neighbors())[0];
    assert.ok(n?.raw && JSON.stringify(n.raw).includes('GracefulRestartCapability'), 'GR capability negotiated');

    await a.stop('SIGKILL'); // a crash, not a Cease: RFC 4724 §4.2 says the receiver keeps the routes as stale
    const after = await b.waitForRoute('10.80.0.0/24', { accept: (r) => r.stale });
    assert.equal(after.nextHop, '10.8.0.1');
  });
});
