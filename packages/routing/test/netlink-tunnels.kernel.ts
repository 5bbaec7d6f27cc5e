// Runs INSIDE the test VM (Debian's stock kernel, see netlink-vm.test.ts), never on the host: the host kernel has no
// ipip, ip6tnl or fou. Programs tunnels and FOU ports only through our codec and clients, checks them against
// iproute2's view, and pings across an ipip-over-GUE tunnel between two namespaces. Exits non-zero on failure.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { AF_INET, AF_INET6, FouClient, IPPROTO_IPV6, Rtnl, TUNNEL_ENCAP_FLAG_CSUM6 } from '../src/index.js';

const FOU_PORT = 5555;

function sh(cmd: string, ...args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function ipJson<T>(ns: string, ...args: string[]): T {
  return JSON.parse(sh('ip', '-n', ns, '-j', ...args)) as T;
}

interface IpLinkDetails {
  ifname: string;
  linkinfo: { info_kind: string; info_data: Record<string, unknown> };
}

async function main(): Promise<void> {
  sh('modprobe', 'ipip');
  sh('modprobe', 'ip6_tunnel');
  sh('modprobe', 'fou'); // no genetlink alias: the family does not autoload
  sh('modprobe', 'fou6');
  for (const ns of ['a', 'b']) sh('ip', 'netns', 'add', ns);
  sh('ip', '-n', 'a', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', 'b');
  const sides = [
    { ns: 'a', me: '10.0.0.1', peer: '10.0.0.2', me6: 'fd00::1', peer6: 'fd00::2', inner: '192.168.1.1', innerPeer: '192.168.1.2' },
    { ns: 'b', me: '10.0.0.2', peer: '10.0.0.1', me6: 'fd00::2', peer6: 'fd00::1', inner: '192.168.1.2', innerPeer: '192.168.1.1' },
  ];
  for (const s of sides) {
    sh('ip', '-n', s.ns, 'link', 'set', 'lo', 'up');
    sh('ip', '-n', s.ns, 'addr', 'add', `${s.me}/24`, 'dev', 'eth0');
    sh('ip', '-n', s.ns, '-6', 'addr', 'add', `${s.me6}/64`, 'dev', 'eth0', 'nodad');
    sh('ip', '-n', s.ns, 'link', 'set', 'eth0', 'up');
  }

  for (const s of sides) {
    const rtnl = Rtnl.open({ netns: s.ns });
    const fou = await FouClient.open({ netns: s.ns });
    try {
      const eth0 = (await rtnl.getLink('eth0'))!.index;
      // FOU receive ports, both families, through generic netlink.
      await fou.addPort({ port: FOU_PORT, type: 'gue' });
      await fou.addPort({ port: FOU_PORT, type: 'gue', family: AF_INET6 });
      const ports = (await fou.listPorts()).map((p) => `${p.family}/${p.port}/${p.type}`).sort();
      assert.deepEqual(ports, [`${AF_INET6}/${FOU_PORT}/gue`, `${AF_INET}/${FOU_PORT}/gue`].sort());
      assert.match(sh('ip', 'netns', 'exec', s.ns, 'ip', 'fou', 'show'), new RegExp(`port ${FOU_PORT} gue`));

      // ipip with GUE encapsulation, as kroute's fou overlay builds it.
      await rtnl.addLink({
        name: 'tun-gue',
        mtu: 1500 - 20 - 8 - 4,
        info: { kind: 'ipip', tunnel: { local: s.me, remote: s.peer, link: eth0, encap: { type: 'gue', sport: 0, dport: FOU_PORT } } },
      });
      const gue = await rtnl.getLink('tun-gue');
      assert.deepEqual(gue?.info?.tunnel?.encap, { type: 'gue', flags: 0, sport: 0, dport: FOU_PORT });
      assert.equal(gue?.info?.tunnel?.remote, s.peer);
      const [seen] = ipJson<IpLinkDetails[]>(s.ns, '-d', 'link', 'show', 'dev', 'tun-gue');
      assert.equal(seen?.linkinfo.info_kind, 'ipip');
      assert.equal(seen?.linkinfo.info_data['remote'], s.peer);
      const details = sh('ip', '-n', s.ns, '-d', 'link', 'show', 'dev', 'tun-gue');
      assert.match(details, new RegExp(`encap gue encap-sport auto encap-dport ${FOU_PORT}`), details);
      await rtnl.setLink({ index: gue!.index, up: true });
      await rtnl.addAddress({ index: gue!.index, address: `${s.inner}/32` });
      await rtnl.addRoute({ dst: `${s.innerPeer}/32`, oif: gue!.index, protocol: 17 });

      // Plain ipip and ip6tnl, read back.
      await rtnl.addLink({ name: 'tun-ipip', info: { kind: 'ipip', tunnel: { local: s.me, remote: '10.0.0.99', link: eth0 } } });
      const ipip = await rtnl.getLink('tun-ipip');
      assert.equal(ipip?.info?.kind, 'ipip');
      assert.equal(ipip?.info?.tunnel?.encap?.type, 'none');
      await rtnl.addLink({ name: 'tun-6', info: { kind: 'ip6tnl', tunnel: { local: s.me6, remote: s.peer6, link: eth0, proto: IPPROTO_IPV6 } } });
      const six = await rtnl.getLink('tun-6');
      assert.equal(six?.info?.kind, 'ip6tnl');
      assert.equal(six?.info?.tunnel?.remote, s.peer6);
      assert.equal(six?.info?.tunnel?.proto, IPPROTO_IPV6);
      await rtnl.addLink({
        name: 'tun-6gue',
        // Another remote: the kernel keys ip6tnl devices by their endpoints, not by encapsulation.
        info: { kind: 'ip6tnl', tunnel: { local: s.me6, remote: 'fd00::99', link: eth0, encap: { type: 'gue', dport: FOU_PORT } } },
      });
      const sixGue = await rtnl.getLink('tun-6gue');
      assert.deepEqual(sixGue?.info?.tunnel?.encap, { type: 'gue', flags: TUNNEL_ENCAP_FLAG_CSUM6, sport: 0, dport: FOU_PORT });
    } finally {
      rtnl.close();
      fou.close();
    }
  }

  // A packet crosses the GUE tunnel both ways.
  const ping = sh('ip', 'netns', 'exec', 'a', 'ping', '-c', '2', '-W', '3', '-I', '192.168.1.1', '192.168.1.2');
  assert.match(ping, / 0% packet loss/);

  // Cleanup through our API: links and FOU ports go away.
  const rtnl = Rtnl.open({ netns: 'a' });
  const fou = await FouClient.open({ netns: 'a' });
  try {
    for (const name of ['tun-gue', 'tun-ipip', 'tun-6', 'tun-6gue']) await rtnl.deleteLink({ name });
    await fou.deletePort({ port: FOU_PORT });
    await fou.deletePort({ port: FOU_PORT, family: AF_INET6 });
    assert.deepEqual(await fou.listPorts(), []);
    const left = (await rtnl.listLinks()).map((l) => l.name).filter((n) => n.startsWith('tun-'));
    assert.deepEqual(left, []);
    await assert.rejects(fou.deletePort({ port: FOU_PORT }), /^NetlinkError: delete fou port 5555: /);
  } finally {
    rtnl.close();
    fou.close();
  }
  console.log('all tunnel checks passed');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
