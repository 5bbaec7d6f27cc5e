// Runs INSIDE the test VM (Debian's stock kernel; see ../tunnels-vm.test.ts), never on the host, whose kernel has no
// ipip, ip6tnl or fou. Two node namespaces joined by a veth get their tunnels ONLY from TunnelManager; the test adds
// the routes the reconciler would (through the netlink API) and pings across each encapsulation. Exits non-zero on
// the first failed check; prints `MEASURED ...` lines for the host side and `all tunnel checks passed` at the end.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { AF_INET, AF_INET6, FouClient, Rtnl, RtnlMonitor, type DecodedLink, type RtnlEvent, type TunnelEndpoint } from '@kroute/routing';
import { DEFAULT_FOU_PORT, FOU_TUNNEL_TTL, TunnelManager, overlayMtu, tunnelName, type TunnelEncap } from '../../src/index.js';

const KROUTE_PROTO = 17;
const QUIET_MS = 500;
const ORPHAN = '10.0.0.99';

interface Side {
  ns: string;
  me4: string;
  me6: string;
  peer4: string;
  peer6: string;
  pod4: string;
  pod6: string;
  peerPod4: string;
  peerPod6: string;
}

const sides: Side[] = [
  { ns: 'a', me4: '10.0.0.1', me6: 'fd00::1', peer4: '10.0.0.2', peer6: 'fd00::2', pod4: '10.244.1.1', pod6: 'fd44:1::1', peerPod4: '10.244.2.1', peerPod6: 'fd44:2::1' },
  { ns: 'b', me4: '10.0.0.2', me6: 'fd00::2', peer4: '10.0.0.1', peer6: 'fd00::1', pod4: '10.244.2.1', pod6: 'fd44:2::1', peerPod4: '10.244.1.1', peerPod6: 'fd44:1::1' },
];

