import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MAX_IFNAME_LENGTH, isTunnelName, tunnelName } from '../src/index.js';

describe('tunnel naming', () => {
  it('matches kube-router golden values (pkg/tunnels/linux_tunnels_test.go)', () => {
    assert.equal(tunnelName('10.0.0.1'), 'tun-e443169117a');
    assert.equal(tunnelName('100.200.300.400'), 'tun-9033d7906c7');
  });

  it('hashes IPv6 next hops without their colons', () => {
    const expected = 'tun-' + createHash('sha256').update('fd0010244').digest('hex').slice(0, 11);
    assert.equal(tunnelName('fd00:10:244::'), expected);
    assert.notEqual(tunnelName('fd00::1'), tunnelName('fd00::2'));
  });

  it('always fits the 15-character interface-name limit and is recognised as a tunnel name', () => {
    for (const nh of ['1.1.1.1', '255.255.255.255', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', '::']) {
      const name = tunnelName(nh);
      assert.equal(name.length, MAX_IFNAME_LENGTH, name);
      assert.ok(isTunnelName(name), name);
    }
    assert.equal(isTunnelName('tun-10001'), false);
    assert.equal(isTunnelName('kroute.vxlan'), false);
  });
});
