import assert from 'node:assert/strict';
import { AF_INET, AF_INET6, type IpFamily } from '@kroute/routing';
import { MtuError, autoMtu, encapOverhead, overlayMtu } from '../src/index.js';

describe('MTU arithmetic', () => {
  it('subtracts each encapsulation once from a 1500-byte underlay', () => {
    // Written out by hand from the header sizes, not from the constants the code uses.
    const table: [Parameters<typeof overlayMtu>[1], IpFamily, number][] = [
      ['ipip', AF_INET, 1480], // IPv4 header 20
      ['ipip', AF_INET6, 1452], // ip6tnl: IPv6 header 40 + encapsulation-limit option 8
      ['fou', AF_INET, 1472], // 20 + UDP 8
      ['gue', AF_INET, 1468], // 20 + 8 + GUE 4
      ['fou', AF_INET6, 1444], // 40 + 8 + 8
      ['gue', AF_INET6, 1440], // 40 + 8 + 8 + 4
      ['vxlan', AF_INET, 1450], // 20 + 8 + VXLAN 8 + inner Ethernet 14
      ['vxlan', AF_INET6, 1430], // 40 + 8 + 8 + 14
    ];
    for (const [encap, family, mtu] of table) {
      assert.equal(overlayMtu(1500, encap, family), mtu, `${encap} over IPv${family === AF_INET ? 4 : 6}`);
      assert.equal(encapOverhead(encap, family), 1500 - mtu);
    }
  });

  it('follows the underlay: jumbo frames and a cloud 1460', () => {
    assert.equal(overlayMtu(9000, 'ipip', AF_INET), 8980);
    assert.equal(overlayMtu(1460, 'vxlan', AF_INET), 1410);
  });

  it('maps the overlay modes for --auto-mtu (kroute fou = GUE)', () => {
    assert.equal(autoMtu(1500, 'ipip'), 1480);
    assert.equal(autoMtu(1500, 'fou'), 1468);
    assert.equal(autoMtu(1500, 'vxlan'), 1450);
    assert.equal(autoMtu(1500, 'fou', AF_INET6), 1440);
  });

  it('rejects underlays that cannot carry the overlay', () => {
    assert.throws(() => overlayMtu(0, 'ipip'), MtuError);
    assert.throws(() => overlayMtu(1500.5, 'ipip'), MtuError);
    assert.throws(() => overlayMtu(80, 'vxlan'), /leaves 30 bytes/);
    assert.throws(() => overlayMtu(1200, 'ipip', AF_INET6), /at least 1280/);
  });
});
