// Route plans (pure): which of via-gateway / via-tunnel / via-vxlan / none a best path becomes, for IPv4 and IPv6,
// overlay subnet and full, external next hops (never tunnelled, kube-router #728), and ECMP sets, plus the kernel
// routes and rules built from plans.
import assert from 'node:assert/strict';
import {
  AF_INET,
  AF_INET6,
  FR_ACT_TO_TBL,
  RoutePlanner,
  canonicalPrefix,
  desiredMainRoute,
  desiredRules,
  desiredTunnelHostRoute,
  diffKey,
  isOwnedRule,
  normalizeKernelRoute,
  planRoute,
  sameRoute,
  type BestPath,
  type KernelRoute,
  type LocalAddress,
  type OverlaySettings,
  type PlanContext,
  type PlanKind,
  type TunnelEndpoint,
} from '../src/index.js';

const LOCAL: LocalAddress[] = [
  { family: AF_INET, address: '10.0.0.1', prefixLength: 24, ifindex: 2 },
  { family: AF_INET6, address: 'fd00::1', prefixLength: 64, ifindex: 2 },
  { family: AF_INET, address: '192.168.5.1', prefixLength: 24, ifindex: 3 },
];

const SUBNET_IPIP: OverlaySettings = { enabled: true, type: 'subnet', encap: 'ipip' };
const FULL_IPIP: OverlaySettings = { enabled: true, type: 'full', encap: 'ipip' };
const SUBNET_VXLAN: OverlaySettings = { enabled: true, type: 'subnet', encap: 'vxlan' };
const FULL_VXLAN: OverlaySettings = { enabled: true, type: 'full', encap: 'vxlan' };
const OFF: OverlaySettings = { enabled: false, type: 'subnet', encap: 'ipip' };

function ctx(overlay: OverlaySettings, localAddresses: LocalAddress[] = LOCAL): PlanContext {
  return { localAddresses, overlay };
}

function path(prefix: string, ...hops: [string, boolean][]): BestPath {
  return { prefix, nextHops: hops.map(([address, clusterNode]) => ({ address, clusterNode })) };
}

interface Case {
  name: string;
  overlay: OverlaySettings;
  prefix: string;
  nextHop: string;
  clusterNode: boolean;
  kind: PlanKind;
  ifindex?: number;
  reason?: RegExp;
}

