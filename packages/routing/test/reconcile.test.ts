// Real kernel: the RouteReconciler programming a namespace "node" (never the host): routes via gateway (v4, v6),
// multipath, tunnel routes with table 77 and the pod CIDR rules, vxlan routes, the sweep of stale routes at startup,
// the graceful-restart hold, recovery after `ip route del` by notification alone, no churn on a second reconcile
// (a monitor sees zero events), the ENOBUFS overflow path, dry run, cleanup, and a failing route that is reported,
// retried and does not stop the others.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { useLab, waitFor } from '@kroute/testkit';
import {
  NetlinkError,
  RouteReconciler,
  RtnlMonitor,
  RtTablesConflictError,
  newRouteRequest,
  registerRouteTable,
  Rtnl,
  type BestPath,
  type ResyncReason,
  type RouteReconcilerOptions,
  type RtnlEvent,
} from '../src/index.js';
import { FakeTunnels, kernelRoutes, kernelRules, makeNode, sleep, snapshot, tunnelName, type TestNode } from './reconcile-fakes.js';

/** The monitor's SO_RCVBUF for the overflow test; the kernel doubles it and keeps a floor, still a few KiB. */
const TINY_RCVBUF = 4096;
const FLOOD = 3000;
/** Long enough for any notification of a change to arrive. */
const QUIET_MS = 300;
const RESTORE_TIMEOUT_MS = 3000;

const SUBNET_IPIP = { enabled: true, type: 'subnet', encap: 'ipip' } as const;
const OFF = { enabled: false, type: 'subnet', encap: 'ipip' } as const;

function via(prefix: string, ...hops: string[]): BestPath {
  return { prefix, nextHops: hops.map((address) => ({ address, clusterNode: true })) };
}

function external(prefix: string, ...hops: string[]): BestPath {
  return { prefix, nextHops: hops.map((address) => ({ address, clusterNode: false })) };
}

/** Collects every rtnetlink notification in the namespace until closed. */
function watch(ns: string): { events: RtnlEvent[]; close(): void } {
  const monitor = RtnlMonitor.open({ netns: ns });
  const events: RtnlEvent[] = [];
  monitor.on('event', (e: RtnlEvent) => events.push(e));
  return { events, close: () => monitor.close() };
}

function describeEvents(events: RtnlEvent[]): string {
  return events
    .map((e) => (e.kind === 'route' ? `${e.action} route ${e.route.dst} table ${e.route.table}` : e.kind === 'overflow' ? 'overflow' : `${e.action ?? ''} ${e.kind}`))
    .join('; ');
}

