// Real kernel: batched requests, many per sendmsg, with one ACK and one result per request.
import assert from 'node:assert/strict';
import { AF_INET, NetlinkSocket, deleteRouteRequest, newRouteRequest, type Route } from '../src/index.js';
import { useVethNetns } from './netlink-helpers.js';

const PROTO = 17;
const COUNT = 1000;

/** /32 host routes 10.100.x.y, distinct for i < 65536. */
function hostRoute(i: number, oif: number): Route {
  return { dst: `10.100.${i >> 8}.${i & 0xff}/32`, gateway: '10.0.0.3', oif, protocol: PROTO };
}

describe('netlink: batched requests with per-message ACKs', function () {
  this.timeout(60_000);
  const net = useVethNetns('bt');

  it(`adds ${COUNT} routes in one batch: ${COUNT} ACKs, few sendmsg calls, all in the kernel`, async () => {
    const before = net.rtnl.socket.sendCalls;
    const results = await net.rtnl.batch(Array.from({ length: COUNT }, (_, i) => newRouteRequest(hostRoute(i, net.veth0))));
    assert.equal(results.length, COUNT);
    const failed = results.filter((r) => !r.ok);
    assert.equal(failed.length, 0, failed.map((r) => (r.ok ? '' : r.error.message)).join('\n'));
    const calls = net.rtnl.socket.sendCalls - before;
    assert.ok(calls > 0 && calls <= COUNT / 100, `expected ${COUNT} requests in a few sendmsg calls, made ${calls}`);
    assert.equal(net.ns.ipJson<unknown[]>('route', 'show', 'proto', String(PROTO)).length, COUNT);
    // The dump spans many kernel datagrams (multi-part until NLMSG_DONE).
    assert.equal((await net.rtnl.listRoutes({ family: AF_INET, protocol: PROTO })).length, COUNT);
  });

  it('a refused request in the middle of a batch fails alone; the others keep their results', async () => {
    const requests = [
      newRouteRequest(hostRoute(2000, net.veth0)),
      newRouteRequest(hostRoute(0, net.veth0)), // exists already: EEXIST
      newRouteRequest({ dst: '10.101.0.0/24', gateway: '10.9.9.9', protocol: PROTO }), // unreachable gateway
      newRouteRequest(hostRoute(2001, net.veth0)),
      deleteRouteRequest({ dst: '10.102.0.0/24', protocol: PROTO }), // absent: ESRCH
      newRouteRequest(hostRoute(2002, net.veth0)),
    ];
    const results = await net.rtnl.batch(requests);
    assert.deepEqual(
      results.map((r) => (r.ok ? 'ok' : r.error.code)),
      ['ok', 'EEXIST', 'ENETUNREACH', 'ok', 'ESRCH', 'ok'],
    );
    const second = results[1]!;
    assert.ok(!second.ok && second.error.message.startsWith('add route 10.100.0.0/32 via 10.0.0.3: File exists (EEXIST)'));
    const third = results[2]!;
    assert.ok(!third.ok && third.error.message.startsWith('add route 10.101.0.0/24 via 10.9.9.9: Network is unreachable (ENETUNREACH)'));
    for (const dst of ['10.100.7.208', '10.100.7.209', '10.100.7.210']) {
      assert.equal(net.ns.ipJson<unknown[]>('route', 'show', dst).length, 1, `${dst} installed`);
    }
  });

  it('respects a small in-flight window and still answers every request', async () => {
    const small = NetlinkSocket.open({ netns: net.ns.name, maxInFlight: 16, batchBytes: 512 });
    try {
      const results = await small.batch(Array.from({ length: 500 }, (_, i) => newRouteRequest(hostRoute(3000 + i, net.veth0))));
      assert.equal(results.filter((r) => r.ok).length, 500);
      assert.ok(small.sendCalls >= 500 / 16, `window of 16 needs at least ${500 / 16} sendmsg calls, made ${small.sendCalls}`);
    } finally {
      small.close();
    }
  });

  it('deletes everything again in one batch', async () => {
    const all = await net.rtnl.listRoutes({ family: AF_INET, protocol: PROTO });
    assert.equal(all.length, COUNT + 3 + 500);
    const results = await net.rtnl.batch(all.map((r) => deleteRouteRequest({ dst: r.dst, table: r.table, protocol: PROTO })));
    assert.equal(results.filter((r) => r.ok).length, all.length);
    assert.deepEqual(net.ns.ipJson('route', 'show', 'proto', String(PROTO)), []);
  });

  it('an empty batch resolves to no results', async () => {
    assert.deepEqual(await net.rtnl.batch([]), []);
  });
});