const CASES: Case[] = [
  // IPv4, cluster node in the local subnet.
  { name: 'v4 node same subnet, subnet overlay', overlay: SUBNET_IPIP, prefix: '10.244.1.0/24', nextHop: '10.0.0.2', clusterNode: true, kind: 'via-gateway', ifindex: 2 },
  { name: 'v4 node same subnet, full overlay', overlay: FULL_IPIP, prefix: '10.244.1.0/24', nextHop: '10.0.0.2', clusterNode: true, kind: 'via-tunnel' },
  { name: 'v4 node same subnet, overlay off', overlay: OFF, prefix: '10.244.1.0/24', nextHop: '10.0.0.2', clusterNode: true, kind: 'via-gateway', ifindex: 2 },
  { name: 'v4 node same subnet, full vxlan', overlay: FULL_VXLAN, prefix: '10.244.1.0/24', nextHop: '10.0.0.2', clusterNode: true, kind: 'via-vxlan' },
  { name: 'v4 node in the second subnet picks its interface', overlay: SUBNET_IPIP, prefix: '10.244.1.0/24', nextHop: '192.168.5.9', clusterNode: true, kind: 'via-gateway', ifindex: 3 },
  // IPv4, cluster node in another subnet.
  { name: 'v4 node other subnet, subnet overlay', overlay: SUBNET_IPIP, prefix: '10.244.2.0/24', nextHop: '172.16.0.5', clusterNode: true, kind: 'via-tunnel' },
  { name: 'v4 node other subnet, full overlay', overlay: FULL_IPIP, prefix: '10.244.2.0/24', nextHop: '172.16.0.5', clusterNode: true, kind: 'via-tunnel' },
  { name: 'v4 node other subnet, subnet vxlan', overlay: SUBNET_VXLAN, prefix: '10.244.2.0/24', nextHop: '172.16.0.5', clusterNode: true, kind: 'via-vxlan' },
  { name: 'v4 node other subnet, overlay off', overlay: OFF, prefix: '10.244.2.0/24', nextHop: '172.16.0.5', clusterNode: true, kind: 'none', reason: /overlay is off/ },
  // External next hops (kube-router #728): gateway when reachable, never a tunnel.
  { name: 'v4 external same subnet, full overlay', overlay: FULL_IPIP, prefix: '203.0.113.0/24', nextHop: '10.0.0.254', clusterNode: false, kind: 'via-gateway', ifindex: 2 },
  { name: 'v4 external other subnet, subnet overlay', overlay: SUBNET_IPIP, prefix: '203.0.113.0/24', nextHop: '172.16.9.9', clusterNode: false, kind: 'none', reason: /never tunnelled/ },
  { name: 'v4 external other subnet, full overlay', overlay: FULL_IPIP, prefix: '203.0.113.0/24', nextHop: '172.16.9.9', clusterNode: false, kind: 'none', reason: /never tunnelled/ },
  { name: 'v4 external other subnet, full vxlan', overlay: FULL_VXLAN, prefix: '203.0.113.0/24', nextHop: '172.16.9.9', clusterNode: false, kind: 'none', reason: /never tunnelled/ },
  { name: 'v4 external same subnet, full vxlan', overlay: FULL_VXLAN, prefix: '203.0.113.0/24', nextHop: '10.0.0.254', clusterNode: false, kind: 'via-gateway', ifindex: 2 },
  // IPv6.
  { name: 'v6 node same subnet, subnet overlay', overlay: SUBNET_IPIP, prefix: 'fd00:244:1::/64', nextHop: 'fd00::2', clusterNode: true, kind: 'via-gateway', ifindex: 2 },
  { name: 'v6 node same subnet, full overlay', overlay: FULL_IPIP, prefix: 'fd00:244:1::/64', nextHop: 'fd00::2', clusterNode: true, kind: 'via-tunnel' },
  { name: 'v6 node other subnet, subnet overlay', overlay: SUBNET_IPIP, prefix: 'fd00:244:1::/64', nextHop: 'fd01::2', clusterNode: true, kind: 'via-tunnel' },
  { name: 'v6 node other subnet, overlay off', overlay: OFF, prefix: 'fd00:244:1::/64', nextHop: 'fd01::2', clusterNode: true, kind: 'none' },
  { name: 'v6 external same subnet, full overlay', overlay: FULL_IPIP, prefix: '2001:db8::/32', nextHop: 'fd00::fe', clusterNode: false, kind: 'via-gateway', ifindex: 2 },
  { name: 'v6 external other subnet, full overlay', overlay: FULL_IPIP, prefix: '2001:db8::/32', nextHop: 'fd01::fe', clusterNode: false, kind: 'none', reason: /never tunnelled/ },
  { name: 'v6 node other subnet, subnet vxlan', overlay: SUBNET_VXLAN, prefix: 'fd00:244:1::/64', nextHop: 'fd01::2', clusterNode: true, kind: 'via-vxlan' },
  // Unusable next hops.
  { name: 'next hop is this node', overlay: SUBNET_IPIP, prefix: '10.244.0.0/24', nextHop: '10.0.0.1', clusterNode: true, kind: 'none', reason: /this node/ },
  { name: 'v6 link-local next hop', overlay: SUBNET_IPIP, prefix: 'fd00:244:1::/64', nextHop: 'fe80::1', clusterNode: true, kind: 'none', reason: /link-local/ },
  { name: 'v4 prefix with v6 next hop', overlay: SUBNET_IPIP, prefix: '10.244.1.0/24', nextHop: 'fd00::2', clusterNode: true, kind: 'none', reason: /family/ },
  { name: 'garbage next hop', overlay: SUBNET_IPIP, prefix: '10.244.1.0/24', nextHop: 'not-an-ip', clusterNode: true, kind: 'none', reason: /not an IP/ },
  { name: 'unspecified next hop', overlay: SUBNET_IPIP, prefix: '10.244.1.0/24', nextHop: '0.0.0.0', clusterNode: true, kind: 'none', reason: /unspecified/ },
];

