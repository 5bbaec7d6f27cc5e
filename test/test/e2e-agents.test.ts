// End to end in network namespaces (root, gobgpd): kroute agents — the real bin — on real kernel routes, sharing
// one --cluster-state file, with a gobgpd ToR peering eBGP with TCP-MD5 (RFC 2385) with every node. Nodes a and b
// share LAN 1 (pod traffic goes direct), c and later d sit on LAN 2 behind the ToR, which routes between the LANs
// (pod traffic between the LANs goes through the VXLAN overlay, --overlay-type=subnet). The ToR holds no pod
// routes in its kernel, so a pod ping across the LANs only works through the overlay.
import assert from 'node:assert/strict';
import { requireGobgpd, requireNetns, startGobgpd, useLab, waitFor, type Gobgpd, type ManagedProcess, type Netns } from '@kroute/testkit';
import {
  agentNeighbors, buildWorld, krouteRoutes, KROUTE_PROTOCOL, KROUTE_VXLAN_DEVICE, links, podPing, routeKey, routes, rules, runKroute, startKroute,
  writeClusterFile, type E2eHost, type E2eNode, type E2eService, type IpRoute,
} from '../src/e2e/index.js';

const CLUSTER_ASN = 64512;
const TOR_ASN = 65000;
const MD5_KEY = 'e2e-s3cret';
const HOSTS = {
  a: { name: 'a', ip: '10.10.1.11', podCidr: '10.244.1.0/24' },
  b: { name: 'b', ip: '10.10.1.12', podCidr: '10.244.2.0/24' },
  c: { name: 'c', ip: '10.10.2.13', podCidr: '10.244.3.0/24' },
  d: { name: 'd', ip: '10.10.2.14', podCidr: '10.244.4.0/24' },
} as const;
type HostName = keyof typeof HOSTS;
const VIP_RANGE = '198.51.100.0/24';
const WEB: E2eService = { name: 'web', clusterIp: '10.96.0.10', externalIp: '198.51.100.10', localOn: 'b' };
const API: E2eService = { name: 'api', clusterIp: '10.96.0.20', externalIp: '198.51.100.20' };
const NEW: E2eService = { name: 'new', clusterIp: '10.96.0.30', externalIp: '198.51.100.30' };
/** Table 77 (`kube-router`): kroute's tunnel table and its rules' target. */
const TUNNEL_TABLE = '77';
/** Continuous ping interval across the restart (ping -i). */
const PING_INTERVAL_S = '0.2';
/** How long agent b stays down in the restart test: long enough for several pings to cross the gap. */
const DOWN_MS = 2_000;
const CONVERGE_MS = 45_000;
/**
 * RFC 4724 §4.1: a restarting speaker keeps its forwarding state until its table is complete (End-of-RIB from every
 * peer, at the latest the deferral time); the agent sweeps stale kernel routes then. Short, so the sweep happens
 * within the test even if an End-of-RIB is missing.
 */
const GR_DEFERRAL_S = 8;

