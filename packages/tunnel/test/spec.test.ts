// The pure cores: desired tunnel links and their mismatch checks, ownership, FOU ports in use, VTEP derivation,
// VXLAN device checks and stray entries. Decoded links are built as the kernel reports them (see routing's decoder).
import assert from 'node:assert/strict';
import { AF_INET, AF_INET6, IFF_UP, IPPROTO_IPV6, NUD_PERMANENT, NUD_REACHABLE, type DecodedLink } from '@kroute/routing';
import {
  FOU_TUNNEL_TTL,
  INHERIT_TTL,
  desiredTunnel,
  desiredVxlan,
  fouPortsInUse,
  isOwnedTunnel,
  networkAddress,
  orphanedTunnels,
  strayFdbEntries,
  strayNeighbours,
  tunnelLink,
  tunnelMismatch,
  tunnelName,
  vtepAddress,
  vtepMac,
  vxlanMismatch,
} from '../src/index.js';
import { vxlanAdjustment } from '../src/vxlan-spec.js';

let nextIndex = 10;
function decoded(link: Partial<DecodedLink> & Pick<DecodedLink, 'name'>): DecodedLink {
  return { index: nextIndex++, flags: IFF_UP, type: 768, up: true, ...link };
}

/** A decoded ipip/ip6tnl link as the kernel reports one built from `tunnelLink(t)`. */
function asKernelReports(t: ReturnType<typeof desiredTunnel>): DecodedLink {
  const built = tunnelLink(t);
  const tun = built.info!.tunnel!;
  return decoded({
    name: t.name,
    info: {
      kind: t.kind,
      tunnel: {
        ...tun,
        proto: tun.proto ?? 4,
        encap: { type: tun.encap?.type ?? 'none', flags: 0, sport: 0, dport: tun.encap?.dport ?? 0 },
      },
    },
  });
}

describe('tunnel spec (pure)', () => {
  it('builds ipip for IPv4 and ip6ip6 ip6tnl for IPv6, GUE with kube-router ttl 225 and sport auto', () => {
    const v4 = desiredTunnel('10.0.0.2', '10.0.0.1', AF_INET, 'ipip', 5555);
    assert.deepEqual(v4, { name: tunnelName('10.0.0.2'), kind: 'ipip', family: AF_INET, local: '10.0.0.1', remote: '10.0.0.2', ttl: INHERIT_TTL });
    assert.equal(tunnelLink(v4).info?.tunnel?.encap, undefined);
    const gue6 = desiredTunnel('fd00::2', 'fd00::1', AF_INET6, 'fou', 6000);
    const link = tunnelLink(gue6);
    assert.equal(link.info?.kind, 'ip6tnl');
    assert.equal(link.up, true);
    assert.deepEqual(link.info?.tunnel, { local: 'fd00::1', remote: 'fd00::2', ttl: FOU_TUNNEL_TTL, proto: IPPROTO_IPV6, encap: { type: 'gue', sport: 0, dport: 6000 } });
  });

  it('accepts the link the kernel reports for the wanted tunnel, and names each kind of mismatch', () => {
    const want = desiredTunnel('10.0.0.2', '10.0.0.1', AF_INET, 'fou', 5555);
    const ok = asKernelReports(want);
    assert.equal(tunnelMismatch(ok, want), undefined);
    const plain = asKernelReports(desiredTunnel('10.0.0.2', '10.0.0.1', AF_INET, 'ipip', 5555));
    assert.match(tunnelMismatch(plain, want)!, /encap none, want gue/);
    assert.match(tunnelMismatch(ok, desiredTunnel('10.0.0.2', '10.0.0.1', AF_INET, 'ipip', 5555))!, /encap gue, want none/);
    assert.match(tunnelMismatch(ok, desiredTunnel('10.0.0.2', '10.0.0.1', AF_INET, 'fou', 6000))!, /dport 5555, want 6000/);
    assert.match(tunnelMismatch(ok, desiredTunnel('10.0.0.2', '10.0.0.9', AF_INET, 'fou', 5555))!, /local 10.0.0.1, want 10.0.0.9/);
    const moved = { ...ok, info: { ...ok.info!, tunnel: { ...ok.info!.tunnel!, remote: '10.0.0.3' } } };
    assert.match(tunnelMismatch(moved, want)!, /remote 10.0.0.3/);
    assert.match(tunnelMismatch({ ...ok, info: { kind: 'vxlan' } }, want)!, /kind vxlan, want ipip/);
    const six = desiredTunnel('fd00::2', 'fd00::1', AF_INET6, 'ipip', 5555);
    const sixLink = asKernelReports(six);
    assert.equal(tunnelMismatch(sixLink, six), undefined);
    // The kernel prints IPv6 canonically; a differently spelled desired address still matches after canonicalising.
    assert.equal(tunnelMismatch({ ...sixLink, info: { ...sixLink.info!, tunnel: { ...sixLink.info!.tunnel!, remote: 'fd00:0::2' } } }, six), undefined);
    assert.match(tunnelMismatch({ ...sixLink, info: { ...sixLink.info!, tunnel: { ...sixLink.info!.tunnel!, proto: 0 } } }, six)!, /proto 0/);
  });

  it('owns only ipip/ip6tnl links named tun-*, and finds the orphans among them', () => {
    const live = asKernelReports(desiredTunnel('10.0.0.2', '10.0.0.1', AF_INET, 'ipip', 5555));
    const orphan = asKernelReports(desiredTunnel('10.0.0.9', '10.0.0.1', AF_INET, 'ipip', 5555));
    const oldStyle = decoded({ name: 'tun-10009', info: { kind: 'ipip', tunnel: {} } });
    const userTap = decoded({ name: 'tun-mine', info: { kind: 'tun' } });
    const veth = decoded({ name: 'eth0', info: { kind: 'veth' } });
    assert.deepEqual([live, orphan, oldStyle, userTap, veth].map(isOwnedTunnel), [true, true, true, false, false]);
    assert.deepEqual(orphanedTunnels([live, orphan, oldStyle, userTap, veth], ['10.0.0.2']).map((l) => l.name), [orphan.name, 'tun-10009']);
    assert.deepEqual(orphanedTunnels([live], []).map((l) => l.name), [live.name]);
  });

  it('knows which FOU ports GUE links still send to, per family', () => {
    const gue4 = asKernelReports(desiredTunnel('10.0.0.2', '10.0.0.1', AF_INET, 'fou', 5555));
    const gue6 = asKernelReports(desiredTunnel('fd00::2', 'fd00::1', AF_INET6, 'fou', 6000));
    const plain = asKernelReports(desiredTunnel('10.0.0.3', '10.0.0.1', AF_INET, 'ipip', 5555));
    assert.deepEqual([...fouPortsInUse([gue4, gue6, plain])].sort(), [`${AF_INET6}/6000`, `${AF_INET}/5555`].sort());
    assert.deepEqual([...fouPortsInUse([plain])], []);
  });
});