describe('route plan: one next hop', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const plan = planRoute(path(c.prefix, [c.nextHop, c.clusterNode]), ctx(c.overlay));
      assert.equal(plan.kind, c.kind, JSON.stringify(plan));
      if (c.kind === 'none') {
        assert.equal(plan.hops.length, 0);
        assert.equal(plan.dropped.length, 1);
        if (c.reason) assert.match(plan.dropped[0]!.reason ?? '', c.reason);
      } else {
        assert.equal(plan.hops.length, 1);
        assert.equal(plan.hops[0]!.kind, c.kind);
        if (c.ifindex !== undefined) assert.equal(plan.hops[0]!.ifindex, c.ifindex);
      }
      if (c.kind === 'via-tunnel') assert.equal(plan.src, plan.family === AF_INET ? '10.0.0.1' : 'fd00::1');
      else assert.equal(plan.src, undefined);
    });
  }

  it('a tunnel needs a node IP of the family: none without one', () => {
    const v4only = LOCAL.filter((a) => a.family === AF_INET);
    const plan = planRoute(path('fd00:244:1::/64', ['fd01::2', true]), ctx(SUBNET_IPIP, v4only));
    assert.equal(plan.kind, 'none');
    assert.match(plan.dropped[0]!.reason!, /node IP/);
  });

  it('uses the configured node IP as the tunnel source', () => {
    const plan = planRoute(path('10.244.2.0/24', ['172.16.0.5', true]), { ...ctx(SUBNET_IPIP), nodeIps: { ipv4: '192.168.5.1' } });
    assert.equal(plan.src, '192.168.5.1');
  });

  it('canonicalizes prefixes and next hops (host bits, IPv6 text)', () => {
    const plan = planRoute(path('FD00:0244:0001:0000::5/64', ['FD00:0:0::2', true]), ctx(SUBNET_IPIP));
    assert.equal(plan.prefix, 'fd00:244:1::/64');
    assert.equal(plan.hops[0]!.nextHop, 'fd00::2');
    assert.equal(canonicalPrefix('10.244.1.77/24'), '10.244.1.0/24');
    assert.equal(canonicalPrefix('10.244.1.77/25'), '10.244.1.0/25');
    assert.equal(canonicalPrefix('10.1.2.3/30'), '10.1.2.0/30');
    assert.equal(canonicalPrefix('10.1.2.255/31'), '10.1.2.254/31');
    assert.throws(() => canonicalPrefix('10.1.2.3/33'), RangeError);
  });

  it('subnet membership checks the exact prefix length (v4 /25 boundary, v6 /127)', () => {
    const local: LocalAddress[] = [
      { family: AF_INET, address: '10.9.0.1', prefixLength: 25, ifindex: 4 },
      { family: AF_INET6, address: 'fd09::', prefixLength: 127, ifindex: 4 },
    ];
    const kind = (nh: string, prefix: string): PlanKind => planRoute(path(prefix, [nh, false]), ctx(OFF, local)).kind;
    assert.equal(kind('10.9.0.126', '10.50.0.0/16'), 'via-gateway');
    assert.equal(kind('10.9.0.128', '10.50.0.0/16'), 'none');
    assert.equal(kind('fd09::1', '2001:db8::/32'), 'via-gateway');
    assert.equal(kind('fd09::2', '2001:db8::/32'), 'none');
  });
});