describe('reconciler: real kernel', function () {
  this.timeout(60_000);
  const lab = useLab('reconcile');
  const open: RouteReconciler[] = [];
  let n = 0;

  async function setup(opts: Partial<RouteReconcilerOptions> = {}, paths: BestPath[] = []): Promise<TestNode & { rec: RouteReconciler }> {
    const t = await makeNode(lab(), `r${++n}`);
    const rec = new RouteReconciler({ netns: t.node.name, syncPeriodMs: 0, retryInitialMs: 100, overlay: SUBNET_IPIP, ...opts });
    open.push(rec);
    for (const p of paths) rec.setPath(p);
    return { ...t, rec };
  }

  afterEach(() => {
    for (const rec of open.splice(0)) rec.stop();
  });

  it('installs routes via the gateway (IPv4 and IPv6) with protocol 17 in the main table', async () => {
    const { node, rec } = await setup({}, [via('10.244.1.0/24', '10.0.0.3'), via('fd00:244:1::/64', 'fd00::3')]);
    const report = await rec.start();
    assert.equal(report.counts.added, 2);
    assert.deepEqual(report.errors, []);
    const v4 = await kernelRoutes(node, '4');
    assert.deepEqual(v4.map((r) => [r.dst, r.gateway, r.dev]), [['10.244.1.0/24', '10.0.0.3', 'eth0']]);
    const v6 = await kernelRoutes(node, '6');
    assert.deepEqual(v6.map((r) => [r.dst, r.gateway, r.dev]), [['fd00:244:1::/64', 'fd00::3', 'eth0']]);
    const owned = rec.ownedRoutes();
    assert.deepEqual(owned.map((r) => [r.prefix, r.table, r.protocol, r.kind, r.nextHops[0]?.gateway, r.nextHops[0]?.dev]), [
      ['10.244.1.0/24', 254, 17, 'via-gateway', '10.0.0.3', 'eth0'],
      ['fd00:244:1::/64', 254, 17, 'via-gateway', 'fd00::3', 'eth0'],
    ]);

    // A withdrawal takes the route away; a new best path moves it.
    rec.withdraw('fd00:244:1::/64');
    rec.setPath(via('10.244.1.0/24', '10.0.0.4'));
    await rec.settled();
    assert.deepEqual((await kernelRoutes(node, '4')).map((r) => r.gateway), ['10.0.0.4']);
    assert.deepEqual(await kernelRoutes(node, '6'), []);
  });

  it('never tunnels an external next hop (kube-router #728) and installs it via the gateway when reachable', async () => {
    const tunnels = new FakeTunnels((await lab().netns('ext')) /* unused namespace: must stay untouched */);
    const { node, rec } = await setup({ tunnels, overlay: { enabled: true, type: 'full', encap: 'ipip' } }, [
      external('203.0.113.0/24', '10.0.0.3'),
      external('198.51.100.0/24', '172.16.9.9'),
    ]);
    await rec.start();
    assert.deepEqual((await kernelRoutes(node, '4')).map((r) => [r.dst, r.gateway]), [['203.0.113.0/24', '10.0.0.3']]);
    assert.equal(tunnels.ensures, 0);
    assert.equal(rec.planOf('198.51.100.0/24')?.kind, 'none');
  });

  it('installs ECMP sets as one multipath route (IPv4 and IPv6)', async () => {
    const { node, rec } = await setup({}, [via('10.244.6.0/24', '10.0.0.4', '10.0.0.3'), via('fd00:244:6::/64', 'fd00::4', 'fd00::3')]);
    const report = await rec.start();
    assert.equal(report.counts.added, 2);
    const [v4] = await kernelRoutes(node, '4');
    assert.deepEqual(v4?.nexthops?.map((h) => h.gateway).sort(), ['10.0.0.3', '10.0.0.4']);
    const [v6] = await kernelRoutes(node, '6');
    assert.deepEqual(v6?.nexthops?.map((h) => h.gateway).sort(), ['fd00::3', 'fd00::4']);
    // Shrinking the set to one hop turns it into a plain route.
    rec.setPath(via('10.244.6.0/24', '10.0.0.3'));
    await rec.settled();
    const [after] = await kernelRoutes(node, '4');
    assert.equal(after?.gateway, '10.0.0.3');
    assert.equal(after?.nexthops, undefined);
    // IPv6 too (the kernel keeps IPv6 multipath routes as siblings: replace must swap the whole set), and back.
    rec.setPath(via('fd00:244:6::/64', 'fd00::4'));
    await rec.settled();
    assert.deepEqual((await kernelRoutes(node, '6')).map((r) => [r.gateway, r.nexthops]), [['fd00::4', undefined]]);
    rec.setPath(via('fd00:244:6::/64', 'fd00::3', 'fd00::4'));
    rec.setPath(via('10.244.6.0/24', '10.0.0.4', '10.0.0.3'));
    await rec.settled();
    const [v6again] = await kernelRoutes(node, '6');
    assert.deepEqual(v6again?.nexthops?.map((h) => h.gateway).sort(), ['fd00::3', 'fd00::4']);
    const [v4again] = await kernelRoutes(node, '4');
    assert.deepEqual(v4again?.nexthops?.map((h) => h.gateway).sort(), ['10.0.0.3', '10.0.0.4']);
    assert.deepEqual(rec.failing(), []);
    assert.equal((await rec.resync()).counts.unchanged, 2, 'both multipath routes read back as already right');
  });

  it('tunnel routes: dev tun src node IP, host route in table 77, rules from the pod CIDRs; all swept when gone', async () => {
    const t = await makeNode(lab(), `r${++n}`);
    const tunnels = new FakeTunnels(t.node);
    const rec = new RouteReconciler({
      netns: t.node.name,
      syncPeriodMs: 0,
      overlay: SUBNET_IPIP,
      tunnels,
      podCidrs: ['10.244.0.0/24', 'fd00:244::/64'],
    });
    open.push(rec);
    rec.setPath(via('10.244.2.0/24', '172.16.0.5'));
    rec.setPath(via('10.244.3.0/24', '172.16.0.5'));
    rec.setPath(via('fd00:244:2::/64', 'fd01::5'));
    const report = await rec.start();
    assert.deepEqual(report.errors, []);
    const tun = tunnelName('172.16.0.5');
    const tun6 = tunnelName('fd01::5');
    const main = await kernelRoutes(t.node, '4');
    assert.deepEqual(main.map((r) => [r.dst, r.dev, r.prefsrc, r.gateway]), [
      ['10.244.2.0/24', tun, '10.0.0.1', undefined],
      ['10.244.3.0/24', tun, '10.0.0.1', undefined],
    ]);
    assert.deepEqual((await kernelRoutes(t.node, '4', 77)).map((r) => [r.dst, r.dev]), [['172.16.0.5', tun]]);
    assert.deepEqual((await kernelRoutes(t.node, '6')).map((r) => [r.dst, r.dev, r.prefsrc]), [['fd00:244:2::/64', tun6, 'fd00::1']]);
    assert.deepEqual((await kernelRoutes(t.node, '6', 77)).map((r) => [r.dst, r.dev]), [['fd01::5', tun6]]);
    const rules4 = (await kernelRules(t.node, '4')).filter((r) => r.table === '77');
    const rules6 = (await kernelRules(t.node, '6')).filter((r) => r.table === '77');
    assert.deepEqual(rules4.map((r) => `${r.src}/${r.srclen}`), ['10.244.0.0/24']);
    assert.deepEqual(rules6.map((r) => `${r.src}/${r.srclen}`), ['fd00:244::/64']);
    assert.equal(tunnels.creations, 2);
    const owned = rec.ownedRoutes();
    assert.ok(owned.some((r) => r.table === 77 && r.kind === 'tunnel-host' && r.nextHops[0]?.dev === tun));
    const viaTunnel = owned.find((r) => r.prefix === '10.244.2.0/24');
    assert.deepEqual(
      viaTunnel && [viaTunnel.kind, viaTunnel.source, viaTunnel.nextHops[0]?.dev, viaTunnel.bgpNextHops],
      ['via-tunnel', '10.0.0.1', tun, ['172.16.0.5']],
    );

    // One prefix withdrawn: the tunnel and its host route stay for the other.
    rec.withdraw('10.244.2.0/24');
    await rec.settled();
    assert.equal((await kernelRoutes(t.node, '4', 77)).length, 1);
    // The next hop is gone: routes, host route and tunnel are swept.
    await rec.nextHopGone('172.16.0.5');
    assert.deepEqual(await kernelRoutes(t.node, '4'), []);
    assert.deepEqual(await kernelRoutes(t.node, '4', 77), []);
    assert.ok(!(await t.node.ip('-o', 'link', 'show')).includes(tun), 'tunnel link swept');
    assert.ok((await t.node.ip('-o', 'link', 'show')).includes(tun6), 'the other tunnel stays');
    // Overlay off: rules go, and the remaining IPv6 node is outside every subnet, so its route goes too.
    await rec.setOverlay(OFF);
    assert.deepEqual((await kernelRules(t.node, '4')).filter((r) => r.table === '77'), []);
    assert.deepEqual((await kernelRules(t.node, '6')).filter((r) => r.table === '77'), []);
    assert.deepEqual(await kernelRoutes(t.node, '6'), []);
    assert.ok(!(await t.node.ip('-o', 'link', 'show')).includes(tun6), 'unused tunnel swept');
  });

  it('vxlan routes: via the VTEP, dev vxlan0, onlink', async () => {
    const t = await makeNode(lab(), `r${++n}`);
    const tunnels = new FakeTunnels(t.node, 'vxlan');
    const rec = new RouteReconciler({ netns: t.node.name, syncPeriodMs: 0, overlay: { enabled: true, type: 'full', encap: 'vxlan' }, tunnels });
    open.push(rec);
    rec.setPath(via('10.244.4.0/24', '10.0.0.3'));
    rec.setPath(via('10.244.5.0/24', '172.16.0.5', '172.16.0.6'));
    await rec.start();
    const routes = await kernelRoutes(t.node, '4');
    assert.deepEqual(routes[0] && [routes[0].dst, routes[0].gateway, routes[0].dev, routes[0].flags], ['10.244.4.0/24', '10.98.0.3', 'vxlan0', ['onlink']]);
    assert.deepEqual(routes[1]?.nexthops?.map((h) => [h.gateway, h.dev, h.flags]), [
      ['10.98.0.5', 'vxlan0', ['onlink']],
      ['10.98.0.6', 'vxlan0', ['onlink']],
    ]);
    assert.deepEqual(await kernelRoutes(t.node, '4', 77), [], 'no table-77 host routes for vxlan');
    const w = watch(t.node.name);
    try {
      await rec.resync();
      await sleep(QUIET_MS);
      assert.deepEqual(w.events, [], describeEvents(w.events));
    } finally {
      w.close();
    }
  });

  it('sweeps stale protocol-17 routes, table-77 routes, rules and tunnels at startup, and nothing else', async () => {
    const t = await makeNode(lab(), `r${++n}`);
    const stale = tunnelName('172.16.0.99');
    await t.node.ip('route', 'add', '10.250.0.0/24', 'via', '10.0.0.3', 'proto', '17');
    await t.node.ip('route', 'add', '10.244.1.0/24', 'via', '10.0.0.3', 'proto', '17'); // right already
    await t.node.ip('route', 'add', '10.244.7.0/24', 'via', '10.0.0.4', 'proto', '17'); // wrong gateway
    await t.node.ip('-6', 'route', 'add', 'fd00:250::/64', 'via', 'fd00::3', 'proto', '17');
    await t.node.ip('route', 'add', '172.16.0.99/32', 'dev', 'eth0', 'table', '77', 'proto', '17');
    await t.node.ip('route', 'add', '10.251.0.0/24', 'via', '10.0.0.3', 'proto', 'static'); // not ours
    await t.node.ip('route', 'add', '10.252.0.0/24', 'via', '10.0.0.3', 'table', '100', 'proto', '17'); // not our table
    await t.node.ip('rule', 'add', 'from', '10.9.0.0/24', 'lookup', '77');
    await t.node.ip('rule', 'add', 'from', '10.9.0.0/24', 'fwmark', '7', 'lookup', '77'); // not our shape
    await t.node.ip('link', 'add', stale, 'type', 'veth', 'peer', 'name', 'tp-stale');
    const tunnels = new FakeTunnels(t.node);
    const rec = new RouteReconciler({ netns: t.node.name, syncPeriodMs: 0, overlay: SUBNET_IPIP, tunnels, podCidrs: ['10.244.0.0/24'] });
    open.push(rec);
    rec.setPath(via('10.244.1.0/24', '10.0.0.3'));
    rec.setPath(via('10.244.7.0/24', '10.0.0.3'));
    const w = watch(t.node.name);
    let report;
    try {
      report = await rec.start();
      await sleep(QUIET_MS);
    } finally {
      w.close();
    }
    assert.deepEqual([report.counts.added, report.counts.replaced, report.counts.removed, report.counts.unchanged], [0, 1, 3, 1]);
    assert.deepEqual((await kernelRoutes(t.node, '4')).map((r) => [r.dst, r.gateway]), [
      ['10.244.1.0/24', '10.0.0.3'],
      ['10.244.7.0/24', '10.0.0.3'],
    ]);
    assert.deepEqual(await kernelRoutes(t.node, '6'), []);
    assert.deepEqual(await kernelRoutes(t.node, '4', 77), []);
    assert.match(await t.node.ip('route', 'show', '10.251.0.0/24'), /proto static/);
    assert.match(await t.node.ip('route', 'show', 'table', '100'), /10\.252\.0\.0\/24/);
    const rules = (await kernelRules(t.node, '4')).filter((r) => r.table === '77');
    assert.deepEqual(rules.map((r) => r.src).sort(), ['10.244.0.0', '10.9.0.0'], 'stale plain rule swept, fwmark rule kept, ours added');
    assert.ok(!(await t.node.ip('-o', 'link', 'show')).includes(stale), 'stale tunnel swept');
    // The route that was already right was not touched.
    const touched = w.events.filter((e) => e.kind === 'route' && e.route.dst === '10.244.1.0/24');
    assert.deepEqual(touched, [], describeEvents(touched));
  });

  it('graceful restart: holdSweep keeps stale routes and rules until releaseSweep, then sweeps only what is still stale', async () => {
    const t = await makeNode(lab(), `r${++n}`);
    await t.node.ip('route', 'add', '10.250.0.0/24', 'via', '10.0.0.3', 'proto', '17');
    await t.node.ip('route', 'add', '10.250.1.0/24', 'via', '10.0.0.3', 'proto', '17');
    await t.node.ip('rule', 'add', 'from', '10.9.0.0/24', 'lookup', '77');
    const rec = new RouteReconciler({ netns: t.node.name, syncPeriodMs: 0, overlay: SUBNET_IPIP });
    open.push(rec);
    rec.holdSweep();
    rec.setPath(via('10.244.1.0/24', '10.0.0.3'));
    const first = await rec.start();
    assert.deepEqual([first.counts.added, first.counts.removed, first.counts.held], [1, 0, 2]);
    assert.equal((await kernelRoutes(t.node, '4')).length, 3);
    assert.equal((await kernelRules(t.node, '4')).filter((r) => r.table === '77').length, 1);
    assert.ok(rec.ownedRoutes().some((r) => r.prefix === '10.250.0.0/24' && r.kind === 'stale'));
    // The periodic pass during the hold must not sweep either.
    await rec.resync('periodic');
    assert.equal((await kernelRoutes(t.node, '4')).length, 3);
    // A route programmed in this run and then withdrawn goes even during the hold.
    rec.setPath(via('10.244.2.0/24', '10.0.0.3'));
    await rec.settled();
    rec.withdraw('10.244.2.0/24');
    await rec.settled();
    assert.equal((await kernelRoutes(t.node, '4')).length, 3);
    // End-of-RIB: the peer re-advertised 10.250.1.0/24, so only 10.250.0.0/24 is still stale.
    rec.setPath(via('10.250.1.0/24', '10.0.0.3'));
    const released = await rec.releaseSweep();
    assert.equal(released.counts.removed, 1);
    assert.deepEqual((await kernelRoutes(t.node, '4')).map((r) => r.dst), ['10.244.1.0/24', '10.250.1.0/24']);
    assert.equal((await kernelRules(t.node, '4')).filter((r) => r.table === '77').length, 0);
  });

  it('restores a route deleted by hand from the notification alone (no periodic timer)', async () => {
    const t = await makeNode(lab(), `r${++n}`);
    const tunnels = new FakeTunnels(t.node);
    const resyncs: ResyncReason[] = [];
    const rec = new RouteReconciler({
      netns: t.node.name,
      syncPeriodMs: 0,
      overlay: SUBNET_IPIP,
      tunnels,
      podCidrs: ['10.244.0.0/24'],
      hooks: { resync: (r) => resyncs.push(r) },
    });
    open.push(rec);
    rec.setPath(via('10.244.1.0/24', '10.0.0.3'));
    rec.setPath(via('fd00:244:1::/64', 'fd00::3'));
    rec.setPath(via('10.244.2.0/24', '172.16.0.5'));
    await rec.start();
    await sleep(QUIET_MS);
    await rec.settled();
    resyncs.length = 0;
    await t.node.ip('route', 'del', '10.244.1.0/24');
    await t.node.ip('-6', 'route', 'del', 'fd00:244:1::/64');
    await t.node.ip('route', 'del', '172.16.0.5/32', 'table', '77');
    await t.node.ip('rule', 'del', 'from', '10.244.0.0/24', 'lookup', '77');
    await waitFor(
      async () =>
        (await kernelRoutes(t.node, '4')).some((r) => r.dst === '10.244.1.0/24') &&
        (await kernelRoutes(t.node, '6')).length === 1 &&
        (await kernelRoutes(t.node, '4', 77)).length === 1 &&
        (await kernelRules(t.node, '4')).some((r) => r.table === '77'),
      { what: 'routes and rule restored', timeoutMs: RESTORE_TIMEOUT_MS, intervalMs: 20 },
    );
    assert.deepEqual(resyncs, [], 'restored incrementally from notifications, without a full re-dump');

    // A tunnel link deleted by hand takes its IPv4 routes with it silently; the link event brings both back.
    await t.node.ip('link', 'del', tunnelName('172.16.0.5'));
    await waitFor(async () => (await kernelRoutes(t.node, '4')).some((r) => r.dst === '10.244.2.0/24'), {
      what: 'tunnel and tunnel route restored',
      timeoutMs: RESTORE_TIMEOUT_MS,
      intervalMs: 20,
    });
    assert.equal(tunnels.creations, 2);
    // Link down/up flushes IPv4 routes through it without notification (kube-router #509).
    await t.node.ip('link', 'set', 'eth0', 'down');
    await t.node.ip('link', 'set', 'eth0', 'up');
    await waitFor(async () => (await kernelRoutes(t.node, '4')).some((r) => r.dst === '10.244.1.0/24'), {
      what: 'gateway route back after link down/up',
      timeoutMs: RESTORE_TIMEOUT_MS,
      intervalMs: 20,
    });
  });

  it('a second reconcile changes nothing: a netlink monitor sees zero events', async () => {
    const t = await makeNode(lab(), `r${++n}`);
    const tunnels = new FakeTunnels(t.node);
    const rec = new RouteReconciler({ netns: t.node.name, syncPeriodMs: 0, overlay: SUBNET_IPIP, tunnels, podCidrs: ['10.244.0.0/24', 'fd00:244::/64'] });
    open.push(rec);
    const paths = [
      via('10.244.1.0/24', '10.0.0.3'),
      via('10.244.6.0/24', '10.0.0.3', '10.0.0.4'),
      via('fd00:244:1::/64', 'fd00::3'),
      via('fd00:244:6::/64', 'fd00::3', 'fd00::4'),
      via('10.244.2.0/24', '172.16.0.5'),
      via('10.244.8.0/24', '172.16.0.5', '172.16.0.6'),
      via('fd00:244:2::/64', 'fd01::5'),
      external('203.0.113.0/24', '10.0.0.4'),
    ];
    for (const p of paths) rec.setPath(p);
    await rec.start();
    await sleep(QUIET_MS);
    await rec.settled();
    const ensuresBefore = tunnels.creations;
    const w = watch(t.node.name);
    try {
      const again = await rec.resync();
      for (const p of paths) rec.setPath(p); // the same best paths again
      await rec.settled();
      const third = await rec.resync('periodic');
      await sleep(QUIET_MS);
      assert.deepEqual(w.events, [], `kernel changed: ${describeEvents(w.events)}`);
      for (const r of [again, third]) {
        assert.deepEqual([r.counts.added, r.counts.replaced, r.counts.removed, r.counts.rulesAdded, r.counts.rulesRemoved], [0, 0, 0, 0, 0]);
        assert.equal(r.counts.unchanged, 8 + 3, 'eight main routes and three table-77 host routes already right');
      }
      assert.equal(tunnels.creations, ensuresBefore);
    } finally {
      w.close();
    }
  });

  it('after an ENOBUFS overflow it re-dumps and re-diffs: the flood is swept and a lost deletion repaired', async () => {
    const t = await makeNode(lab(), `r${++n}`);
    const reasons: ResyncReason[] = [];
    const rec = new RouteReconciler({
      netns: t.node.name,
      syncPeriodMs: 0,
      overlay: SUBNET_IPIP,
      monitorReceiveBufferSize: TINY_RCVBUF,
      hooks: { resync: (r) => reasons.push(r) },
    });
    open.push(rec);
    rec.setPath(via('10.244.1.0/24', '10.0.0.3'));
    rec.setPath(via('10.244.2.0/24', '10.0.0.4'));
    await rec.start();
    const rtnl = Rtnl.open({ netns: t.node.name });
    try {
      // One burst of proto-17 routes nobody wants, then a deletion of a wanted one, while the monitor cannot keep up.
      const results = await rtnl.batch(
        Array.from({ length: FLOOD }, (_, i) => newRouteRequest({ dst: `10.120.${i >> 8}.${i & 0xff}/32`, gateway: '10.0.0.3', protocol: 17 })),
      );
      assert.equal(results.filter((r) => r.ok).length, FLOOD);
      await rtnl.deleteRoute({ dst: '10.244.2.0/24', protocol: 17 });
    } finally {
      rtnl.close();
    }
    await waitFor(() => reasons.includes('overflow'), { what: 'an overflow resync', timeoutMs: 5000 });
    await waitFor(
      async () => {
        await rec.settled();
        const routes = await kernelRoutes(t.node, '4');
        return routes.length === 2 && routes.some((r) => r.dst === '10.244.2.0/24' && r.gateway === '10.0.0.4');
      },
      { what: 'flood swept and 10.244.2.0/24 restored', timeoutMs: 15_000, intervalMs: 100 },
    );
    assert.ok(rec.lastFullReport!.reasons.includes('overflow') || reasons.filter((r) => r === 'overflow').length >= 1);
  });

  it('dry run reports the diff and changes nothing (no routes, rules or tunnels)', async () => {
    const t = await makeNode(lab(), `r${++n}`);
    await t.node.ip('route', 'add', '10.250.0.0/24', 'via', '10.0.0.3', 'proto', '17');
    const tunnels = new FakeTunnels(t.node);
    const rec = new RouteReconciler({ netns: t.node.name, syncPeriodMs: 0, overlay: SUBNET_IPIP, tunnels, podCidrs: ['10.244.0.0/24'], dryRun: true });
    open.push(rec);
    rec.setPath(via('10.244.1.0/24', '10.0.0.3'));
    rec.setPath(via('10.244.2.0/24', '172.16.0.5'));
    const before = await snapshot(t.node);
    const w = watch(t.node.name);
    try {
      const report = await rec.start();
      await sleep(QUIET_MS);
      assert.equal(report.dryRun, true);
      assert.deepEqual(
        report.changes.map((c) => [c.op, c.dst, c.table, c.kind]).sort(),
        [
          ['add', '10.244.1.0/24', 254, 'via-gateway'],
          ['add', '10.244.2.0/24', 254, 'via-tunnel'],
          ['add', '172.16.0.5/32', 77, 'tunnel-host'],
          ['delete', '10.250.0.0/24', 254, 'stale'],
        ],
      );
      assert.match(report.changes.find((c) => c.dst === '10.244.2.0/24')!.description, /tunnel not created yet/);
      assert.deepEqual(report.ruleChanges.map((c) => [c.op, c.from]), [['add', '10.244.0.0/24']]);
      assert.deepEqual(w.events, [], describeEvents(w.events));
      assert.deepEqual(await snapshot(t.node), before);
      assert.equal(tunnels.ensures, 0);
      const cleaned = await rec.cleanup();
      assert.equal(cleaned.counts.removed, 1, 'dry-run cleanup reports the owned route');
      assert.deepEqual(await snapshot(t.node), before);
    } finally {
      w.close();
    }
  });

  it('dry run shows a tunnel route with its real device when the backend can peek at an existing tunnel', async () => {
    const t = await makeNode(lab(), `r${++n}`);
    const tunnels = new FakeTunnels(t.node);
    const ep = await tunnels.ensure('172.16.0.5');
    tunnels.ensures = 0;
    const rec = new RouteReconciler({ netns: t.node.name, syncPeriodMs: 0, overlay: SUBNET_IPIP, tunnels, dryRun: true });
    open.push(rec);
    rec.setPath(via('10.244.2.0/24', '172.16.0.5'));
    const report = await rec.start();
    const change = report.changes.find((c) => c.dst === '10.244.2.0/24');
    assert.equal(change?.description, `add route 10.244.2.0/24 dev if${ep.ifindex}`);
    assert.equal(tunnels.ensures, 0);
    assert.deepEqual(await kernelRoutes(t.node, '4'), []);
  });

  it('cleanup removes every route, rule and tunnel it owns and leaves the namespace as it was', async () => {
    const t = await makeNode(lab(), `r${++n}`);
    await t.node.ip('route', 'add', '10.251.0.0/24', 'via', '10.0.0.3', 'proto', 'static');
    await t.node.ip('rule', 'add', 'from', '10.9.0.0/24', 'fwmark', '7', 'lookup', '77');
    const before = await snapshot(t.node);
    const tunnels = new FakeTunnels(t.node);
    const rec = new RouteReconciler({ netns: t.node.name, syncPeriodMs: 0, overlay: SUBNET_IPIP, tunnels, podCidrs: ['10.244.0.0/24', 'fd00:244::/64'] });
    open.push(rec);
    for (const p of [via('10.244.1.0/24', '10.0.0.3'), via('10.244.6.0/24', '10.0.0.3', '10.0.0.4'), via('fd00:244:1::/64', 'fd00::3'), via('10.244.2.0/24', '172.16.0.5')]) {
      rec.setPath(p);
    }
    await rec.start();
    assert.notDeepEqual(await snapshot(t.node), before);
    const report = await rec.cleanup();
    assert.deepEqual(report.errors, []);
    assert.deepEqual([report.counts.removed, report.counts.rulesRemoved], [5, 2]);
    assert.equal(tunnels.cleanups, 1);
    assert.deepEqual(await snapshot(t.node), before);
  });

  it('a failing route is reported with the named error, retried, and does not stop the others', async () => {
    const t = await makeNode(lab(), `r${++n}`);
    const peer2 = await lab().netns(`r${n}q`);
    await lab().veth(t.node, peer2, { aName: 'eth1', bName: 'eth1', aAddrs: ['10.1.0.1/24'], bAddrs: ['10.1.0.3/24'] });
    await t.node.ip('link', 'set', 'eth1', 'down'); // address kept, connected route gone: the gateway is unreachable
    const netlinkErrors: NetlinkError[] = [];
    const latencies: string[] = [];
    const rec = new RouteReconciler({
      netns: t.node.name,
      syncPeriodMs: 0,
      retryInitialMs: 100,
      overlay: SUBNET_IPIP,
      hooks: { netlinkError: (e) => netlinkErrors.push(e), programmingLatency: (s, p) => latencies.push(`${p}:${s >= 0}`) },
    });
    open.push(rec);
    rec.setPath(via('10.244.1.0/24', '10.0.0.3'));
    rec.setPath(via('10.244.9.0/24', '10.1.0.3'));
    rec.setPath(via('10.244.3.0/24', '10.0.0.4'));
    const report = await rec.start();
    assert.equal(report.counts.added, 2);
    assert.equal(report.errors.length, 1);
    assert.equal(report.errors[0]!.code, 'ENETUNREACH');
    assert.match(report.errors[0]!.message, /^add route 10\.244\.9\.0\/24 via 10\.1\.0\.3: Network is unreachable \(ENETUNREACH\)/);
    assert.ok(netlinkErrors.length >= 1 && netlinkErrors[0] instanceof NetlinkError);
    assert.deepEqual((await kernelRoutes(t.node, '4')).map((r) => r.dst), ['10.244.1.0/24', '10.244.3.0/24']);
    assert.deepEqual(latencies.sort(), ['10.244.1.0/24:true', '10.244.3.0/24:true']);
    // Retried with backoff while failing.
    await waitFor(() => netlinkErrors.length >= 3, {
      what: `retries of the failing route (errors so far: ${netlinkErrors.length}, failing: ${JSON.stringify(rec.failing())})`,
      timeoutMs: 10_000,
    });
    const failing = rec.failing();
    assert.equal(failing.length, 1);
    assert.equal(failing[0]!.code, 'ENETUNREACH');
    assert.ok(failing[0]!.attempts >= 3);
    // The link comes up: the route goes in.
    await t.node.ip('link', 'set', 'eth1', 'up');
    await waitFor(async () => (await kernelRoutes(t.node, '4')).some((r) => r.dst === '10.244.9.0/24'), {
      what: 'the failed route installed once its gateway is reachable',
      timeoutMs: 5000,
      intervalMs: 50,
    });
    await rec.settled();
    assert.deepEqual(rec.failing(), []);
  });

  it('never overwrites a route of another protocol in its slot: EEXIST is reported and retried with backoff', async () => {
    const t = await makeNode(lab(), `r${++n}`);
    await t.node.ip('route', 'add', '10.244.5.0/24', 'via', '10.0.0.4', 'proto', 'static');
    const reasons: ResyncReason[] = [];
    const errors: NetlinkError[] = [];
    const rec = new RouteReconciler({
      netns: t.node.name,
      syncPeriodMs: 0,
      retryInitialMs: 100,
      overlay: SUBNET_IPIP,
      hooks: { resync: (r) => reasons.push(r), netlinkError: (e) => errors.push(e) },
    });
    open.push(rec);
    rec.setPath(via('10.244.5.0/24', '10.0.0.3'));
    rec.setPath(via('10.244.1.0/24', '10.0.0.3'));
    const report = await rec.start();
    assert.deepEqual(report.errors.map((e) => e.code), ['EEXIST']);
    await sleep(1000);
    assert.match(await t.node.ip('route', 'show', '10.244.5.0/24'), /via 10\.0\.0\.4 .*proto static/);
    assert.deepEqual((await kernelRoutes(t.node, '4')).map((r) => r.dst), ['10.244.1.0/24']);
    // One re-dump to rule out a route of ours the mirror missed, then only backoff retries (100, 200, 400 ms...).
    assert.deepEqual(reasons, ['startup', 'requested']);
    assert.ok(errors.length >= 3 && errors.length <= 6, `retried ${errors.length} times in a second`);
  });

  it('a failing tunnel leaves its routes alone, is reported, and is retried', async () => {
    const t = await makeNode(lab(), `r${++n}`);
    const tunnels = new FakeTunnels(t.node);
    tunnels.failFor.add('172.16.0.5');
    const rec = new RouteReconciler({ netns: t.node.name, syncPeriodMs: 0, retryInitialMs: 100, overlay: SUBNET_IPIP, tunnels });
    open.push(rec);
    rec.setPath(via('10.244.2.0/24', '172.16.0.5'));
    rec.setPath(via('10.244.1.0/24', '10.0.0.3'));
    const report = await rec.start();
    assert.deepEqual(report.errors.map((e) => e.code), ['ETUNNEL']);
    assert.deepEqual((await kernelRoutes(t.node, '4')).map((r) => r.dst), ['10.244.1.0/24']);
    tunnels.failFor.clear();
    await waitFor(async () => (await kernelRoutes(t.node, '4')).some((r) => r.dst === '10.244.2.0/24'), {
      what: 'tunnel route after the tunnel recovered',
      timeoutMs: 5000,
      intervalMs: 50,
    });
  });
});

