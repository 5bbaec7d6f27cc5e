// Real kernel: links (vxlan, bridge, veth), addresses, neighbours and FDB entries through Rtnl inside a namespace,
// checked against iproute2's view. Also: the flannel-style VXLAN recipe (onlink route + permanent neighbour + FDB).
import assert from 'node:assert/strict';
import { AF_INET, AF_INET6, IFF_UP, NUD_PERMANENT, NetlinkError } from '../src/index.js';
import { sh, useVethNetns } from './netlink-helpers.js';

interface IpLink {
  ifname: string;
  ifindex: number;
  mtu: number;
  flags: string[];
  master?: string;
  linkinfo?: { info_kind: string; info_data?: Record<string, unknown> };
}

describe('netlink: links, addresses, neighbours and FDB in a real kernel', function () {
  this.timeout(30_000);
  const net = useVethNetns('ln');

  it('creates a vxlan device with VNI, local address, underlay, port and no learning; reads it back', async () => {
    await net.rtnl.addLink({
      name: 'vxlan0',
      mtu: 1450,
      info: { kind: 'vxlan', vxlan: { id: 4096, local: '10.0.0.1', link: net.veth0, port: 4789, learning: false } },
    });
    const [seen] = net.ns.ipJson<IpLink[]>('-d', 'link', 'show', 'dev', 'vxlan0');
    assert.equal(seen?.linkinfo?.info_kind, 'vxlan');
    assert.equal(seen?.linkinfo?.info_data?.['id'], 4096);
    assert.equal(seen?.linkinfo?.info_data?.['local'], '10.0.0.1');
    assert.equal(seen?.linkinfo?.info_data?.['port'], 4789);
    assert.equal(seen?.linkinfo?.info_data?.['learning'], false);
    assert.equal(seen?.mtu, 1450);

    const link = await net.rtnl.getLink('vxlan0');
    assert.ok(link);
    assert.equal(link.info?.kind, 'vxlan');
    assert.deepEqual(link.info?.vxlan, { id: 4096, local: '10.0.0.1', link: net.veth0, port: 4789, learning: false, ttl: 0 });
    assert.equal(link.mtu, 1450);
    assert.equal(link.up, false);
  });

  it('sets a link up and changes its MTU (RTM_NEWLINK without CREATE, as `ip link set`)', async () => {
    const index = net.ns.ifindex('vxlan0');
    await net.rtnl.setLink({ index, up: true });
    await net.rtnl.setLink({ index, mtu: 1400 });
    const [seen] = net.ns.ipJson<IpLink[]>('link', 'show', 'dev', 'vxlan0');
    assert.ok(seen?.flags.includes('UP'));
    assert.equal(seen?.mtu, 1400);
    const link = await net.rtnl.getLink(index);
    assert.ok(link && link.flags & IFF_UP);
    assert.equal(link?.mtu, 1400);
  });

  it('programs the flannel-style VXLAN recipe: onlink route, permanent neighbour, FDB entry; and removes it', async () => {
    const vx = net.ns.ifindex('vxlan0');
    const mac = '0a:58:0a:f4:03:01';
    await net.rtnl.addRoute({ dst: '10.244.3.0/24', gateway: '10.244.3.0', oif: vx, onlink: true, protocol: 17 });
    await net.rtnl.addNeighbour({ index: vx, address: '10.244.3.0', lladdr: mac, state: NUD_PERMANENT });
    await net.rtnl.addFdbEntry({ index: vx, lladdr: mac, dst: '10.0.0.3' });

    const [route] = net.ns.ipJson<{ dst: string; gateway: string; flags: string[] }[]>('route', 'show', '10.244.3.0/24');
    assert.equal(route?.gateway, '10.244.3.0');
    assert.ok(route?.flags.includes('onlink'));
    const [neigh] = net.ns.ipJson<{ dst: string; lladdr: string; state: string[] }[]>('neigh', 'show', 'dev', 'vxlan0');
    assert.equal(neigh?.dst, '10.244.3.0');
    assert.equal(neigh?.lladdr, mac);
    assert.deepEqual(neigh?.state, ['PERMANENT']);
    const fdb = JSON.parse(sh('ip', ['netns', 'exec', net.ns.name, 'bridge', '-j', 'fdb', 'show', 'dev', 'vxlan0'])) as { mac: string; dst?: string }[];
    assert.ok(fdb.some((e) => e.mac === mac && e.dst === '10.0.0.3'), JSON.stringify(fdb));

    const [ours] = (await net.rtnl.listRoutes({ family: AF_INET, protocol: 17 })).filter((r) => r.oif === vx);
    assert.equal(ours?.onlink, true);
    const neighbours = (await net.rtnl.listNeighbours(AF_INET)).filter((n) => n.index === vx);
    assert.deepEqual(neighbours.map((n) => [n.address, n.lladdr, n.state]), [['10.244.3.0', mac, NUD_PERMANENT]]);
    const entries = (await net.rtnl.listFdbEntries(vx)).filter((e) => e.lladdr === mac);
    assert.deepEqual(entries.map((e) => e.dst), ['10.0.0.3']);

    await net.rtnl.deleteFdbEntry({ index: vx, lladdr: mac, dst: '10.0.0.3' });
    await net.rtnl.deleteNeighbour({ index: vx, address: '10.244.3.0' });
    await net.rtnl.deleteRoute({ dst: '10.244.3.0/24', protocol: 17 });
    assert.equal((await net.rtnl.listFdbEntries(vx)).filter((e) => e.lladdr === mac).length, 0);
    assert.equal((await net.rtnl.listNeighbours(AF_INET)).filter((n) => n.index === vx).length, 0);
    assert.deepEqual(net.ns.ipJson('route', 'show', '10.244.3.0/24'), []);
  });

  it('creates a bridge, enslaves a veth to it, and a veth pair with a named peer', async () => {
    await net.rtnl.addLink({ name: 'kube-bridge', info: { kind: 'bridge' } });
    const bridge = await net.rtnl.getLink('kube-bridge');
    assert.equal(bridge?.info?.kind, 'bridge');
    await net.rtnl.addLink({ name: 'vpa', info: { kind: 'veth', peer: { name: 'vpb' } } });
    const a = await net.rtnl.getLink('vpa');
    const b = await net.rtnl.getLink('vpb');
    assert.equal(a?.info?.kind, 'veth');
    assert.ok(b, 'peer vpb exists');
    await net.rtnl.setLink({ index: a!.index, master: bridge!.index });
    const [seen] = net.ns.ipJson<IpLink[]>('link', 'show', 'dev', 'vpa');
    assert.equal(seen?.master, 'kube-bridge');
    assert.equal((await net.rtnl.getLink('vpa'))?.master, bridge!.index);
    await net.rtnl.deleteLink({ name: 'vpa' });
    assert.equal(await net.rtnl.getLink('vpb'), undefined, 'deleting one end removes the pair');
    await net.rtnl.deleteLink({ index: bridge!.index });
    assert.equal(await net.rtnl.getLink('kube-bridge'), undefined);
  });

  it('adds, lists and deletes IPv4 and IPv6 addresses', async () => {
    await net.rtnl.addAddress({ index: net.veth0, address: '10.0.0.9/24' });
    await net.rtnl.addAddress({ index: net.veth0, address: 'fd00::9/64', nodad: true });
    const ip4 = net.ns.ipJson<{ addr_info: { local: string; prefixlen: number }[] }[]>('-4', 'addr', 'show', 'dev', 'veth0');
    assert.ok(ip4[0]?.addr_info.some((a) => a.local === '10.0.0.9' && a.prefixlen === 24));
    const ours = await net.rtnl.listAddresses();
    assert.ok(ours.some((a) => a.index === net.veth0 && a.address === '10.0.0.9/24' && a.family === AF_INET));
    assert.ok(ours.some((a) => a.index === net.veth0 && a.address === 'fd00::9/64' && a.family === AF_INET6));
    await net.rtnl.deleteAddress({ index: net.veth0, address: '10.0.0.9/24' });
    await net.rtnl.deleteAddress({ index: net.veth0, address: 'fd00::9/64' });
    const after = await net.rtnl.listAddresses();
    assert.ok(!after.some((a) => a.address === '10.0.0.9/24' || a.address === 'fd00::9/64'));
  });

  it('reports a link type this kernel lacks as a named error (ipip here; the VM tests cover real ipip)', async function () {
    const err = await net.rtnl
      .addLink({ name: 'tun-x', info: { kind: 'ipip', tunnel: { local: '10.0.0.1', remote: '10.0.0.3', link: net.veth0 } } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    if (err === undefined) {
      // A kernel with ipip accepted it; then it must be there with our attributes.
      const link = await net.rtnl.getLink('tun-x');
      assert.equal(link?.info?.tunnel?.remote, '10.0.0.3');
      await net.rtnl.deleteLink({ name: 'tun-x' });
      return;
    }
    assert.ok(err instanceof NetlinkError);
    assert.equal(err.operation, 'add link tun-x (ipip)');
    assert.equal(err.code, 'EOPNOTSUPP');
    assert.match(err.message, /^add link tun-x \(ipip\): Operation not supported \(EOPNOTSUPP\) \[kernel: Unknown device type\]$/);
  });

  it('returns undefined for a link that does not exist and rejects deleting it by name', async () => {
    assert.equal(await net.rtnl.getLink('nosuchlink'), undefined);
    await assert.rejects(net.rtnl.deleteLink({ name: 'nosuchlink' }), /^NetlinkError: delete link nosuchlink: No such device \(ENODEV\)/);
  });
});