describe('route plan: ECMP sets', () => {
  it('all gateway hops become one multipath route, hops sorted by address', () => {
    const plan = planRoute(path('10.50.0.0/16', ['10.0.0.20', false], ['10.0.0.3', false], ['192.168.5.7', true]), ctx(FULL_VXLAN));
    // 192.168.5.7 is a node: with full vxlan it would be via-vxlan; gateway hops are preferred and it is dropped.
    assert.equal(plan.kind, 'via-gateway');
    assert.deepEqual(plan.hops.map((h) => h.nextHop), ['10.0.0.3', '10.0.0.20']);
    assert.deepEqual(plan.dropped.map((h) => [h.nextHop, h.kind]), [['192.168.5.7', 'via-vxlan']]);
    const d = desiredMainRoute(plan, () => undefined)!;
    assert.deepEqual(d.route.multipath, [
      { gateway: '10.0.0.20', ifindex: 2, weight: 1, onlink: false },
      { gateway: '10.0.0.3', ifindex: 2, weight: 1, onlink: false },
    ]);
    assert.equal(d.route.gateway, undefined);
  });

  it('the same set in any order gives the same route', () => {
    const hops: [string, boolean][] = [['10.0.0.9', true], ['10.0.0.3', true], ['10.0.0.5', true]];
    const routes = [hops, [...hops].reverse(), [hops[1]!, hops[2]!, hops[0]!]].map(
      (h) => desiredMainRoute(planRoute(path('10.244.9.0/24', ...h), ctx(SUBNET_IPIP)), () => undefined)!.route,
    );
    assert.ok(sameRoute(routes[0]!, routes[1]!) && sameRoute(routes[0]!, routes[2]!));
  });

  it('mixed gateway + tunnel + none: the gateway hops win, none hops and duplicates are dropped', () => {
    const plan = planRoute(
      path('10.244.7.0/24', ['172.16.0.5', true], ['10.0.0.2', true], ['172.16.9.9', false], ['10.0.0.2', true]),
      ctx(SUBNET_IPIP),
    );
    assert.equal(plan.kind, 'via-gateway');
    assert.deepEqual(plan.hops.map((h) => h.nextHop), ['10.0.0.2']);
    assert.deepEqual(plan.dropped.map((h) => h.kind).sort(), ['none', 'via-tunnel']);
    const d = desiredMainRoute(plan, () => undefined)!;
    assert.equal(d.route.multipath, undefined, 'one hop left: a plain route');
    assert.equal(d.route.gateway, '10.0.0.2');
  });

  it('IPv4 tunnel hops become a multipath route of tunnel devices with the node IP as source', () => {
    const plan = planRoute(path('10.244.8.0/24', ['172.16.0.9', true], ['172.16.0.5', true]), ctx(SUBNET_IPIP));
    assert.equal(plan.kind, 'via-tunnel');
    const eps: Record<string, TunnelEndpoint> = {
      '172.16.0.5': { ifindex: 10, name: 'tun-a' },
      '172.16.0.9': { ifindex: 11, name: 'tun-b' },
    };
    const d = desiredMainRoute(plan, (nh) => eps[nh])!;
    assert.equal(d.route.prefsrc, '10.0.0.1');
    assert.deepEqual(d.route.multipath?.map((h) => h.ifindex), [10, 11]);
    assert.ok(d.complete);
  });

  it('IPv6 tunnel hops keep only the lowest next hop (the kernel cannot spread IPv6 over gatewayless routes)', () => {
    const plan = planRoute(path('fd00:244:8::/64', ['fd02::9', true], ['fd01::5', true]), ctx(SUBNET_IPIP));
    assert.equal(plan.kind, 'via-tunnel');
    assert.deepEqual(plan.hops.map((h) => h.nextHop), ['fd01::5']);
    assert.match(plan.dropped[0]!.reason!, /IPv6 multipath/);
  });

  it('vxlan hops become multipath via VTEPs, onlink', () => {
    const plan = planRoute(path('10.244.8.0/24', ['172.16.0.9', true], ['172.16.0.5', true]), ctx(SUBNET_VXLAN));
    const d = desiredMainRoute(plan, (nh) => ({ ifindex: 7, name: 'vxlan0', gateway: nh === '172.16.0.5' ? '10.99.0.5' : '10.99.0.9', onlink: true }))!;
    assert.deepEqual(d.route.multipath, [
      { gateway: '10.99.0.5', ifindex: 7, weight: 1, onlink: true },
      { gateway: '10.99.0.9', ifindex: 7, weight: 1, onlink: true },
    ]);
  });

  it('only unusable hops: none', () => {
    const plan = planRoute(path('10.244.8.0/24', ['172.16.9.9', false], ['10.0.0.1', true]), ctx(FULL_IPIP));
    assert.equal(plan.kind, 'none');
    assert.equal(desiredMainRoute(plan, () => undefined), undefined);
  });

  it('the planner caches next hop classes but notices a changed node name', () => {
    const planner = new RoutePlanner(ctx(SUBNET_IPIP));
    const a = planner.plan({ prefix: '10.244.1.0/24', nextHops: [{ address: '172.16.0.5', clusterNode: true, node: 'n1' }] });
    const b = planner.plan({ prefix: '10.244.1.0/24', nextHops: [{ address: '172.16.0.5', clusterNode: true, node: 'n2' }] });
    assert.equal(a.hops[0]!.remote.node, 'n1');
    assert.equal(b.hops[0]!.remote.node, 'n2');
  });
});