describe('reconciler: lifecycle', () => {
  const lab = useLab('reclife');

  it('runs a full pass every sync period (--injected-routes-sync-period) and repairs what no notification showed', async () => {
    const t = await makeNode(lab(), 'pd');
    const reasons: ResyncReason[] = [];
    const rec = new RouteReconciler({ netns: t.node.name, syncPeriodMs: 300, hooks: { resync: (r) => reasons.push(r) } });
    try {
      rec.setPath(via('10.244.1.0/24', '10.0.0.3'));
      await rec.start();
      // A monitor that misses a deletion (simulated: the mirror is told nothing) is corrected by the timer's re-dump.
      (rec as unknown as { monitor: RtnlMonitor }).monitor.removeAllListeners('event');
      await t.node.ip('route', 'del', '10.244.1.0/24');
      await waitFor(async () => (await kernelRoutes(t.node, '4')).length === 1, { what: 'route restored by the periodic pass', timeoutMs: 5000, intervalMs: 50 });
      assert.ok(reasons.filter((r) => r === 'periodic').length >= 1);
    } finally {
      rec.stop();
    }
  });

  it('stopping in the middle of a large batch reports no errors for the requests it abandons', async () => {
    const t = await makeNode(lab(), 'mid');
    const errors: string[] = [];
    const rec = new RouteReconciler({
      netns: t.node.name,
      syncPeriodMs: 0,
      hooks: { netlinkError: (e) => errors.push(e.message), error: (e) => errors.push(e.message) },
    });
    for (let i = 0; i < 20_000; i++) rec.setPath(via(`10.${100 + (i >> 16)}.${(i >> 8) & 0xff}.${i & 0xff}/32`, '10.0.0.3'));
    // Stop at the first notification of an installed route: the batch is under way.
    const monitor = RtnlMonitor.open({ netns: t.node.name, topics: ['route'] });
    monitor.once('route', () => rec.stop());
    try {
      await rec.start().catch((e: unknown) => e);
      await sleep(200);
    } finally {
      monitor.close();
    }
    const installed = (await t.node.ip('route', 'show', 'proto', '17')).split('\n').filter(Boolean).length;
    assert.ok(installed < 20_000, `stopped mid-batch (${installed} of 20000 installed)`);
    assert.deepEqual(errors, []);
  });

  it('a stopped reconciler refuses to resync instead of reporting a stale pass', async () => {
    const t = await makeNode(lab(), 'lf');
    const rec = new RouteReconciler({ netns: t.node.name, syncPeriodMs: 0 });
    await rec.start();
    rec.stop();
    await assert.rejects(rec.resync(), /stopped/);
  });
});