function sh(cmd: string, ...args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const started = performance.now();
function step(name: string): void {
  console.log(`== ${name} (at ${Math.round(performance.now() - started)} ms)`);
}

/**
 * Scaffolding only (the "physical" network): namespaces, a veth, addresses. No tunnel is made here. Process starts
 * are slow under TCG, so only the namespaces and the cross-namespace veth use `ip`; the rest goes over netlink.
 */
async function underlay(): Promise<void> {
  for (const s of sides) sh('ip', 'netns', 'add', s.ns);
  sh('ip', '-n', 'a', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', 'b');
  for (const s of sides) {
    await withRtnl(s.ns, async (rtnl) => {
      const lo = (await rtnl.getLink('lo'))!.index;
      const eth0 = (await rtnl.getLink('eth0'))!.index;
      await rtnl.setLink({ index: lo, up: true });
      await rtnl.addAddress({ index: eth0, address: `${s.me4}/24` });
      await rtnl.addAddress({ index: eth0, address: `${s.me6}/64`, nodad: true });
      await rtnl.setLink({ index: eth0, up: true });
      // "Pod" addresses behind each node, on its loopback.
      await rtnl.addAddress({ index: lo, address: `${s.pod4}/32` });
      await rtnl.addAddress({ index: lo, address: `${s.pod6}/128`, nodad: true });
    });
  }
}

async function linkNames(ns: string): Promise<string[]> {
  return withRtnl(ns, async (rtnl) => (await rtnl.listLinks()).map((l) => l.name).sort());
}

async function withRtnl<T>(ns: string, fn: (rtnl: Rtnl) => Promise<T>): Promise<T> {
  const rtnl = Rtnl.open({ netns: ns });
  try {
    return await fn(rtnl);
  } finally {
    rtnl.close();
  }
}

async function fouPorts(ns: string): Promise<string[]> {
  let fou: FouClient;
  try {
    fou = await FouClient.open({ netns: ns });
  } catch {
    return []; // no fou module loaded: no ports
  }
  try {
    return (await fou.listPorts()).map((p) => `${p.family === AF_INET6 ? 'v6' : 'v4'}/${p.port}/${p.type}`).sort();
  } finally {
    fou.close();
  }
}

interface Programmed {
  managers: TunnelManager[];
  endpoints: { v4: TunnelEndpoint; v6: TunnelEndpoint }[];
}

/** Each node's manager ensures its tunnels to the other; then the reconciler's routes go on (test-side). */
async function program(encap: TunnelEncap): Promise<Programmed> {
  const managers: TunnelManager[] = [];
  const endpoints: Programmed['endpoints'] = [];
  for (const s of sides) {
    const m = new TunnelManager({ netns: s.ns, encap, localAddresses: [s.me4, s.me6] });
    managers.push(m);
    const v4 = await m.ensure(s.peer4);
    const v6 = await m.ensure(s.peer6);
    endpoints.push({ v4, v6 });
    await withRtnl(s.ns, async (rtnl) => {
      await rtnl.replaceRoute({ dst: `${s.peerPod4}/32`, oif: v4.ifindex, prefsrc: s.pod4, protocol: KROUTE_PROTO });
      await rtnl.replaceRoute({ dst: `${s.peerPod6}/128`, oif: v6.ifindex, prefsrc: s.pod6, protocol: KROUTE_PROTO });
    });
  }
  return { managers, endpoints };
}

function close(p: Programmed): void {
  for (const m of p.managers) m.close();
}

/** UDP datagrams received in `ns`, IPv4 and IPv6: GUE arrives as UDP, plain IP-in-IP does not. */
function udpIn(ns: string): [number, number] {
  const out = sh('ip', 'netns', 'exec', ns, 'nstat', '-asz', '--json', 'UdpInDatagrams', 'Udp6InDatagrams');
  const counters = (JSON.parse(out) as { kernel: Record<string, number> }).kernel;
  return [counters['UdpInDatagrams'] ?? 0, counters['Udp6InDatagrams'] ?? 0];
}

/** Pings the peer's IPv4 and IPv6 pod addresses (one shell, to save process starts under TCG). */
function ping(from: Side): void {
  const flags = '-c 2 -i 0.2 -W 3';
  const out = sh('ip', 'netns', 'exec', from.ns, 'sh', '-c', `ping -4 ${flags} ${from.peerPod4} && ping -6 ${flags} ${from.peerPod6}`);
  assert.equal(out.match(/ 0% packet loss/g)?.length, 2, `ping from ${from.ns}:\n${out}`);
}

async function linkOf(ns: string, name: string): Promise<DecodedLink> {
  const l = await withRtnl(ns, (rtnl) => rtnl.getLink(name));
  assert.ok(l, `link ${name} in ${ns}`);
  return l;
}

/** Checks the links' shape and that the kernel-derived MTU equals the MTU table's figure. */
async function checkLinks(p: Programmed, encap: TunnelEncap): Promise<void> {
  for (const [i, s] of sides.entries()) {
    for (const [family, peer, ep] of [[AF_INET, s.peer4, p.endpoints[i]!.v4], [AF_INET6, s.peer6, p.endpoints[i]!.v6]] as const) {
      assert.equal(ep.name, tunnelName(peer));
      const l = await linkOf(s.ns, ep.name);
      assert.equal(l.index, ep.ifindex);
      assert.equal(l.info?.kind, family === AF_INET ? 'ipip' : 'ip6tnl');
      assert.equal(l.info?.tunnel?.remote, peer);
      assert.ok(l.up, `${ep.name} up`);
      const wantEncap = encap === 'fou' ? 'gue' : 'none';
      assert.equal(l.info?.tunnel?.encap?.type ?? 'none', wantEncap);
      if (encap === 'fou') {
        assert.equal(l.info?.tunnel?.encap?.dport, DEFAULT_FOU_PORT);
        assert.equal(l.info?.tunnel?.ttl, FOU_TUNNEL_TTL);
      }
      const table = overlayMtu(1500, encap === 'fou' ? 'gue' : 'ipip', family);
      console.log(`MEASURED mtu ${encap === 'fou' ? 'gue' : 'ipip'} ipv${family === AF_INET ? 4 : 6} kernel=${l.mtu} table=${table}`);
      assert.equal(l.mtu, table, `kernel-derived MTU of ${l.info?.kind}${encap === 'fou' ? '+gue' : ''}`);
    }
  }
}

async function watchLinks<T>(ns: string, fn: () => Promise<T>): Promise<{ result: T; events: string[] }> {
  const monitor = RtnlMonitor.open({ netns: ns, topics: ['link'] });
  const events: string[] = [];
  monitor.on('event', (e: RtnlEvent) => {
    if (e.kind === 'link') events.push(`${e.action} ${e.link.name}`);
  });
  try {
    const result = await fn();
    await new Promise((r) => setTimeout(r, QUIET_MS));
    return { result, events };
  } finally {
    monitor.close();
  }
}

async function main(): Promise<void> {
  // Load the tunnel modules first so each new namespace gets its fallback devices (tunl0, ip6tnl0) at creation and
  // the before/after link lists compare like with like. fou/fou6 are left to TunnelManager's own loader.
  step('start');
  sh('modprobe', '-a', 'ipip', 'ip6_tunnel');
  await underlay();
  const pristine = [await linkNames('a'), await linkNames('b')];

  step('ipip');
  const ipip = await program('ipip');
  await checkLinks(ipip, 'ipip');
  ping(sides[0]!);
  ping(sides[1]!);
  assert.deepEqual(await fouPorts('a'), []);

  step('no churn');
  const again = await watchLinks('a', async () => [await ipip.managers[0]!.ensure(sides[0]!.peer4), await ipip.managers[0]!.ensure(sides[0]!.peer6)]);
  assert.deepEqual(again.result, [ipip.endpoints[0]!.v4, ipip.endpoints[0]!.v6]);
  assert.deepEqual(again.events, [], 'a second ensure() changed links');
  assert.equal(ipip.managers[0]!.lastOutcome.get(tunnelName(sides[0]!.peer4)), 'unchanged');
  assert.deepEqual(await ipip.managers[0]!.peek(sides[0]!.peer6), ipip.endpoints[0]!.v6, 'peek() sees the right link');
  assert.equal(await ipip.managers[0]!.peek(ORPHAN), undefined, 'peek() creates nothing');
  assert.equal((await linkNames('a')).includes(tunnelName(ORPHAN)), false);
  // The monitor does see link changes (so the empty list above means something): a link set down, then ensure()
  // raising it again without recreating it.
  const raised = await watchLinks('a', async () => {
    await withRtnl('a', (rtnl) => rtnl.setLink({ index: ipip.endpoints[0]!.v4.ifindex, up: false }));
    return ipip.managers[0]!.ensure(sides[0]!.peer4);
  });
  assert.ok(raised.events.length >= 2, `down and up seen: ${raised.events.join('; ')}`);
  assert.equal(raised.result.ifindex, ipip.endpoints[0]!.v4.ifindex);
  assert.equal(ipip.managers[0]!.lastOutcome.get(tunnelName(sides[0]!.peer4)), 'raised');

  step('endpoint mismatch');
  // A stale link under the right name but towards another remote (say, left by an older configuration): ensure()
  // recreates it towards the right one. Made here through netlink directly, as something other than the manager.
  const stale = tunnelName(sides[0]!.peer4);
  await withRtnl('a', async (rtnl) => {
    await rtnl.deleteLink({ name: stale });
    await rtnl.addLink({ name: stale, info: { kind: 'ipip', tunnel: { local: sides[0]!.me4, remote: '10.0.0.77' } } });
  });
  assert.equal(await ipip.managers[0]!.peek(sides[0]!.peer4), undefined, 'peek() does not offer a wrong link');
  const fixed = await ipip.managers[0]!.ensure(sides[0]!.peer4);
  assert.equal(ipip.managers[0]!.lastOutcome.get(stale), 'recreated');
  assert.equal((await linkOf('a', stale)).info?.tunnel?.remote, sides[0]!.peer4);
  ipip.endpoints[0]!.v4 = fixed;
  close(ipip);

  step('switch ipip -> fou');
  const udpBefore = udpIn('b');
  const fou = await program('fou');
  for (const m of fou.managers) {
    assert.equal(m.lastOutcome.get(tunnelName('10.0.0.1')) ?? m.lastOutcome.get(tunnelName('10.0.0.2')), 'recreated');
  }
  assert.notEqual(fou.endpoints[0]!.v4.ifindex, ipip.endpoints[0]!.v4.ifindex, 'the ipip link was recreated with GUE');
  await checkLinks(fou, 'fou');
  for (const s of sides) assert.deepEqual(await fouPorts(s.ns), [`v4/${DEFAULT_FOU_PORT}/gue`, `v6/${DEFAULT_FOU_PORT}/gue`]);
  ping(sides[0]!);
  const udpAfter = udpIn('b');
  console.log(`MEASURED gue udp datagrams into b: ipv4 +${udpAfter[0]! - udpBefore[0]!} ipv6 +${udpAfter[1]! - udpBefore[1]!}`);
  assert.ok(udpAfter[0]! - udpBefore[0]! >= 2 && udpAfter[1]! - udpBefore[1]! >= 2, 'the pings arrived as UDP (GUE)');

  // GUE links are left alone too on a second ensure(), and list() reports them.
  const fouAgain = await watchLinks('a', async () => [await fou.managers[0]!.ensure(sides[0]!.peer4), await fou.managers[0]!.ensure(sides[0]!.peer6)]);
  assert.deepEqual(fouAgain.result, [fou.endpoints[0]!.v4, fou.endpoints[0]!.v6]);
  assert.deepEqual(fouAgain.events, [], 'a second ensure() changed GUE links');
  const listed = (await fou.managers[0]!.list()).map((t) => `${t.name} ${t.kind} ${t.remote} ${t.encap}/${t.encapPort} up=${t.up}`).sort();
  assert.deepEqual(listed, [
    `${tunnelName(sides[0]!.peer4)} ipip ${sides[0]!.peer4} gue/${DEFAULT_FOU_PORT} up=true`,
    `${tunnelName(sides[0]!.peer6)} ip6tnl ${sides[0]!.peer6} gue/${DEFAULT_FOU_PORT} up=true`,
  ].sort());

  step('sweep (fou)');
  const m0 = fou.managers[0]!;
  await m0.ensure(ORPHAN);
  assert.ok((await linkNames('a')).includes(tunnelName(ORPHAN)));
  const swept = await watchLinks('a', () => m0.sweep(new Set([sides[0]!.peer4, sides[0]!.peer6])));
  // Unregistering a link also announces it going down (a NEWLINK) before the DELLINK.
  assert.ok(swept.events.includes(`del ${tunnelName(ORPHAN)}`), swept.events.join('; '));
  assert.deepEqual(swept.events.filter((e) => !e.endsWith(` ${tunnelName(ORPHAN)}`)), [], 'sweep touches nothing live');
  assert.deepEqual(await fouPorts('a'), [`v4/${DEFAULT_FOU_PORT}/gue`, `v6/${DEFAULT_FOU_PORT}/gue`], 'ports in use stay');
  // The IPv6 tunnel's peer leaves: its link goes, and with it the IPv6 FOU port nothing sends to any more.
  await m0.sweep(new Set([sides[0]!.peer4]));
  assert.equal((await linkNames('a')).includes(tunnelName(sides[0]!.peer6)), false);
  assert.deepEqual(await fouPorts('a'), [`v4/${DEFAULT_FOU_PORT}/gue`]);
  await m0.ensure(sides[0]!.peer6);
  assert.deepEqual(await fouPorts('a'), [`v4/${DEFAULT_FOU_PORT}/gue`, `v6/${DEFAULT_FOU_PORT}/gue`]);
  close(fou);

  step('switch fou -> ipip');
  const back = await program('ipip');
  await checkLinks(back, 'ipip');
  for (const s of sides) assert.deepEqual(await fouPorts(s.ns), [], `no FOU port left in ${s.ns}`);
  ping(sides[1]!);

  step('sweep (ipip) of an orphan');
  await back.managers[1]!.ensure(ORPHAN);
  await back.managers[1]!.sweep(new Set([sides[1]!.peer4, sides[1]!.peer6]));
  assert.equal((await linkNames('b')).includes(tunnelName(ORPHAN)), false);
  assert.ok((await linkNames('b')).includes(tunnelName(sides[1]!.peer4)));
  ping(sides[1]!);

  step('cleanup');
  // Leave FOU ports behind first (a fou manager), then let an ipip manager's cleanup find and remove them.
  const lingering = new TunnelManager({ netns: 'a', encap: 'fou', localAddresses: [sides[0]!.me4, sides[0]!.me6] });
  await lingering.ensure(sides[0]!.peer4);
  lingering.close();
  for (const [i, s] of sides.entries()) {
    await back.managers[i]!.cleanup();
    assert.deepEqual(await linkNames(s.ns), pristine[i], `${s.ns}: exactly the links from before`);
    assert.deepEqual(await fouPorts(s.ns), [], `${s.ns}: no FOU port`);
    const addrs = await withRtnl(s.ns, async (rtnl) => (await rtnl.listAddresses()).map((a) => a.address));
    assert.ok(addrs.includes(`${s.me4}/24`) && addrs.includes(`${s.me6}/64`), `${s.ns}: underlay addresses intact`);
  }
  close(back);
  step('done');
  console.log('all tunnel checks passed');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
