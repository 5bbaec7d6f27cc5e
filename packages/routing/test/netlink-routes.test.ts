// Real kernel: routes (v4, v6, multipath, table 77 and > 255, rules) programmed through Rtnl inside a namespace this
// test creates, checked against iproute2's own view (`ip -j`) and our decoder.
import assert from 'node:assert/strict';
import { AF_INET, AF_INET6, NetlinkError, RT_SCOPE_UNIVERSE, RTN_UNICAST } from '../src/index.js';
import { useVethNetns } from './netlink-helpers.js';

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
  const net = useVethNetns('rt');

  it('adds, dumps and deletes an IPv4 route via a neighbour', async () => {
    await net.rtnl.addRoute({ dst: '10.244.3.0/24', gateway: '10.0.0.3', oif: net.veth0, protocol: PROTO });
    const [seen] = net.ns.ipJson<IpRoute[]>('route', 'show', '10.244.3.0/24');
    assert.equal(seen?.gateway, '10.0.0.3');
    assert.equal(seen?.dev, 'veth0');
    assert.equal(String(seen?.protocol), '17');

    const ours = await net.rtnl.listRoutes({ family: AF_INET, protocol: PROTO });
    assert.deepEqual(
      ours.map((r) => [r.dst, r.gateway, r.oif, r.table, r.type, r.scope]),
      [['10.244.3.0/24', '10.0.0.3', net.veth0, 254, RTN_UNICAST, RT_SCOPE_UNIVERSE]],
    );

    await net.rtnl.deleteRoute({ dst: '10.244.3.0/24', protocol: PROTO });
    assert.deepEqual(net.ns.ipJson('route', 'show', '10.244.3.0/24'), []);
    assert.equal((await net.rtnl.listRoutes({ protocol: PROTO })).length, 0);
  });

  it('adds, dumps and deletes an IPv6 route via a neighbour, with metric and MTU', async () => {
    await net.rtnl.addRoute({ dst: 'fd00:244:3::/64', gateway: 'fd00::3', oif: net.veth0, protocol: PROTO, priority: 50, mtu: 1400 });
    const [seen] = net.ns.ipJson<IpRoute[]>('-6', 'route', 'show', 'fd00:244:3::/64');
    assert.equal(seen?.gateway, 'fd00::3');
    assert.equal(seen?.metric, 50);
    const [ours] = await net.rtnl.listRoutes({ family: AF_INET6, protocol: PROTO });
    assert.equal(ours?.dst, 'fd00:244:3::/64');
    assert.equal(ours?.gateway, 'fd00::3');
    assert.equal(ours?.priority, 50);
    assert.equal(ours?.mtu, 1400);
    assert.equal(ours?.family, AF_INET6);
    await net.rtnl.deleteRoute({ dst: 'fd00:244:3::/64', protocol: PROTO });
    assert.deepEqual(net.ns.ipJson('-6', 'route', 'show', 'fd00:244:3::/64'), []);
  });

  it('adds a multipath (ECMP) route with weights and reads its next hops back', async () => {
    net.peer.ip('addr', 'add', '10.0.0.4/24', 'dev', 'veth1');
    await net.rtnl.addRoute({
      dst: '10.244.6.0/24',
      protocol: PROTO,
      multipath: [
        { gateway: '10.0.0.3', ifindex: net.veth0, weight: 1 },
        { gateway: '10.0.0.4', ifindex: net.veth0, weight: 3 },
      ],
    });
    const [seen] = net.ns.ipJson<IpRoute[]>('route', 'show', '10.244.6.0/24');
    assert.deepEqual(
      seen?.nexthops?.map((h) => [h.gateway, h.dev, h.weight]),
      [
        ['10.0.0.3', 'veth0', 1],
        ['10.0.0.4', 'veth0', 3],
      ],
    );
    const [ours] = await net.rtnl.listRoutes({ family: AF_INET, protocol: PROTO });
    assert.deepEqual(
      ours?.multipath?.map((h) => [h.gateway, h.ifindex, h.weight]),
      [
        ['10.0.0.3', net.veth0, 1],
        ['10.0.0.4', net.veth0, 3],
      ],
    );
    await net.rtnl.deleteRoute({ dst: '10.244.6.0/24', protocol: PROTO });
    assert.deepEqual(net.ns.ipJson('route', 'show', '10.244.6.0/24'), []);
  });

  it('adds an IPv6 multipath route', async () => {
    net.peer.ip('-6', 'addr', 'add', 'fd00::4/64', 'dev', 'veth1', 'nodad');
    await net.rtnl.addRoute({
      dst: 'fd00:244:6::/64',
      protocol: PROTO,
      multipath: [
        { gateway: 'fd00::3', ifindex: net.veth0 },
        { gateway: 'fd00::4', ifindex: net.veth0 },
      ],
    });
    const [ours] = await net.rtnl.listRoutes({ family: AF_INET6, protocol: PROTO });
    assert.deepEqual(ours?.multipath?.map((h) => h.gateway), ['fd00::3', 'fd00::4']);
    await net.rtnl.deleteRoute({ dst: 'fd00:244:6::/64', protocol: PROTO });
    assert.equal((await net.rtnl.listRoutes({ family: AF_INET6, protocol: PROTO })).length, 0);
  });

  it('puts a tunnel-style host route in table 77 with a source address, and a rule from the pod CIDR to it', async () => {
    await net.rtnl.addRoute({ dst: '10.244.9.1/32', table: TABLE, gateway: '10.0.0.3', oif: net.veth0, prefsrc: '10.0.0.1', protocol: PROTO });
    await net.rtnl.addRule({ from: '10.244.0.0/24', table: TABLE, priority: 1000 });

    const [seen] = net.ns.ipJson<IpRoute[]>('route', 'show', 'table', String(TABLE));
    assert.equal(seen?.dst, '10.244.9.1');
    assert.equal(seen?.prefsrc, '10.0.0.1');
    assert.equal(net.ns.ipJson<IpRoute[]>('route', 'show', '10.244.9.1').length, 0, 'not in main');
    const ipRules = net.ns.ipJson<{ priority: number; src: string; srclen: number; table: string }[]>('rule', 'show');
    assert.ok(ipRules.some((r) => r.priority === 1000 && r.src === '10.244.0.0' && r.srclen === 24 && r.table === String(TABLE)));

    const [route] = await net.rtnl.listRoutes({ table: TABLE });
    assert.equal(route?.dst, '10.244.9.1/32');
    assert.equal(route?.prefsrc, '10.0.0.1');
    const rules = (await net.rtnl.listRules(AF_INET)).filter((r) => r.table === TABLE);
    assert.deepEqual(
      rules.map((r) => [r.from, r.priority]),
      [['10.244.0.0/24', 1000]],
    );
    // The kernel resolves a lookup through the rule: a packet from the pod CIDR to 10.244.9.1 uses table 77.
    net.ns.ip('addr', 'add', '10.244.0.1/32', 'dev', 'lo');
    const get = net.ns.ip('route', 'get', '10.244.9.1', 'from', '10.244.0.1');
    assert.match(get, /table 77/);

    // From any other source the main table applies, which has no route there.
    assert.throws(() => net.ns.ip('route', 'get', '10.244.9.1', 'from', '10.0.0.1'), /Network is unreachable/);
    await net.rtnl.deleteRule({ from: '10.244.0.0/24', table: TABLE, priority: 1000 });
    await net.rtnl.deleteRoute({ dst: '10.244.9.1/32', table: TABLE });
    assert.equal((await net.rtnl.listRules(AF_INET)).filter((r) => r.table === TABLE).length, 0);
    assert.equal((await net.rtnl.listRoutes({ table: TABLE })).length, 0);
  });

  it('handles a table id above 255 (RTA_TABLE) for routes and rules, and IPv6 rules', async () => {
    await net.rtnl.addRoute({ dst: '10.244.5.0/24', table: 1000, gateway: '10.0.0.3', oif: net.veth0, protocol: PROTO });
    await net.rtnl.addRule({ from: 'fd00:244::/64', table: 1000 });
    assert.equal(net.ns.ipJson<IpRoute[]>('route', 'show', 'table', '1000')[0]?.dst, '10.244.5.0/24');
    assert.equal((await net.rtnl.listRoutes({ table: 1000 }))[0]?.dst, '10.244.5.0/24');
    const [rule] = (await net.rtnl.listRules(AF_INET6)).filter((r) => r.table === 1000);
    assert.equal(rule?.from, 'fd00:244::/64');
    await net.rtnl.deleteRule({ from: 'fd00:244::/64', table: 1000 });
    await net.rtnl.deleteRoute({ dst: '10.244.5.0/24', table: 1000 });
    assert.equal((await net.rtnl.listRoutes({ table: 1000 })).length, 0);
  });

  it('replaces a route in place (one route, new gateway)', async () => {
    net.peer.ip('addr', 'replace', '10.0.0.5/24', 'dev', 'veth1');
    await net.rtnl.addRoute({ dst: '10.244.7.0/24', gateway: '10.0.0.3', oif: net.veth0, protocol: PROTO });
    await net.rtnl.replaceRoute({ dst: '10.244.7.0/24', gateway: '10.0.0.5', oif: net.veth0, protocol: PROTO });
    const routes = await net.rtnl.listRoutes({ family: AF_INET, protocol: PROTO });
    assert.deepEqual(routes.map((r) => [r.dst, r.gateway]), [['10.244.7.0/24', '10.0.0.5']]);
    await net.rtnl.deleteRoute({ dst: '10.244.7.0/24', protocol: PROTO });
  });

  it('names the operation, the object and the errno in kernel errors, with the extended-ACK text', async () => {
    const err = await net.rtnl.addRoute({ dst: '10.244.3.0/24', gateway: '10.9.0.3', protocol: PROTO }).then(
      () => assert.fail('route via an unreachable gateway was accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof NetlinkError);
    assert.equal(err.code, 'ENETUNREACH');
    assert.equal(err.errno, 101);
    assert.equal(err.operation, 'add route 10.244.3.0/24 via 10.9.0.3');
    assert.ok(err.message.startsWith('add route 10.244.3.0/24 via 10.9.0.3: Network is unreachable (ENETUNREACH)'), err.message);
    assert.equal(err.kernelMessage, 'Nexthop has invalid gateway');

    await assert.rejects(net.rtnl.deleteRoute({ dst: '10.250.0.0/16', table: TABLE }), (e: unknown) => {
      assert.ok(e instanceof NetlinkError);
      assert.equal(e.code, 'ESRCH');
      assert.match(e.message, /^delete route 10\.250\.0\.0\/16 table 77: No such process \(ESRCH\)/);
      return true;
    });

    await net.rtnl.addRoute({ dst: '10.244.3.0/24', gateway: '10.0.0.3', oif: net.veth0, protocol: PROTO });
    await assert.rejects(net.rtnl.addRoute({ dst: '10.244.3.0/24', gateway: '10.0.0.3', oif: net.veth0, protocol: PROTO }), /File exists \(EEXIST\)/);
    await net.rtnl.deleteRoute({ dst: '10.244.3.0/24' });
  });
});