describe('e2e: kroute agents in namespaces with a gobgpd ToR', function () {
  this.timeout(180_000);
  before(() => { requireNetns(); requireGobgpd(); });
  const lab = useLab('e2e');
  let tor: Netns;
  let gobgpd: Gobgpd;
  let hosts: Map<string, E2eHost>;
  let file: string;
  const agents = new Map<HostName, ManagedProcess>();
  let nodes: E2eNode[];
  let services: E2eService[];

  const host = (n: HostName) => hosts.get(n)!;
  const nodeOf = (n: HostName, annotations?: Record<string, string>): E2eNode => ({ name: n, ip: HOSTS[n].ip, podCidr: HOSTS[n].podCidr, ...(annotations ? { annotations } : {}) });
  const agentArgs = (n: HostName) => [
    '--cluster-state', file, '--hostname-override', n, `--cluster-asn=${CLUSTER_ASN}`,
    `--peer-router-ips=${host(n).torIp}`, `--peer-router-asns=${TOR_ASN}`, `--peer-router-passwords=${Buffer.from(MD5_KEY).toString('base64')}`,
    // This kernel has no ipip/fou: the overlay is VXLAN; subnet mode tunnels only across the LANs.
    '--enable-overlay', '--overlay-type=subnet', '--overlay-encap=vxlan',
    '--advertise-external-ip', `--service-external-ip-range=${VIP_RANGE}`,
    '--bgp-graceful-restart', `--bgp-graceful-restart-deferral-time=${GR_DEFERRAL_S}s`,
    // Short timers: the periodic passes run several times within the test; events still drive every change.
    '--routes-sync-period=10s', '--injected-routes-sync-period=10s', '--health-port=0',
  ];
  const exitedPids = new Set<number>();
  const start = (n: HostName) => {
    const p = startKroute(host(n).ns, agentArgs(n), lab().file(`kroute-${n}.log`));
    void p.exited.then(() => exitedPids.add(p.pid));
    agents.set(n, p);
  };
  const write = () => writeClusterFile(file, nodes, services);
  const logsOf = () => [...agents.entries()].map(([n, p]) => `--- kroute ${n} ---\n${p.output().split('\n').slice(-25).join('\n')}`).join('\n');

  /** Pod CIDR routes kroute installed on node `n`, by destination. */
  async function podRoutes(n: HostName): Promise<Map<string, IpRoute>> {
    return new Map((await krouteRoutes(host(n).ns)).filter((r) => r.dst.startsWith('10.244.')).map((r) => [r.dst, r] as const));
  }

  /** Every node in `members` has a kroute route to every other member's pod CIDR. */
  async function meshComplete(members: readonly HostName[]): Promise<boolean> {
    for (const n of members) {
      const have = await podRoutes(n);
      if (!members.every((m) => m === n || have.has(HOSTS[m].podCidr))) return false;
    }
    return true;
  }

  async function vipPaths(prefix: string): Promise<string[]> {
    return (await gobgpd.rib()).filter((r) => r.prefix === prefix).map((r) => r.neighbor ?? 'local').sort();
  }

  before(async () => {
    tor = await lab().netns('tor');
    hosts = await buildWorld(lab(), tor, [
      { label: 'lan1', cidr: '10.10.1.0/24', hosts: [HOSTS.a, HOSTS.b] },
      { label: 'lan2', cidr: '10.10.2.0/24', hosts: [HOSTS.c, HOSTS.d] },
    ]);
    gobgpd = await startGobgpd(tor, {
      asn: TOR_ASN, routerId: '10.10.1.1',
      neighbors: (Object.keys(HOSTS) as HostName[]).map((n) => ({ address: HOSTS[n].ip, asn: CLUSTER_ASN, password: MD5_KEY, localAddress: host(n).torIp })),
    });
    file = lab().file('cluster.yaml');
    nodes = [nodeOf('a'), nodeOf('b'), nodeOf('c')];
    services = [WEB, API];
    write();
    for (const n of ['a', 'b', 'c', 'd'] as const) start(n); // d is not in the cluster yet: it waits for its Node
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    console.log(logsOf());
    for (const [n, h] of hosts) console.log(`--- ${n}: ip route, ip rule ---\n${await h.ns.ip('route', 'show')}${await h.ns.ip('rule', 'show')}`);
  });

  it('pod CIDRs reach each other: direct routes on one LAN, the VXLAN overlay across LANs', async () => {
    await waitFor(() => meshComplete(['a', 'b', 'c']), { what: 'every node has a route to every other pod CIDR', timeoutMs: CONVERGE_MS, intervalMs: 200 });
    const atA = await podRoutes('a');
    assert.equal(atA.get(HOSTS.b.podCidr)?.gateway, HOSTS.b.ip, 'same LAN: via the node');
    assert.equal(atA.get(HOSTS.b.podCidr)?.dev, 'eth0');
    assert.equal(atA.get(HOSTS.c.podCidr)?.dev, KROUTE_VXLAN_DEVICE, 'other LAN: through the overlay');
    assert.equal((await podRoutes('c')).get(HOSTS.a.podCidr)?.dev, KROUTE_VXLAN_DEVICE);
    assert.deepEqual((await routes(tor)).filter((r) => r.dst.startsWith('10.244.')), [], 'the ToR cannot route pod traffic itself');
    const failed: string[] = [];
    for (const x of ['a', 'b', 'c'] as const) {
      for (const y of ['a', 'b', 'c'] as const) if (x !== y && !(await podPing(host(x), host(y)))) failed.push(`${x}->${y}`);
    }
    assert.deepEqual(failed, [], 'pod pings without answer');
  });

  it('gobgpd learns the VIPs per the advertisement rules, over MD5 sessions', async () => {
    for (const n of ['a', 'b', 'c'] as const) await gobgpd.waitForState(HOSTS[n].ip, 'established', CONVERGE_MS);
    await waitFor(async () => (await vipPaths(`${API.externalIp}/32`)).length === 3, { what: 'the api VIP from every node', timeoutMs: CONVERGE_MS });
    assert.deepEqual(await vipPaths(`${API.externalIp}/32`), [HOSTS.a.ip, HOSTS.b.ip, HOSTS.c.ip]);
    // externalTrafficPolicy: Local, its only ready endpoint on b: only b advertises it.
    assert.deepEqual(await vipPaths(`${WEB.externalIp}/32`), [HOSTS.b.ip]);
    const rib = await gobgpd.rib();
    assert.deepEqual(rib.filter((r) => r.prefix.startsWith('10.96.')), [], 'cluster IPs are not advertised without --advertise-cluster-ip');
    const viaA = rib.find((r) => r.prefix === `${API.externalIp}/32` && r.neighbor === HOSTS.a.ip)!;
    assert.deepEqual(viaA.asPath, [CLUSTER_ASN]);
    assert.equal(viaA.nextHop, HOSTS.a.ip);
  });

  it('a new service and an annotation change converge without restarts or session resets', async () => {
    const pids = [...agents.values()].map((p) => p.pid);
    const uptimeOf = async (ip: string) => JSON.stringify((await gobgpd.neighbors()).find((x) => x.address === ip)?.raw['timers'] ?? {}).match(/"uptime":[^,}]+/)?.[0];
    const upA = await uptimeOf(HOSTS.a.ip);
    services = [WEB, API, NEW];
    write();
    await waitFor(async () => (await vipPaths(`${NEW.externalIp}/32`)).length === 3, { what: 'the new VIP from every node', timeoutMs: CONVERGE_MS });

    nodes = [nodeOf('a', { 'kube-router.io/node.bgp.communities': '65000:100' }), nodeOf('b'), nodeOf('c')];
    write();
    await waitFor(async () => (await gobgpd.rib()).filter((r) => r.neighbor === HOSTS.a.ip).every((r) => r.communities.includes('65000:100')),
      { what: 'node a routes carry 65000:100', timeoutMs: CONVERGE_MS });
    assert.ok((await gobgpd.rib()).filter((r) => r.neighbor === HOSTS.b.ip).every((r) => r.communities.length === 0), 'only node a changed');
    assert.deepEqual([...agents.values()].map((p) => p.pid), pids);
    assert.ok([...agents.values()].every((p) => !exitedPids.has(p.pid)), 'no agent restarted');
    assert.equal(await gobgpd.neighborState(HOSTS.a.ip), 'established');
    assert.equal(await uptimeOf(HOSTS.a.ip), upA, 'the session of node a was not reset');
  });

  it('a node joins: every node routes to it and it to every node, without restarts (time printed)', async () => {
    nodes = [...nodes, nodeOf('d')];
    const t0 = Date.now();
    write();
    await waitFor(() => meshComplete(['a', 'b', 'c', 'd']), { what: 'routes to and from node d everywhere', timeoutMs: CONVERGE_MS, intervalMs: 20 });
    const ms = Date.now() - t0;
    console.log(`      node join: file change -> pod routes on every node in ${ms} ms`);
    assert.equal((await podRoutes('a')).get(HOSTS.d.podCidr)?.dev, KROUTE_VXLAN_DEVICE);
    assert.equal((await podRoutes('c')).get(HOSTS.d.podCidr)?.gateway, HOSTS.d.ip);
    for (const [x, y] of [['a', 'd'], ['d', 'a'], ['c', 'd'], ['d', 'b']] as const) assert.ok(await podPing(host(x), host(y)), `pod ${x} -> pod ${y}`);
    await waitFor(async () => (await vipPaths(`${API.externalIp}/32`)).length === 4, { what: 'the api VIP from node d too', timeoutMs: CONVERGE_MS });
  });

  it('restarting agent b with graceful restart loses no ping across it, and its kernel routes survive', async () => {
    const before = [...(await podRoutes('b')).values()].map(routeKey).sort();
    const pingers = [host('a').pod.spawn('ping', ['-i', PING_INTERVAL_S, host('b').podIp]), host('c').pod.spawn('ping', ['-i', PING_INTERVAL_S, host('b').podIp])];
    await waitFor(() => pingers.every((p) => /icmp_seq=3 /.test(p.output())), { what: 'pings flowing', timeoutMs: 10_000 });

    const old = agents.get('b')!;
    await old.stop('SIGTERM', 10_000);
    assert.equal(await old.exited, 0, 'a clean graceful stop');
    const seqAtStop = pingers.map((p) => maxSeq(p.output()));
    assert.deepEqual([...(await podRoutes('b')).values()].map(routeKey).sort(), before, 'routes kept while the agent is down');
    await new Promise((r) => setTimeout(r, DOWN_MS));

    start('b');
    await waitFor(async () => (await agentNeighbors(host('b').ns)).filter((x) => x.state === 'Established').length === 4,
      { what: 'b established with a, c, d and the ToR again', timeoutMs: CONVERGE_MS, intervalMs: 500 });
    const restarted = agents.get('b')!;
    assert.match(restarted.output(), /graceful restart: keeping \d+ kernel routes from the previous run/);
    // The old routes are held until the table is complete, then whatever is still stale is swept.
    await waitFor(() => /graceful restart: .*stale kernel routes swept/.test(restarted.output()),
      { what: 'the deferral sweep on b', timeoutMs: GR_DEFERRAL_S * 1000 + CONVERGE_MS });
    assert.deepEqual([...(await podRoutes('b')).values()].map(routeKey).sort(), before, 'the same routes after the restart and the sweep');
    await new Promise((r) => setTimeout(r, 1_000));
    for (const p of pingers) await p.stop('SIGINT', 3_000);
    pingers.forEach((p, k) => {
      const seqs = replySeqs(p.output());
      const last = Math.max(...seqs);
      const missing = Array.from({ length: last }, (_, i) => i + 1).filter((s) => !seqs.has(s));
      assert.deepEqual(missing, [], `${k === 0 ? 'a' : 'c'} -> b: icmp_seq without reply`);
      assert.ok(last > seqAtStop[k]! + 10, `the pings span the restart (last reply ${last}, at SIGTERM ${seqAtStop[k]})`);
    });
  });

  it('--cleanup-config removes every route, rule and tunnel kroute made in a node, and nothing else', async () => {
    const a = host('a').ns;
    await agents.get('a')!.stop('SIGTERM', 10_000); // graceful: its routes stay, for cleanup to remove
    // Things kroute does not own, and must leave alone: other protocols (also in its own table), a rule, a VXLAN.
    await a.ip('route', 'add', '192.0.2.0/24', 'via', host('a').torIp, 'proto', 'static');
    await a.ip('route', 'add', '198.18.0.0/24', 'via', host('a').torIp, 'table', TUNNEL_TABLE, 'proto', 'static');
    await a.ip('rule', 'add', 'from', '192.0.2.0/24', 'lookup', '100', 'pref', '500');
    await a.ip('link', 'add', 'other.vx', 'type', 'vxlan', 'id', '42', 'dstport', '4790', 'local', HOSTS.a.ip, 'dev', 'eth0');
    const mine = (r: IpRoute) => r.protocol === KROUTE_PROTOCOL || r.dev === KROUTE_VXLAN_DEVICE;
    const before = await snapshot(a);
    assert.ok(before.routes.some((r) => r.protocol === KROUTE_PROTOCOL), 'kroute routes to clean up');
    assert.ok(before.rules.some((r) => isTunnelRule(r)), 'a kroute rule to clean up');
    assert.ok(before.links.includes(KROUTE_VXLAN_DEVICE));

    const r = await runKroute(a, ['--cleanup-config', '--cluster-state', file, '--hostname-override', 'a', '--enable-overlay', '--overlay-encap=vxlan']);
    assert.equal(r.code, 0, r.stderr);
    const after = await snapshot(a);
    assert.deepEqual(after.routes.filter(mine), [], 'no kroute route left');
    assert.deepEqual(after.rules.filter(isTunnelRule), [], 'no kroute rule left');
    assert.ok(!after.links.includes(KROUTE_VXLAN_DEVICE), 'the VXLAN device is gone');
    assert.deepEqual(after.routes.map(routeKey).sort(), before.routes.filter((x) => !mine(x)).map(routeKey).sort(), 'every other route kept');
    assert.deepEqual(after.rules.map((x) => JSON.stringify(x)).sort(), before.rules.filter((x) => !isTunnelRule(x)).map((x) => JSON.stringify(x)).sort(), 'every other rule kept');
    assert.deepEqual(after.links, before.links.filter((l) => l !== KROUTE_VXLAN_DEVICE), 'every other link kept');
  });
});

function isTunnelRule(r: { table?: string; src?: string }): boolean {
  return (r.table === TUNNEL_TABLE || r.table === 'kube-router') && r.src !== undefined;
}

async function snapshot(ns: Netns) {
  return {
    routes: (await routes(ns, 'table', 'all')).filter((r) => r.table !== 'local' || !r.dst.startsWith('fe80')),
    rules: await rules(ns),
    links: (await links(ns)).map((l) => l.ifname).sort(),
  };
}

function replySeqs(output: string): Set<number> {
  return new Set([...output.matchAll(/bytes from .* icmp_seq=(\d+) /g)].map((m) => Number(m[1])));
}

function maxSeq(output: string): number {
  return Math.max(0, ...replySeqs(output));
}
