// VXLAN end to end on this machine's kernel: two "node" namespaces on one underlay segment, each with a bridge and a
// "pod" namespace; the overlay is programmed only by VxlanBackend, plus the `podCIDR via VTEP dev vxlan onlink` route
// the reconciler would install (added here through the netlink API). Runs for an IPv4 and an IPv6 underlay.
import assert from 'node:assert/strict';
import { AF_INET, AF_INET6, Rtnl, type IpFamily, type TunnelEndpoint } from '@kroute/routing';
import { useLab, waitFor, type Netns } from '@kroute/testkit';
import { DEFAULT_VXLAN_DEVICE, DEFAULT_VXLAN_PORT, VxlanBackend, overlayMtu, underlayMtu, vtepMac } from '../src/index.js';
import { ChangeWatch, tcpTransfer } from './helpers.js';

const KROUTE_PROTO = 17;
const TRANSFER_BYTES = 8 * 1024 * 1024;
const ICMP4_ECHO_OVERHEAD = 28; // IPv4 20 + ICMP 8: ping -s N sends N + 28 bytes
const ICMP6_ECHO_OVERHEAD = 48; // IPv6 40 + ICMPv6 8
const BRIDGE = 'kbr0';

interface Plan {
  family: IpFamily;
  underlay: [string, string, string]; // node1, node2, an extra node (never wired) for sweep
  prefixLen: number;
  podCidrs: [string, string, string];
  bridgeAddr: [string, string];
  podAddr: [string, string];
}

const plans: Plan[] = [
  {
    family: AF_INET,
    underlay: ['192.168.50.1', '192.168.50.2', '192.168.50.3'],
    prefixLen: 24,
    podCidrs: ['10.244.1.0/24', '10.244.2.0/24', '10.244.3.0/24'],
    bridgeAddr: ['10.244.1.1/24', '10.244.2.1/24'],
    podAddr: ['10.244.1.2', '10.244.2.2'],
  },
  {
    family: AF_INET6,
    underlay: ['fd50::1', 'fd50::2', 'fd50::3'],
    prefixLen: 64,
    podCidrs: ['fd44:1::/64', 'fd44:2::/64', 'fd44:3::/64'],
    bridgeAddr: ['fd44:1::1/64', 'fd44:2::1/64'],
    podAddr: ['fd44:1::2', 'fd44:2::2'],
  },
];