describe('route plan: kernel routes, rules and the per-key diff', () => {
  const tunnel: TunnelEndpoint = { ifindex: 12, name: 'tun-e443169117a' };

  it('a tunnel route: dev tun, src node IP, main table; its host route in table 77', () => {
    const plan = planRoute(path('10.244.2.0/24', ['172.16.0.5', true]), ctx(SUBNET_IPIP));
    const d = desiredMainRoute(plan, () => tunnel)!;
    assert.deepEqual(
      { table: d.route.table, oif: d.route.oif, src: d.route.prefsrc, gw: d.route.gateway, kind: d.kind },
      { table: 254, oif: 12, src: '10.0.0.1', gw: undefined, kind: 'via-tunnel' },
    );
    const host = desiredTunnelHostRoute('172.16.0.5', AF_INET, tunnel);
    assert.deepEqual([host.route.dst, host.route.table, host.route.oif, host.kind], ['172.16.0.5/32', 77, 12, 'tunnel-host']);
    const host6 = desiredTunnelHostRoute('fd01::5', AF_INET6, tunnel);
    assert.deepEqual([host6.route.dst, host6.route.priority], ['fd01::5/128', 1024]);
  });

  it('a tunnel whose endpoint is unknown makes the route incomplete', () => {
    const plan = planRoute(path('10.244.2.0/24', ['172.16.0.5', true]), ctx(SUBNET_IPIP));
    const d = desiredMainRoute(plan, () => undefined)!;
    assert.equal(d.complete, false);
    assert.equal(d.route.oif, -1);
  });

  it('rules: one per distinct pod CIDR and family while overlay is on, none when off', () => {
    assert.deepEqual(desiredRules(['10.244.0.0/24', 'fd00:244::/64', '10.244.0.7/24'], true), [
      { family: AF_INET, from: '10.244.0.0/24' },
      { family: AF_INET6, from: 'fd00:244::/64' },
    ]);
    assert.deepEqual(desiredRules(['10.244.0.0/24'], false), []);
    assert.ok(isOwnedRule({ family: AF_INET, table: 77, action: FR_ACT_TO_TBL, from: '10.244.0.0/24', priority: 32765 }));
    assert.ok(!isOwnedRule({ family: AF_INET, table: 77, action: FR_ACT_TO_TBL, from: '10.244.0.0/24', fwmark: 1 }));
    assert.ok(!isOwnedRule({ family: AF_INET, table: 78, action: FR_ACT_TO_TBL, from: '10.244.0.0/24' }));
  });

  const gw = desiredMainRoute(planRoute(path('10.244.1.0/24', ['10.0.0.2', true]), ctx(SUBNET_IPIP)), () => undefined)!;
  const kernelGw: KernelRoute = normalizeKernelRoute({
    family: AF_INET, dst: '10.244.1.0/24', table: 254, protocol: 17, scope: 0, type: 1, tos: 0, flags: 0, gateway: '10.0.0.2', oif: 2,
  });

  it('diff: an identical kernel route yields no operation', () => {
    const kd = diffKey('k', gw, [kernelGw], true);
    assert.deepEqual(kd.ops, []);
    assert.ok(kd.unchanged);
  });

  it('diff: a changed gateway is one replace; an extra copy at another metric is deleted', () => {
    const other = { ...kernelGw, gateway: '10.0.0.9' };
    assert.deepEqual(diffKey('k', gw, [other], true).ops.map((o) => o.op), ['replace']);
    const extra = { ...kernelGw, priority: 100 };
    const kd = diffKey('k', gw, [kernelGw, extra], true);
    assert.deepEqual(kd.ops.map((o) => [o.op, o.route.priority]), [['delete', 100]]);
  });

  it('diff: missing is an add; not desired is a delete, unless sweeping is held', () => {
    assert.deepEqual(diffKey('k', gw, [], true).ops.map((o) => o.op), ['add']);
    assert.deepEqual(diffKey('k', undefined, [kernelGw], true).ops.map((o) => o.op), ['delete']);
    const held = diffKey('k', undefined, [kernelGw], false);
    assert.deepEqual([held.ops.length, held.held], [0, 1]);
  });

  it('normalization ignores per-hop status flags and hop order from the kernel', () => {
    const k = normalizeKernelRoute({
      family: AF_INET, dst: '10.50.0.0/16', table: 254, protocol: 17, scope: 0, type: 1, tos: 0, flags: 0,
      multipath: [
        { gateway: '10.0.0.3', ifindex: 2, weight: 1, flags: 0x10 },
        { gateway: '10.0.0.20', ifindex: 2, weight: 1, flags: 0 },
      ],
    });
    const want = desiredMainRoute(planRoute(path('10.50.0.0/16', ['10.0.0.3', false], ['10.0.0.20', false]), ctx(OFF)), () => undefined)!;
    assert.ok(sameRoute(want.route, k));
    assert.ok(!sameRoute(want.route, { ...k, multipath: [k.multipath![0]!, { ...k.multipath![1]!, weight: 2 }] }));
  });
});
