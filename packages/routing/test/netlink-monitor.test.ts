// Real kernel: rtnetlink notifications, and the overflow (ENOBUFS) path of a notification socket.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetlinkSocket, RTNLGRP_IPV4_ROUTE, RtnlMonitor, newRouteRequest, type RtnlEvent } from '../src/index.js';
import { useVethNetns } from './netlink-helpers.js';

const PROTO = 17;
/** The smallest receive buffer we ask for; the kernel doubles it and enforces a floor, still only a few KiB. */
const TINY_RCVBUF = 4096;
const FLOOD = 3000;
const EVENT_TIMEOUT_MS = 5000;

function nextEvent(monitor: RtnlMonitor, match: (e: RtnlEvent) => boolean): Promise<RtnlEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      monitor.off('event', onEvent);
      reject(new Error('no matching netlink notification within 5 s'));
    }, EVENT_TIMEOUT_MS);
    const onEvent = (e: RtnlEvent): void => {
      if (!match(e)) return;
      clearTimeout(timer);
      monitor.off('event', onEvent);
      resolve(e);
    };
    monitor.on('event', onEvent);
  });
}

describe('netlink: notifications and overflow', function () {
  this.timeout(60_000);
  const net = useVethNetns('mn');

  it('sees a route added by us and deleted by `ip route del` as new/del route events', async () => {
    const monitor = RtnlMonitor.open({ netns: net.ns.name, topics: ['route'] });
    try {
      const added = nextEvent(monitor, (e) => e.kind === 'route' && e.action === 'new' && e.route.dst === '10.244.3.0/24');
      await net.rtnl.addRoute({ dst: '10.244.3.0/24', gateway: '10.0.0.3', oif: net.veth0, protocol: PROTO });
      const a = await added;
      assert.ok(a.kind === 'route' && a.route.gateway === '10.0.0.3' && a.route.protocol === PROTO);

      const deleted = nextEvent(monitor, (e) => e.kind === 'route' && e.action === 'del' && e.route.dst === '10.244.3.0/24');
      net.ns.ip('route', 'del', '10.244.3.0/24');
      const d = await deleted;
      assert.ok(d.kind === 'route' && d.route.oif === net.veth0);
    } finally {
      monitor.close();
    }
  });

  it('iterates link, address, neighbour and rule events with for await', async () => {
    const monitor = RtnlMonitor.open({ netns: net.ns.name });
    try {
      const kinds = new Set<string>();
      const done = (async () => {
        for await (const e of monitor) {
          if (e.kind === 'link' && e.link.name === 'br-mon') kinds.add('link');
          if (e.kind === 'address' && e.address.address === '10.7.7.7/32') kinds.add('address');
          if (e.kind === 'neighbour' && e.neighbour.address === '10.0.0.77') kinds.add('neighbour');
          if (e.kind === 'rule' && e.rule.table === 78) kinds.add('rule');
          if (kinds.size === 4) break;
        }
      })();
      net.ns.ip('link', 'add', 'br-mon', 'type', 'bridge');
      net.ns.ip('addr', 'add', '10.7.7.7/32', 'dev', 'lo');
      net.ns.ip('neigh', 'add', '10.0.0.77', 'lladdr', '0a:58:00:00:00:77', 'dev', 'veth0', 'nud', 'permanent');
      net.ns.ip('rule', 'add', 'from', '10.7.0.0/16', 'lookup', '78');
      await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`saw only ${[...kinds]}`)), EVENT_TIMEOUT_MS))]);
      assert.deepEqual([...kinds].sort(), ['address', 'link', 'neighbour', 'rule']);
    } finally {
      monitor.close();
    }
  });

  it('emits overflow when a small-buffer monitor is flooded, keeps working, and the process survives', async () => {
    const monitor = RtnlMonitor.open({ netns: net.ns.name, topics: ['route'], receiveBufferSize: TINY_RCVBUF });
    try {
      const overflow = new Promise<void>((resolve) => monitor.once('overflow', resolve));
      // One synchronous burst of sendmsg calls: the kernel queues a notification per route while we cannot read.
      const results = await net.rtnl.batch(
        Array.from({ length: FLOOD }, (_, i) => newRouteRequest({ dst: `10.110.${i >> 8}.${i & 0xff}/32`, gateway: '10.0.0.3', oif: net.veth0, protocol: PROTO })),
      );
      assert.equal(results.filter((r) => r.ok).length, FLOOD);
      await Promise.race([overflow, new Promise((_, reject) => setTimeout(() => reject(new Error('no overflow event')), EVENT_TIMEOUT_MS))]);
      assert.ok(monitor.overflows >= 1);

      // Still delivering after the overflow.
      const deleted = nextEvent(monitor, (e) => e.kind === 'route' && e.action === 'del' && e.route.dst === '10.110.0.7/32');
      net.ns.ip('route', 'del', '10.110.0.7/32');
      await deleted;
    } finally {
      monitor.close();
      net.ns.ip('route', 'flush', 'proto', String(PROTO));
    }
  });

  it('with NETLINK_NO_ENOBUFS the same flood reports no overflow', async () => {
    const socket = NetlinkSocket.open({ netns: net.ns.name, groups: [RTNLGRP_IPV4_ROUTE], receiveBufferSize: TINY_RCVBUF, noEnobufs: true });
    let overflows = 0;
    let messages = 0;
    socket.on('overflow', () => overflows++);
    socket.on('message', () => messages++);
    try {
      const results = await net.rtnl.batch(
        Array.from({ length: FLOOD }, (_, i) => newRouteRequest({ dst: `10.111.${i >> 8}.${i & 0xff}/32`, gateway: '10.0.0.3', oif: net.veth0, protocol: PROTO })),
      );
      assert.equal(results.filter((r) => r.ok).length, FLOOD);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(overflows, 0);
      assert.ok(messages > 0 && messages < FLOOD, `some notifications arrive, the rest are dropped silently (got ${messages})`);
    } finally {
      socket.close();
      net.ns.ip('route', 'flush', 'proto', String(PROTO));
    }
  });

  it('a separate process flooding its own monitor exits normally (no abort on ENOBUFS)', () => {
    const index = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'index.js');
    const dir = mkdtempSync(join(tmpdir(), 'kroute-nl-'));
    const script = join(dir, 'flood.mjs');
    writeFileSync(
      script,
      `import { Rtnl, RtnlMonitor, newRouteRequest } from ${JSON.stringify(index)};
const [netns, oif] = [process.argv[2], Number(process.argv[3])];
const monitor = RtnlMonitor.open({ netns, topics: ['route'], receiveBufferSize: ${TINY_RCVBUF} });
let overflows = 0;
monitor.on('overflow', () => overflows++);
const rtnl = Rtnl.open({ netns });
for (let round = 0; round < 3; round++) {
  const reqs = [];
  for (let i = 0; i < ${FLOOD}; i++) reqs.push(newRouteRequest({ dst: '10.112.' + (i >> 8) + '.' + (i & 255) + '/32', gateway: '10.0.0.3', oif, protocol: ${PROTO} }, 'replace'));
  await rtnl.batch(reqs);
  await new Promise((r) => setTimeout(r, 50));
}
console.log('overflows=' + overflows);
monitor.close();
rtnl.close();
`,
    );
    try {
      const child = spawnSync(process.execPath, [script, net.ns.name, String(net.veth0)], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(child.status, 0, `child exited ${child.status} (signal ${child.signal}): ${child.stderr}`);
      const m = /overflows=(\d+)/.exec(child.stdout);
      assert.ok(m && Number(m[1]) >= 1, `child saw no overflow: ${child.stdout}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      net.ns.ip('route', 'flush', 'proto', String(PROTO));
    }
  });
});
