// Refusals that happen before any kernel change: bad options and next hops the backends cannot serve. Each backend
// is opened inside a throwaway namespace (its netlink socket lives there), and nothing in it may change.
import assert from 'node:assert/strict';
import { useLab, type Netns } from '@kroute/testkit';
import { TunnelError, TunnelManager, VxlanBackend } from '../src/index.js';
import { ChangeWatch } from './helpers.js';

describe('backend validation (no kernel changes)', function () {
  const lab = useLab('tunval');
  let ns: Netns;

  before(async () => {
    ns = await lab().netns('node');
    await ns.ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1');
    await ns.ip('addr', 'add', '192.168.60.1/24', 'dev', 'eth0');
  });

  it('TunnelManager rejects bad options', () => {
    assert.throws(() => new TunnelManager({ netns: ns.name, encap: 'ipip', localAddresses: ['10.0.0.1'], fouPort: 80 }), /FoU port 80/);
    assert.throws(() => new TunnelManager({ netns: ns.name, encap: 'ipip', localAddresses: ['10.0.0.1', '10.0.0.2'] }), /two local addresses of one family/);
    assert.throws(() => new TunnelManager({ netns: ns.name, encap: 'vxlan' as 'ipip', localAddresses: [] }), /builds ipip or fou/);
    assert.throws(() => new TunnelManager({ netns: ns.name, encap: 'ipip', localAddresses: ['10.0.0.300'] }), TunnelError);
  });

  it('TunnelManager refuses next hops it cannot tunnel to, changing nothing', async () => {
    const watch = new ChangeWatch(ns.name);
    const m = new TunnelManager({ netns: ns.name, encap: 'ipip', localAddresses: ['10.0.0.1'] });
    try {
      await assert.rejects(m.ensure('fd00::2'), (e: Error) => e instanceof TunnelError && /no IPv6 address/.test(e.message));
      await assert.rejects(m.ensure('10.0.0.2/32'), /not an IP address/);
      assert.deepEqual(await m.list(), []);
      assert.equal(await m.peek('10.0.0.2'), undefined);
      assert.deepEqual(await watch.settle(), []);
    } finally {
      m.close();
      watch.close();
    }
  });

  it('VxlanBackend rejects bad options and unusable remotes, changing nothing', async () => {
    assert.throws(() => new VxlanBackend({ netns: ns.name, nodeIP: '192.168.60.1', underlay: 'eth0', device: 'a-name-too-long-x' }), /1\.\.15 characters/);
    assert.throws(() => new VxlanBackend({ netns: ns.name, nodeIP: '192.168.60.1', underlay: 'eth0', vni: 1 << 24 }), /VNI/);
    assert.throws(() => new VxlanBackend({ netns: ns.name, nodeIP: '192.168.60.1', underlay: 'eth0', port: 0 }), /port 0/);
    const watch = new ChangeWatch(ns.name);
    const b = new VxlanBackend({ netns: ns.name, nodeIP: '192.168.60.1', underlay: 'eth0' });
    const missing = new VxlanBackend({ netns: ns.name, nodeIP: '192.168.60.1', underlay: 'nosuchdev' });
    try {
      await assert.rejects(b.ensure('fd00::2', { podCidrs: ['fd44:2::/64'] }), /runs over IPv4/);
      await assert.rejects(b.ensure('192.168.60.2', { node: 'n2', podCidrs: [] }), /node n2.*no pod CIDRs/);
      await assert.rejects(missing.ensure('192.168.60.2', { podCidrs: ['10.244.2.0/24'] }), /underlay interface nosuchdev does not exist/);
      assert.equal(await b.peek('192.168.60.2'), undefined);
      assert.deepEqual(await watch.settle(), []);
    } finally {
      b.close();
      missing.close();
      watch.close();
    }
  });
});