for (const plan of plans) {
  const v = plan.family === AF_INET ? 4 : 6;
  describe(`VxlanBackend end to end over IPv${v} (namespaces)`, function () {
    this.timeout(60_000);
    const lab = useLab(`vxlan${v}`);
    const nodes: Netns[] = [];
    const pods: Netns[] = [];
    const backends: VxlanBackend[] = [];
    const endpoints: TunnelEndpoint[] = [];

    before(async () => {
      const n1 = await lab().netns('node1');
      const n2 = await lab().netns('node2');
      nodes.push(n1, n2);
      await lab().veth(n1, n2, {
        aName: 'eth0',
        bName: 'eth0',
        aAddrs: [`${plan.underlay[0]}/${plan.prefixLen}`],
        bAddrs: [`${plan.underlay[1]}/${plan.prefixLen}`],
      });
      for (const i of [0, 1]) {
        const node = nodes[i]!;
        const pod = await lab().netns(`pod${i + 1}`);
        pods.push(pod);
        await node.sysctl(v === 4 ? 'net/ipv4/ip_forward' : 'net/ipv6/conf/all/forwarding', '1');
        await node.ip('link', 'add', BRIDGE, 'type', 'bridge');
        await node.ip('addr', 'add', plan.bridgeAddr[i]!, 'dev', BRIDGE, ...(v === 6 ? ['nodad'] : []));
        await node.ip('link', 'set', BRIDGE, 'up');
        await lab().veth(pod, node, { aName: 'eth0', bName: 'vpod', aAddrs: [`${plan.podAddr[i]}/${plan.prefixLen}`] });
        await node.ip('link', 'set', 'vpod', 'master', BRIDGE);
        await pod.ip(...(v === 6 ? ['-6'] : []), 'route', 'add', 'default', 'via', plan.bridgeAddr[i]!.split('/')[0]!);
        backends.push(
          new VxlanBackend({ netns: node.name, nodeIP: plan.underlay[i]!, underlay: 'eth0', localPodCidrs: [plan.podCidrs[i]!] }),
        );
      }
      // The overlay, then the route the reconciler would add through the endpoint ensure() returns.
      for (const i of [0, 1]) {
        const peer = 1 - i;
        const ep = await backends[i]!.ensure(plan.underlay[peer]!, { node: `node${peer + 1}`, podCidrs: [plan.podCidrs[peer]!] });
        endpoints.push(ep);
        const rtnl = Rtnl.open({ netns: nodes[i]!.name });
        try {
          await rtnl.addRoute({ dst: plan.podCidrs[peer]!, gateway: ep.gateway!, oif: ep.ifindex, onlink: ep.onlink ?? false, protocol: KROUTE_PROTO });
        } finally {
          rtnl.close();
        }
      }
    });

    after(() => {
      for (const b of backends) b.close();
    });

    it('builds the device, neighbour and FDB entries as designed (checked with iproute2)', async () => {
      const [n1] = nodes;
      assert.equal(endpoints[0]!.name, DEFAULT_VXLAN_DEVICE);
      assert.equal(endpoints[0]!.gateway, plan.podCidrs[1]!.split('/')[0]);
      assert.equal(endpoints[0]!.onlink, true);
      const [dev] = JSON.parse(await n1!.ip('-d', '-j', 'link', 'show', 'dev', DEFAULT_VXLAN_DEVICE)) as {
        mtu: number;
        address: string;
        operstate: string;
        flags: string[];
        linkinfo: { info_kind: string; info_data: { id: number; port: number; learning: boolean; local?: string; local6?: string } };
      }[];
      assert.equal(dev!.linkinfo.info_kind, 'vxlan');
      assert.equal(dev!.linkinfo.info_data.id, 1);
      assert.equal(dev!.linkinfo.info_data.port, DEFAULT_VXLAN_PORT);
      assert.equal(dev!.linkinfo.info_data.learning, false);
      assert.equal(dev!.linkinfo.info_data.local ?? dev!.linkinfo.info_data.local6, plan.underlay[0]);
      assert.equal(dev!.mtu, 1500 - (v === 4 ? 50 : 70));
      assert.equal(dev!.address, vtepMac(plan.underlay[0]));
      assert.ok(dev!.flags.includes('UP'));
      const addrs = JSON.parse(await n1!.ip('-j', 'addr', 'show', 'dev', DEFAULT_VXLAN_DEVICE)) as { addr_info: { local: string; prefixlen: number; scope: string }[] }[];
      const global = addrs[0]!.addr_info.filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`);
      assert.deepEqual(global, [`${plan.podCidrs[0]!.split('/')[0]}/${v === 4 ? 32 : 128}`], 'this node\'s VTEP IP on the device');
      assert.equal(await underlayMtu(plan.underlay[0], { netns: n1!.name }), 1500);
      const neigh = JSON.parse(await n1!.ip('-j', 'neigh', 'show', 'dev', DEFAULT_VXLAN_DEVICE)) as { dst: string; lladdr: string; state: string[] }[];
      assert.deepEqual(neigh.map((n) => [n.dst, n.lladdr, n.state]), [[plan.podCidrs[1]!.split('/')[0], vtepMac(plan.underlay[1]), ['PERMANENT']]]);
      const fdb = JSON.parse((await n1!.exec('bridge', ['-j', 'fdb', 'show', 'dev', DEFAULT_VXLAN_DEVICE])).stdout) as { mac: string; dst?: string; state: string }[];
      assert.deepEqual(fdb.map((e) => [e.mac, e.dst, e.state]), [[vtepMac(plan.underlay[1]), plan.underlay[1], 'permanent']]);
    });

    it('carries pod-to-pod ping and an 8 MiB TCP transfer across the overlay', async () => {
      const ping = await pods[0]!.exec('ping', [`-${v}`, '-c', '3', '-i', '0.2', '-W', '2', plan.podAddr[1]!]);
      assert.match(ping.stdout, / 0% packet loss/);
      const t = await tcpTransfer(pods[1]!, pods[0]!, plan.podAddr[1]!, TRANSFER_BYTES);
      assert.equal(t.receivedBytes, TRANSFER_BYTES);
      assert.equal(t.received, t.sent);
      // It really went through VXLAN: the remote device counted the packets.
      const rx = Number((await nodes[1]!.exec('cat', [`/sys/class/net/${DEFAULT_VXLAN_DEVICE}/statistics/rx_packets`])).stdout);
      assert.ok(rx > 100, `vxlan rx_packets ${rx}`);
    });

    it('has the right MTU: a full-size DF packet crosses unfragmented, one byte more is refused', async () => {
      const mtu = overlayMtu(1500, 'vxlan', plan.family);
      const payload = mtu - (v === 4 ? ICMP4_ECHO_OVERHEAD : ICMP6_ECHO_OVERHEAD);
      const fragCounter = v === 4 ? 'IpFragCreates' : 'Ip6FragCreates';
      const before = (await nodes[0]!.nstat(fragCounter))[fragCounter] ?? 0;
      const full = await pods[0]!.exec('ping', [`-${v}`, '-M', 'do', '-c', '2', '-i', '0.2', '-W', '2', '-s', String(payload), plan.podAddr[1]!]);
      assert.match(full.stdout, new RegExp(`${payload + 8} bytes from`));
      assert.match(full.stdout, / 0% packet loss/);
      const after = (await nodes[0]!.nstat(fragCounter))[fragCounter] ?? 0;
      assert.equal(after - before, 0, 'the underlay fragmented the encapsulated packet: the VXLAN MTU is too large');
      // The pod's own interface is 1500: what stops the larger packet is the VXLAN device, reported back by the node.
      const over = await pods[0]!.exec('ping', [`-${v}`, '-M', 'do', '-c', '2', '-i', '0.2', '-W', '2', '-s', String(payload + 1), plan.podAddr[1]!], {
        allowFail: true,
      });
      assert.notEqual(over.code, 0, over.stdout);
      assert.match(over.stdout + over.stderr, new RegExp(`mtu\\s*[:=]\\s*${mtu}`, 'i'));
    });

    it('changes nothing on a second ensure(), and repairs an entry deleted behind its back', async () => {
      // The kernel finishes the device's IPv6 link-local DAD on its own a second or two after creation (a new-address
      // and a new-route notification): wait for that, so that any event seen below is a change somebody made.
      await waitFor(
        async () => {
          const [dev] = JSON.parse(await nodes[0]!.ip('-j', 'addr', 'show', 'dev', DEFAULT_VXLAN_DEVICE)) as { addr_info: { tentative?: boolean }[] }[];
          return dev!.addr_info.length > 0 && dev!.addr_info.every((a) => a.tentative !== true);
        },
        { what: `${DEFAULT_VXLAN_DEVICE} addresses past DAD`, timeoutMs: 10_000 },
      );
      // Only changes to the device and its entries count: pods' own neighbour entries on the bridge age by themselves.
      const watch = new ChangeWatch(nodes[0]!.name, endpoints[0]!.ifindex);
      try {
        const again = await backends[0]!.ensure(plan.underlay[1]!, { podCidrs: [plan.podCidrs[1]!] });
        assert.deepEqual(again, endpoints[0]);
        // --dry-run's read-only view agrees, and knows nothing of a node never ensured.
        assert.deepEqual(await backends[0]!.peek(plan.underlay[1]!), endpoints[0]);
        assert.equal(await backends[0]!.peek(plan.underlay[2]!), undefined);
        assert.deepEqual(await watch.settle(), []);
        await nodes[0]!.ip('neigh', 'del', plan.podCidrs[1]!.split('/')[0]!, 'dev', DEFAULT_VXLAN_DEVICE);
        await nodes[0]!.exec('bridge', ['fdb', 'del', vtepMac(plan.underlay[1]), 'dev', DEFAULT_VXLAN_DEVICE, 'dst', plan.underlay[1]!]);
        const seen = await watch.settle();
        assert.ok(seen.some((e) => e.startsWith('del neighbour')) && seen.some((e) => e.startsWith('del fdb')), `the monitor sees changes: ${seen.join('; ')}`);
        await backends[0]!.ensure(plan.underlay[1]!, { podCidrs: [plan.podCidrs[1]!] });
        const repaired = (await watch.settle()).slice(seen.length);
        assert.deepEqual(repaired.map((e) => e.split(' ').slice(0, 2).join(' ')).sort(), ['new fdb', 'new neighbour']);
        await pods[0]!.exec('ping', [`-${v}`, '-c', '1', '-W', '2', plan.podAddr[1]!]);
      } finally {
        watch.close();
      }
    });

    it('sweeps the entries of a node that left and keeps the live ones', async () => {
      const gone = plan.underlay[2]!;
      await backends[0]!.ensure(gone, { podCidrs: [plan.podCidrs[2]!] });
      const fdbOf = async () =>
        (JSON.parse((await nodes[0]!.exec('bridge', ['-j', 'fdb', 'show', 'dev', DEFAULT_VXLAN_DEVICE])).stdout) as { dst?: string }[]).map((e) => e.dst).sort();
      const neighOf = async () =>
        (JSON.parse(await nodes[0]!.ip('-j', 'neigh', 'show', 'dev', DEFAULT_VXLAN_DEVICE, 'nud', 'permanent')) as { dst: string }[]).map((e) => e.dst).sort();
      assert.deepEqual(await fdbOf(), [plan.underlay[1], gone].sort());
      assert.equal((await neighOf()).length, 2);
      await backends[0]!.sweep(new Set([plan.underlay[1]!]));
      assert.deepEqual(await fdbOf(), [plan.underlay[1]]);
      assert.deepEqual(await neighOf(), [plan.podCidrs[1]!.split('/')[0]]);
      await pods[0]!.exec('ping', [`-${v}`, '-c', '1', '-W', '2', plan.podAddr[1]!]);
    });

    it('follows pod CIDR changes (remote VTEP entries, this node\'s VTEP address), also across a restart', async () => {
      const node3 = plan.underlay[2]!;
      const [first, second, third] = v === 4 ? ['10.244.30.0/24', '10.244.31.0/24', '10.244.32.0/24'] : ['fd44:30::/64', 'fd44:31::/64', 'fd44:32::/64'];
      const vtepsOf3 = async () =>
        (JSON.parse(await nodes[0]!.ip('-j', 'neigh', 'show', 'dev', DEFAULT_VXLAN_DEVICE, 'nud', 'permanent')) as { dst: string; lladdr: string }[])
          .filter((n) => n.lladdr === vtepMac(node3))
          .map((n) => n.dst);
      const localVteps = async () =>
        (JSON.parse(await nodes[0]!.ip('-j', 'addr', 'show', 'dev', DEFAULT_VXLAN_DEVICE)) as { addr_info: { local: string; prefixlen: number; scope: string }[] }[])[0]!
          .addr_info.filter((a) => a.scope === 'global')
          .map((a) => `${a.local}/${a.prefixlen}`);
      await backends[0]!.ensure(node3, { podCidrs: [first!] });
      await backends[0]!.ensure(node3, { podCidrs: [second!] });
      assert.deepEqual(await vtepsOf3(), [second!.split('/')[0]]);
      // A new process (no memory of what it ensured) still finds and drops the former entry.
      const restarted = new VxlanBackend({ netns: nodes[0]!.name, nodeIP: plan.underlay[0], underlay: 'eth0', localPodCidrs: [plan.podCidrs[0]] });
      try {
        const ep = await restarted.ensure(node3, { podCidrs: [third!] });
        assert.equal(ep.gateway, third!.split('/')[0]);
        assert.deepEqual(await vtepsOf3(), [third!.split('/')[0]]);
        await restarted.sweep(new Set([plan.underlay[1]!]));
        assert.deepEqual(await vtepsOf3(), []);
        // This node's own VTEP follows its pod CIDR too: a backend configured with another one moves the address.
        const moved = v === 4 ? '10.244.99.0/24' : 'fd44:99::/64';
        const other = new VxlanBackend({ netns: nodes[0]!.name, nodeIP: plan.underlay[0], underlay: 'eth0', localPodCidrs: [moved] });
        try {
          await other.ensure(plan.underlay[1]!, { podCidrs: [plan.podCidrs[1]!] });
          assert.deepEqual(await localVteps(), [`${moved.split('/')[0]}/${v === 4 ? 32 : 128}`]);
        } finally {
          other.close();
        }
        await backends[0]!.ensure(plan.underlay[1]!, { podCidrs: [plan.podCidrs[1]!] });
        assert.deepEqual(await localVteps(), [`${plan.podCidrs[0]!.split('/')[0]}/${v === 4 ? 32 : 128}`]);
      } finally {
        restarted.close();
      }
      await pods[0]!.exec('ping', [`-${v}`, '-c', '1', '-W', '2', plan.podAddr[1]!]);
    });

    it('follows an underlay MTU change in place, without recreating the device', async () => {
      const node = nodes[0]!;
      const mtuOf = async () => (JSON.parse(await node.ip('-j', 'link', 'show', 'dev', DEFAULT_VXLAN_DEVICE)) as { mtu: number }[])[0]!.mtu;
      try {
        await node.ip('link', 'set', 'eth0', 'mtu', '9000');
        const ep = await backends[0]!.ensure(plan.underlay[1]!, { podCidrs: [plan.podCidrs[1]!] });
        assert.equal(ep.ifindex, endpoints[0]!.ifindex);
        assert.equal(await mtuOf(), overlayMtu(9000, 'vxlan', plan.family));
        assert.equal(await backends[0]!.mtu(), overlayMtu(9000, 'vxlan', plan.family));
      } finally {
        await node.ip('link', 'set', 'eth0', 'mtu', '1500');
      }
      await backends[0]!.ensure(plan.underlay[1]!, { podCidrs: [plan.podCidrs[1]!] });
      assert.equal(await mtuOf(), overlayMtu(1500, 'vxlan', plan.family));
    });

    it('cleanup() removes the device and its entries and nothing else', async () => {
      const node = nodes[0]!;
      const before = JSON.parse(await node.ip('-j', 'link', 'show')) as { ifname: string }[];
      const addrsBefore = await node.ip('-j', 'addr', 'show', 'dev', 'eth0');
      await backends[0]!.cleanup();
      const after = JSON.parse(await node.ip('-j', 'link', 'show')) as { ifname: string }[];
      assert.deepEqual(
        after.map((l) => l.ifname),
        before.map((l) => l.ifname).filter((n) => n !== DEFAULT_VXLAN_DEVICE),
      );
      assert.equal(await node.ip('-j', 'addr', 'show', 'dev', 'eth0'), addrsBefore);
      assert.equal((await node.exec('bridge', ['fdb', 'show'])).stdout.includes(vtepMac(plan.underlay[1])), false);
      assert.equal((await node.ip('neigh', 'show')).includes(vtepMac(plan.underlay[1])), false);
      await backends[0]!.cleanup(); // idempotent
    });
  });
}
