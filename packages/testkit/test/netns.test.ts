import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CommandError, Lab, requireNetns, run, TestkitError, useLab, waitFor } from '../src/index.js';
import { namespaceExists } from './helpers.js';

describe('Lab: namespaces and veth links', () => {
  before(requireNetns);
  const lab = useLab('netns');

  it('names namespaces after the lab and brings loopback up', async () => {
    const ns = await lab().netns('lo-check');
    assert.equal(ns.name, `${lab().id}-lo-check`);
    assert.ok(ns.name.startsWith(`ktk-${process.pid}-`), ns.name);
    assert.ok(await namespaceExists(ns.name));
    const lo = JSON.parse(await ns.ip('-j', 'link', 'show', 'lo')) as Array<{ flags: string[] }>;
    assert.ok(lo[0]?.flags.includes('UP'), JSON.stringify(lo));
  });

  it('joins two namespaces with a veth carrying IPv4 and IPv6, and they ping across', async () => {
    const a = await lab().netns('a');
    const b = await lab().netns('b');
    const link = await lab().veth(a, b, { aAddrs: ['10.0.0.1/24', 'fd00::1/64'], bAddrs: ['10.0.0.2/24', 'fd00::2/64'], mtu: 1400 });
    assert.deepEqual(link, { a: 'eth0', b: 'eth0' });
    const shown = JSON.parse(await b.ip('-j', 'addr', 'show', 'dev', 'eth0')) as Array<{ mtu: number; addr_info: Array<{ local: string; tentative?: boolean }> }>;
    assert.equal(shown[0]?.mtu, 1400);
    const v6 = shown[0]?.addr_info.find((x) => x.local === 'fd00::2');
    assert.ok(v6 && !v6.tentative, 'IPv6 address present and not tentative (nodad)');
    await a.exec('ping', ['-c1', '-W2', '10.0.0.2']);
    await a.exec('ping', ['-c1', '-W2', 'fd00::2']);
    await b.exec('ping', ['-c1', '-W2', '10.0.0.1']);
  });

  it('puts three namespaces on one LAN (a bridge) where they reach each other directly', async () => {
    const nodes = [await lab().netns('n1'), await lab().netns('n2'), await lab().netns('n3')];
    const { switch: sw, ifNames } = await lab().lan('lan', nodes.map((ns, i) => ({ ns, addrs: [`192.168.50.${i + 1}/24`, `fd50::${i + 1}/64`] })));
    assert.deepEqual(ifNames, ['eth0', 'eth0', 'eth0']);
    const ports = JSON.parse(await sw.ip('-j', 'link', 'show', 'master', 'br0')) as Array<{ ifname: string }>;
    assert.deepEqual(ports.map((p) => p.ifname).sort(), ['p0', 'p1', 'p2']);
    await nodes[0]?.exec('ping', ['-c1', '-W2', '192.168.50.3']);
    await nodes[2]?.exec('ping', ['-c1', '-W2', 'fd50::2']);
    // Directly connected: the route to the peer is the on-link subnet route, no gateway.
    const route = JSON.parse(await (nodes[1]?.ip('-j', 'route', 'get', '192.168.50.1') ?? '[]')) as Array<{ gateway?: string; dev: string }>;
    assert.equal(route[0]?.gateway, undefined);
    assert.equal(route[0]?.dev, 'eth0');
  });

  it('names further veths eth1, eth2, ... and honours explicit names', async () => {
    const hub = await lab().netns('hub');
    const s1 = await lab().netns('s1');
    const s2 = await lab().netns('s2');
    assert.deepEqual(await lab().veth(hub, s1), { a: 'eth0', b: 'eth0' });
    assert.deepEqual(await lab().veth(hub, s2, { bName: 'uplink' }), { a: 'eth1', b: 'uplink' });
    const names = (JSON.parse(await hub.ip('-j', 'link', 'show')) as Array<{ ifname: string }>).map((l) => l.ifname).sort();
    assert.deepEqual(names, ['eth0', 'eth1', 'lo']);
  });

  it('rejects interface names longer than 15 characters and non-CIDR addresses before touching the kernel', async () => {
    const x = await lab().netns('x');
    const y = await lab().netns('y');
    await assert.rejects(lab().veth(x, y, { aName: 'a-very-long-name' }), TestkitError);
    await assert.rejects(lab().veth(x, y, { bAddrs: ['10.0.0.1'] }), /expected CIDR/);
    assert.equal((await x.ip('-o', 'link', 'show')).includes('eth0'), false, 'nothing was created');
  });

  it('exec returns or throws with stderr; allowFail returns the exit code', async () => {
    const ns = await lab().netns('exec');
    const ok = await ns.exec('sh', ['-c', 'cat; echo err >&2'], { input: 'hello' });
    assert.deepEqual(ok, { stdout: 'hello', stderr: 'err\n', code: 0 });
    const failed = await ns.exec('sh', ['-c', 'exit 7'], { allowFail: true });
    assert.equal(failed.code, 7);
    await assert.rejects(ns.exec('sh', ['-c', 'echo boom >&2; exit 2']), (err: unknown) => {
      assert.ok(err instanceof CommandError);
      assert.equal(err.code, 2);
      assert.match(err.message, /boom/);
      return true;
    });
    await assert.rejects(ns.exec('sleep', ['5'], { timeoutMs: 100 }), /timed out after 100 ms/);
    await assert.rejects(ns.ip('route', 'add', '10.9.9.0/24', 'dev', 'nonexistent0'), /Cannot find device|nonexistent0/);
  });

  it('reads per-namespace kernel counters', async () => {
    const a = await lab().netns('count-a');
    const b = await lab().netns('count-b');
    await lab().veth(a, b, { aAddrs: ['10.0.9.1/24'], bAddrs: ['10.0.9.2/24'] });
    const before = await a.nstat('IcmpOutEchos', 'IpExt*Octets');
    assert.equal(before.IcmpOutEchos, 0, 'a fresh namespace starts at zero');
    assert.ok('IpExtInOctets' in before, 'wildcards expand');
    await a.exec('ping', ['-c2', '-i0.2', '-W2', '10.0.9.2']);
    assert.equal((await a.nstat('IcmpOutEchos')).IcmpOutEchos, 2);
    assert.equal((await b.nstat('IcmpOutEchos')).IcmpOutEchos, 0, 'counters are per namespace');
  });

  it('sets sysctls inside the namespace only', async () => {
    const ns = await lab().netns('sysctl');
    await ns.sysctl('net.ipv4.ip_forward', '1');
    assert.equal((await ns.exec('cat', ['/proc/sys/net/ipv4/ip_forward'])).stdout.trim(), '1');
    const other = await lab().netns('sysctl2');
    assert.equal((await other.exec('cat', ['/proc/sys/net/ipv4/ip_forward'])).stdout.trim(), '0');
  });

  it('spawns tracked processes inside the namespace and stops them', async () => {
    const ns = await lab().netns('spawn');
    const p = ns.spawn('sh', ['-c', 'echo started; ip -o link show lo; exec sleep 600'], { logFile: lab().file('spawn.log') });
    // Until `ip netns exec` has switched namespace and exec'd, the pid is still `ip` in the host namespace.
    await waitFor(() => p.output().includes('lo:'), { what: 'the process output' });
    const where = (await run('ip', ['netns', 'identify', String(p.pid)])).stdout.trim();
    assert.equal(where, ns.name, 'the process lives in the namespace');
    await p.stop('SIGTERM', 1_000);
    assert.equal(await p.exited, null, 'ended by the signal');
    assert.match(p.output(), /^started\n/);
    assert.match(readFileSync(lab().file('spawn.log'), 'utf8'), /^started\n/, 'output also went to the log file');
  });

  it('refuses to work after cleanup', async () => {
    const own = await Lab.create('closed');
    const ns = await own.netns('n');
    await own.cleanup();
    await own.cleanup(); // idempotent
    assert.equal(await namespaceExists(ns.name), false);
    await assert.rejects(own.netns('again'), /cleaned up/);
  });
});
