// Real kernel: the socket binding itself. Namespaces entered only for socket creation, generic netlink, closing.
import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { FouClient, GENL_ID_CTRL, NETLINK_GENERIC, NetlinkError, NetlinkSocket, Rtnl, resolveGenlFamily } from '../src/index.js';
import { TestNetns } from './netlink-helpers.js';

describe('netlink: socket binding', function () {
  this.timeout(30_000);
  let a: TestNetns;
  let b: TestNetns;

  before(() => {
    a = TestNetns.create('sa');
    b = TestNetns.create('sb');
    a.ip('link', 'add', 'only-in-a', 'type', 'bridge');
    b.ip('link', 'add', 'only-in-b', 'type', 'bridge');
  });

  after(() => {
    a?.delete();
    b?.delete();
  });

  it('opens each socket in its named namespace and leaves the calling thread where it was', async () => {
    const ownNs = readlinkSync('/proc/thread-self/ns/net');
    const ra = Rtnl.open({ netns: a.name });
    const rb = Rtnl.open({ netns: `/var/run/netns/${b.name}` });
    try {
      assert.equal(readlinkSync('/proc/thread-self/ns/net'), ownNs, 'thread returned to its namespace');
      const namesA = (await ra.listLinks()).map((l) => l.name).sort();
      const namesB = (await rb.listLinks()).map((l) => l.name).sort();
      assert.deepEqual(namesA, ['lo', 'only-in-a']);
      assert.deepEqual(namesB, ['lo', 'only-in-b']);
    } finally {
      ra.close();
      rb.close();
    }
  });

  it('runs concurrent dumps and changes on one socket (the kernel allows one dump at a time per socket)', async () => {
    const rtnl = Rtnl.open({ netns: a.name });
    try {
      const [links, routes, rules, addresses, , links2] = await Promise.all([
        rtnl.listLinks(),
        rtnl.listRoutes(),
        rtnl.listRules(),
        rtnl.listAddresses(),
        rtnl.addAddress({ index: a.ifindex('lo'), address: '10.55.0.1/32' }),
        rtnl.listLinks(),
      ]);
      assert.deepEqual(links.map((l) => l.name).sort(), ['lo', 'only-in-a']);
      assert.deepEqual(links2.map((l) => l.name).sort(), ['lo', 'only-in-a']);
      assert.ok(routes.length > 0, 'local-table routes of lo');
      assert.ok(rules.length >= 3, 'default rules of both families');
      assert.ok(addresses.some((x) => x.address === '127.0.0.1/8'));
      assert.ok((await rtnl.listAddresses()).some((x) => x.address === '10.55.0.1/32'));
    } finally {
      rtnl.close();
    }
  });

  it('fails clearly for a namespace that does not exist', () => {
    assert.throws(() => NetlinkSocket.open({ netns: `kr-nl-${process.pid}-missing` }), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, new RegExp(`open /var/run/netns/kr-nl-${process.pid}-missing: No such file or directory`));
      assert.equal((e as { errno?: number }).errno, 2);
      return true;
    });
    assert.equal(readlinkSync('/proc/thread-self/ns/net'), readlinkSync('/proc/self/ns/net'));
  });

  it('reports a large receive buffer (SO_RCVBUFFORCE as root) and a port id', () => {
    const s = NetlinkSocket.open({ netns: a.name, receiveBufferSize: 8 * 1024 * 1024 });
    try {
      assert.ok(s.receiveBufferSize >= 8 * 1024 * 1024, `SO_RCVBUF is ${s.receiveBufferSize}`);
      assert.ok(s.portId > 0);
    } finally {
      s.close();
    }
  });

  it('fails requests on a closed socket with EBADF instead of hanging', async () => {
    const rtnl = Rtnl.open({ netns: a.name });
    rtnl.close();
    await assert.rejects(rtnl.listLinks(), (e: unknown) => e instanceof NetlinkError && e.code === 'EBADF' && /^dump links:/.test(e.message));
  });

  it('resolves a generic netlink family over NETLINK_GENERIC (nlctrl itself)', async () => {
    const s = NetlinkSocket.open({ protocol: NETLINK_GENERIC, netns: a.name });
    try {
      const family = await resolveGenlFamily(s, 'nlctrl');
      assert.equal(family.id, GENL_ID_CTRL);
      assert.equal(family.name, 'nlctrl');
      assert.ok(family.multicastGroups.has('notify'));
    } finally {
      s.close();
    }
  });

  it('FOU: adds, lists and deletes a GUE port, or names the missing family (this kernel has no fou)', async () => {
    let fou: FouClient;
    try {
      fou = await FouClient.open({ netns: a.name });
    } catch (e) {
      assert.ok(e instanceof NetlinkError, String(e));
      assert.equal(e.message, 'resolve generic netlink family fou: No such file or directory (ENOENT)');
      return;
    }
    try {
      await fou.addPort({ port: 5555, type: 'gue' });
      assert.deepEqual(await fou.listPorts(), [{ port: 5555, family: 2, type: 'gue' }]);
      await fou.deletePort({ port: 5555 });
      assert.deepEqual(await fou.listPorts(), []);
    } finally {
      fou.close();
    }
  });
});