describe('reconciler: rt_tables registration (a temp file, never the host file)', () => {
  const lab = useLab('rttables');

  it('appends `77 kube-router` once, keeps the file otherwise, and refuses a clash', async () => {
    const file = lab().file('rt_tables');
    await writeFile(file, '#\n# reserved values\n#\n255\tlocal\n254\tmain\n253\tdefault\n0\tunspec');
    assert.deepEqual(await registerRouteTable({ paths: [file] }), { path: file, added: true });
    assert.deepEqual(await registerRouteTable({ paths: [file] }), { path: file, added: false });
    const text = await readFile(file, 'utf8');
    assert.equal(text, '#\n# reserved values\n#\n255\tlocal\n254\tmain\n253\tdefault\n0\tunspec\n77\tkube-router\n');
    const missing = lab().file('sub/rt_tables');
    assert.deepEqual(await registerRouteTable({ paths: [missing, file] }), { path: file, added: false }, 'found in a later path');
    const clash = lab().file('clash');
    await writeFile(clash, '77\tsomething-else\n');
    await assert.rejects(registerRouteTable({ paths: [clash] }), RtTablesConflictError);
    const fresh = lab().file('dir/rt_tables');
    assert.deepEqual(await registerRouteTable({ paths: [fresh] }), { path: fresh, added: true });
    assert.equal(await readFile(fresh, 'utf8'), '77\tkube-router\n');
  });

  it('the reconciler registers the table at start when given a path; a clash is reported, not fatal', async () => {
    const t = await makeNode(lab(), 'rt');
    const file = lab().file('rt_tables2');
    const rec = new RouteReconciler({ netns: t.node.name, syncPeriodMs: 0, rtTables: { paths: [file] } });
    try {
      await rec.start();
      assert.match(await readFile(file, 'utf8'), /^77\tkube-router$/m);
    } finally {
      rec.stop();
    }
    const clash = lab().file('rt_tables3');
    await writeFile(clash, '77\tother\n');
    const errors: Error[] = [];
    const rec2 = new RouteReconciler({ netns: t.node.name, syncPeriodMs: 0, rtTables: { paths: [clash] }, hooks: { error: (e) => errors.push(e) } });
    try {
      rec2.setPath(via('10.244.1.0/24', '10.0.0.3'));
      const report = await rec2.start();
      assert.equal(report.counts.added, 1);
      assert.ok(errors.some((e) => e instanceof RtTablesConflictError), 'clash reported');
      assert.equal(await readFile(clash, 'utf8'), '77\tother\n');
    } finally {
      rec2.stop();
    }
  });
});