describe('VTEP derivation and the VXLAN spec (pure)', () => {
  it('derives the VTEP IP as the pod CIDR network address', () => {
    assert.equal(vtepAddress('10.244.3.0/24'), '10.244.3.0');
    assert.equal(vtepAddress('10.244.3.77/24'), '10.244.3.0');
    assert.equal(vtepAddress('10.244.3.128/25'), '10.244.3.128');
    assert.equal(vtepAddress('fd00:10:244:3::/64'), 'fd00:10:244:3::');
    assert.equal(networkAddress('fd00:10:244:3:ffff::1/56'), 'fd00:10:244::');
  });

  it('derives a locally administered unicast MAC from the node IP, one-to-one for IPv4', () => {
    assert.equal(vtepMac('192.168.50.1'), '0e:04:c0:a8:32:01');
    assert.equal(vtepMac('10.0.0.2'), '0e:04:0a:00:00:02');
    const six = vtepMac('fd00::1');
    assert.match(six, /^0e:06(:[0-9a-f]{2}){4}$/);
    assert.equal(vtepMac('fd00:0:0::1'), six, 'spelling of the address does not matter');
    assert.notEqual(vtepMac('fd00::2'), six);
    const first = parseInt(six.slice(0, 2), 16);
    assert.equal(first & 0x01, 0, 'unicast');
    assert.equal(first & 0x02, 0x02, 'locally administered');
  });

  it('accepts the device the kernel reports and fixes MTU/MAC/up in place, recreating only for identity changes', () => {
    const want = desiredVxlan('kroute.vxlan', 1, 4789, '192.168.50.1', AF_INET, 3, 1500);
    assert.equal(want.mtu, 1450);
    const dev = decoded({
      name: 'kroute.vxlan',
      mtu: 1450,
      address: want.mac,
      info: { kind: 'vxlan', vxlan: { id: 1, local: '192.168.50.1', link: 3, port: 4789, learning: false, ttl: 0 } },
    });
    assert.equal(vxlanMismatch(dev, want), undefined);
    assert.equal(vxlanAdjustment(dev, want), undefined);
    assert.deepEqual(vxlanAdjustment({ ...dev, mtu: 1500, up: false }, want), { index: dev.index, mtu: 1450, up: true });
    const withVxlan = (v: Partial<NonNullable<NonNullable<DecodedLink['info']>['vxlan']>>): DecodedLink => ({
      ...dev,
      info: { kind: 'vxlan', vxlan: { ...dev.info!.vxlan!, ...v } },
    });
    assert.match(vxlanMismatch(withVxlan({ id: 2 }), want)!, /VNI 2, want 1/);
    assert.match(vxlanMismatch(withVxlan({ port: 8472 }), want)!, /port 8472/);
    assert.match(vxlanMismatch(withVxlan({ learning: true }), want)!, /learning/);
    assert.match(vxlanMismatch(withVxlan({ local: '192.168.50.9' }), want)!, /local/);
    assert.match(vxlanMismatch(withVxlan({ link: 4 }), want)!, /underlay/);
  });

  it('finds neighbour and FDB entries of nodes no longer kept, ignoring the kernel\'s own neighbours', () => {
    const keepMac = vtepMac('192.168.50.2');
    const goneMac = vtepMac('192.168.50.3');
    const n = (address: string, lladdr: string, state = NUD_PERMANENT) => ({ family: AF_INET, index: 5, address, lladdr, state, flags: 0, type: 1 }) as const;
    const neighbours = [n('10.244.2.0', keepMac), n('10.244.3.0', goneMac), n('10.244.9.9', '0e:00:00:00:00:09', NUD_REACHABLE)];
    assert.deepEqual(strayNeighbours(neighbours, ['192.168.50.2']).map((x) => x.address), ['10.244.3.0']);
    const f = (lladdr: string, dst: string) => ({ index: 5, lladdr, dst, state: NUD_PERMANENT, flags: 2 });
    const fdb = [f(keepMac, '192.168.50.2'), f(goneMac, '192.168.50.3'), f(keepMac, '192.168.50.7')];
    assert.deepEqual(strayFdbEntries(fdb, ['192.168.50.2']).map((x) => x.dst), ['192.168.50.3', '192.168.50.7']);
  });
});
