// Real kernel: routes (v4, v6, multipath, table 77 and > 255, rules) programmed through Rtnl inside a namespace this
// test creates, checked against iproute2's own view (`ip -j`) and our decoder.
import assert from 'node:assert/strict';
import { AF_INET, AF_INET6, NetlinkError, RT_SCOPE_UNIVERSE, RTN_UNICAST, Rtnl } from '../src/index.js';
import { TestNetns, addVethPair } from './netlink-helpers.js';

const PROTO = 17;
const TABLE = 77;

interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string | number;
  table?: string;
  metric?: number;
  prefsrc?: string;
  flags?: string[];
  nexthops?: { gateway: string; dev: string; weight: number; flags: string[] }[];
}

describe('netlink: routes in a real kernel', function () {
  this.timeout(30_000);
  let ns: TestNetns;
  let peer: TestNetns;
  let rtnl: Rtnl;
  let veth0: number;

  before(() => {
    ns = TestNetns.create('rt');
    peer = TestNetns.create('rtp');
    ({ veth0 } = addVethPair(ns, peer));
    rtnl = Rtnl.open({ netns: ns.name });
  });

  after(() => {
    rtnl?.close();
    ns?.delete();
    peer?.delete();
  });

  it('adds, dumps and deletes an IPv4 route via a neighbour', async () => {
    await rtnl.addRoute({ dst: '10.244.3.0/24', gateway: '10.0.0.3', oif: veth0, protocol: PROTO });
    const [seen] = ns.ipJson<IpRoute[]>('route', 'show', '10.244.3.0/24');
    assert.equal(seen?.gateway, '10.0.0.3');
    assert.equal(seen?.dev, 'veth0');
    assert.equal(String(seen?.protocol), '17');

    const ours = await rtnl.listRoutes({ family: AF_INET, protocol: PROTO });
    assert.deepEqual(
      ours.map((r) => [r.dst, r.gateway, r.oif, r.table, r.type, r.scope]),
      [['10.244.3.0/24', '10.0.0.3', veth0, 254, RTN_UNICAST, RT_SCOPE_UNIVERSE]],
    );

    await rtnl.deleteRoute({ dst: '10.244.3.0/24', protocol: PROTO });
    assert.deepEqual(ns.ipJson('route', 'show', '10.244.3.0/24'), []);
    assert.equal((await rtnl.listRoutes({ protocol: PROTO })).length, 0);
  });

  it('adds, dumps and deletes an IPv6 route via a neighbour, with metric and MTU', async () => {
    await rtnl.addRoute({ dst: 'fd00:244:3::/64', gateway: 'fd00::3', oif: veth0, protocol: PROTO, priority: 50, mtu: 1400 });
    const [seen] = ns.ipJson<IpRoute[]>('-6', 'route', 'show', 'fd00:244:3::/64');
    assert.equal(seen?.gateway, 'fd00::3');
    assert.equal(seen?.metric, 50);
    const [ours] = await rtnl.listRoutes({ family: AF_INET6, protocol: PROTO });
    assert.equal(ours?.dst, 'fd00:244:3::/64');
    assert.equal(ours?.gateway, 'fd00::3');
    assert.equal(ours?.priority, 50);
    assert.equal(ours?.mtu, 1400);
    assert.equal(ours?.family, AF_INET6);
    await rtnl.deleteRoute({ dst: 'fd00:244:3::/64', protocol: PROTO });
    assert.deepEqual(ns.ipJson('-6', 'route', 'show', 'fd00:244:3::/64'), []);
  });

  it('adds a multipath (ECMP) route with weights and reads its next hops back', async () => {
    peer.ip('addr', 'add', '10.0.0.4/24', 'dev', 'veth1');
    await rtnl.addRoute({
      dst: '10.244.6.0/24',
      protocol: PROTO,
      multipath: [
        { gateway: '10.0.0.3', ifindex: veth0, weight: 1 },
        { gateway: '10.0.0.4', ifindex: veth0, weight: 3 },
      ],
    });
    const [seen] = ns.ipJson<IpRoute[]>('route', 'show', '10.244.6.0/24');
    assert.deepEqual(
      seen?.nexthops?.map((h) => [h.gateway, h.dev, h.weight]),
      [
        ['10.0.0.3', 'veth0', 1],
        ['10.0.0.4', 'veth0', 3],
      ],
    );
    const [ours] = await rtnl.listRoutes({ family: AF_INET, protocol: PROTO });
    assert.deepEqual(
      ours?.multipath?.map((h) => [h.gateway, h.ifindex, h.weight]),
      [
        ['10.0.0.3', veth0, 1],
        ['10.0.0.4', veth0, 3],
      ],
    );
    await rtnl.deleteRoute({ dst: '10.244.6.0/24', protocol: PROTO });
    assert.deepEqual(ns.ipJson('route', 'show', '10.244.6.0/24'), []);
  });

  it('adds an IPv6 multipath route', async () => {
    peer.ip('-6', 'addr', 'add', 'fd00::4/64', 'dev', 'veth1', 'nodad');
    await rtnl.addRoute({
      dst: 'fd00:244:6::/64',
      protocol: PROTO,
      multipath: [
        { gateway: 'fd00::3', ifindex: veth0 },
        { gateway: 'fd00::4', ifindex: veth0 },
      ],
    });
    const [ours] = await rtnl.listRoutes({ family: AF_INET6, protocol: PROTO });
    assert.deepEqual(ours?.multipath?.map((h) => h.gateway), ['fd00::3', 'fd00::4']);
    await rtnl.deleteRoute({ dst: 'fd00:244:6::/64', protocol: PROTO });
    assert.equal((await rtnl.listRoutes({ family: AF_INET6, protocol: PROTO })).length, 0);
  });

  it('puts a tunnel-style host route in table 77 with a source address, and a rule from the pod CIDR to it', async () => {
    await rtnl.addRoute({ dst: '10.244.9.1/32', table: TABLE, gateway: '10.0.0.3', oif: veth0, prefsrc: '10.0.0.1', protocol: PROTO });
    await rtnl.addRule({ from: '10.244.0.0/24', table: TABLE, priority: 1000 });

    const [seen] = ns.ipJson<IpRoute[]>('route', 'show', 'table', String(TABLE));
    assert.equal(seen?.dst, '10.244.9.1');
    assert.equal(seen?.prefsrc, '10.0.0.1');
    assert.equal(ns.ipJson<IpRoute[]>('route', 'show', '10.244.9.1').length, 0, 'not in main');
    const ipRules = ns.ipJson<{ priority: number; src: string; srclen: number; table: string }[]>('rule', 'show');
    assert.ok(ipRules.some((r) => r.priority === 1000 && r.src === '10.244.0.0' && r.srclen === 24 && r.table === String(TABLE)));

    const [route] = await rtnl.listRoutes({ table: TABLE });
    assert.equal(route?.dst, '10.244.9.1/32');
    assert.equal(route?.prefsrc, '10.0.0.1');
    const rules = (await rtnl.listRules(AF_INET)).filter((r) => r.table === TABLE);
    assert.deepEqual(
      rules.map((r) => [r.from, r.priority]),
      [['10.244.0.0/24', 1000]],
    );
    // The kernel resolves a lookup through the rule: a packet from the pod CIDR to 10.244.9.1 uses table 77.
    ns.ip('addr', 'add', '10.244.0.1/32', 'dev', 'lo');
    const get = ns.ip('route', 'get', '10.244.9.1', 'from', '10.244.0.1');
    assert.match(get, /table 77/);

    // From any other source the main table applies, which has no route there.
    assert.throws(() => ns.ip('route', 'get', '10.244.9.1', 'from', '10.0.0.1'), /Network is unreachable/);
    await rtnl.deleteRule({ from: '10.244.0.0/24', table: TABLE, priority: 1000 });
    await rtnl.deleteRoute({ dst: '10.244.9.1/32', table: TABLE });
    assert.equal((await rtnl.listRules(AF_INET)).filter((r) => r.table === TABLE).length, 0);
    assert.equal((await rtnl.listRoutes({ table: TABLE })).length, 0);
  });

  it('handles a table id above 255 (RTA_TABLE) for routes and rules, and IPv6 rules', async () => {
    await rtnl.addRoute({ dst: '10.244.5.0/24', table: 1000, gateway: '10.0.0.3', oif: veth0, protocol: PROTO });
    await rtnl.addRule({ from: 'fd00:244::/64', table: 1000 });
    assert.equal(ns.ipJson<IpRoute[]>('route', 'show', 'table', '1000')[0]?.dst, '10.244.5.0/24');
    assert.equal((await rtnl.listRoutes({ table: 1000 }))[0]?.dst, '10.244.5.0/24');
    const [rule] = (await rtnl.listRules(AF_INET6)).filter((r) => r.table === 1000);
    assert.equal(rule?.from, 'fd00:244::/64');
    await rtnl.deleteRule({ from: 'fd00:244::/64', table: 1000 });
    await rtnl.deleteRoute({ dst: '10.244.5.0/24', table: 1000 });
    assert.equal((await rtnl.listRoutes({ table: 1000 })).length, 0);
  });

  it('replaces a route in place (one route, new gateway)', async () => {
    peer.ip('addr', 'replace', '10.0.0.5/24', 'dev', 'veth1');
    await rtnl.addRoute({ dst: '10.244.7.0/24', gateway: '10.0.0.3', oif: veth0, protocol: PROTO });
    await rtnl.replaceRoute({ dst: '10.244.7.0/24', gateway: '10.0.0.5', oif: veth0, protocol: PROTO });
    const routes = await rtnl.listRoutes({ family: AF_INET, protocol: PROTO });
    assert.deepEqual(routes.map((r) => [r.dst, r.gateway]), [['10.244.7.0/24', '10.0.0.5']]);
    await rtnl.deleteRoute({ dst: '10.244.7.0/24', protocol: PROTO });
  });

  it('names the operation, the object and the errno in kernel errors, with the extended-ACK text', async () => {
    const err = await rtnl.addRoute({ dst: '10.244.3.0/24', gateway: '10.9.0.3', protocol: PROTO }).then(
      () => assert.fail('route via an unreachable gateway was accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof NetlinkError);
    assert.equal(err.code, 'ENETUNREACH');
    assert.equal(err.errno, 101);
    assert.equal(err.operation, 'add route 10.244.3.0/24 via 10.9.0.3');
    assert.ok(err.message.startsWith('add route 10.244.3.0/24 via 10.9.0.3: Network is unreachable (ENETUNREACH)'), err.message);
    assert.equal(err.kernelMessage, 'Nexthop has invalid gateway');

    await assert.rejects(rtnl.deleteRoute({ dst: '10.250.0.0/16', table: TABLE }), (e: unknown) => {
      assert.ok(e instanceof NetlinkError);
      assert.equal(e.code, 'ESRCH');
      assert.match(e.message, /^delete route 10\.250\.0\.0\/16 table 77: No such process \(ESRCH\)/);
      return true;
    });

    await rtnl.addRoute({ dst: '10.244.3.0/24', gateway: '10.0.0.3', oif: veth0, protocol: PROTO });
    await assert.rejects(rtnl.addRoute({ dst: '10.244.3.0/24', gateway: '10.0.0.3', oif: veth0, protocol: PROTO }), /File exists \(EEXIST\)/);
    await rtnl.deleteRoute({ dst: '10.244.3.0/24' });
  });
});
