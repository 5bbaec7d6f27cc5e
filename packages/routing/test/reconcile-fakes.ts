// Test support for the reconciler's real-kernel tests: a fake TunnelBackend (the real one is packages/tunnel, and
// this kernel has no ipip anyway), a namespace "node" with a neighbour to route via, and kernel snapshots.
import { createHash } from 'node:crypto';
import { waitFor, type Lab, type Netns } from '@kroute/testkit';
import type { TunnelBackend, TunnelEndpoint } from '../src/index.js';

/** kube-router's naming: `tun-` + sha256(next hop without `.` and `:`)[0:11]. */
export function tunnelName(nextHop: string): string {
  return `tun-${createHash('sha256').update(nextHop.replace(/[.:]/g, '')).digest('hex').slice(0, 11)}`;
}

interface IpLink {
  ifname: string;
  ifindex: number;
}

/**
 * Stands in for ipip tunnels with veth pairs (`tun-…` and its peer `tp-…`, both up, both in the node namespace), and
 * for the vxlan backend with a real vxlan0 whose VTEP for a next hop a.b.c.d is 10.98.c.d. Counts what it does.
 */
export class FakeTunnels implements TunnelBackend {
  ensures = 0;
  creations = 0;
  sweeps: string[][] = [];
  cleanups = 0;
  /** Next hops whose ensure() should fail. */
  readonly failFor = new Set<string>();

  constructor(
    private readonly ns: Netns,
    private readonly mode: 'ipip' | 'vxlan' = 'ipip',
  ) {}

  private async links(): Promise<IpLink[]> {
    return JSON.parse(await this.ns.ip('-j', 'link', 'show')) as IpLink[];
  }

  async peek(nextHop: string): Promise<TunnelEndpoint | undefined> {
    const name = this.mode === 'vxlan' ? 'vxlan0' : tunnelName(nextHop);
    const link = (await this.links()).find((l) => l.ifname === name);
    if (!link) return undefined;
    return this.endpoint(nextHop, link);
  }

  private endpoint(nextHop: string, link: IpLink): TunnelEndpoint {
    if (this.mode === 'ipip') return { ifindex: link.ifindex, name: link.ifname };
    const [, , c, d] = nextHop.split('.');
    return { ifindex: link.ifindex, name: link.ifname, gateway: `10.98.${c}.${d}`, onlink: true };
  }

  async ensure(nextHop: string): Promise<TunnelEndpoint> {
    this.ensures++;
    if (this.failFor.has(nextHop)) throw new Error(`fake tunnel failure towards ${nextHop}`);
    const existing = await this.peek(nextHop);
    if (existing) return existing;
    this.creations++;
    if (this.mode === 'vxlan') {
      await this.ns.ip('link', 'add', 'vxlan0', 'type', 'vxlan', 'id', '1', 'dstport', '4789', 'nolearning');
      // No IPv6 link-local address: its delayed creation would be kernel activity unrelated to the reconciler.
      await this.ns.ip('link', 'set', 'vxlan0', 'addrgenmode', 'none');
      await this.ns.ip('link', 'set', 'vxlan0', 'up');
    } else {
      const name = tunnelName(nextHop);
      const peer = `tp-${name.slice(4)}`;
      await this.ns.ip('link', 'add', name, 'type', 'veth', 'peer', 'name', peer);
      await this.ns.ip('link', 'set', name, 'addrgenmode', 'none');
      await this.ns.ip('link', 'set', peer, 'addrgenmode', 'none');
      await this.ns.ip('link', 'set', peer, 'up');
      await this.ns.ip('link', 'set', name, 'up');
    }
    return (await this.peek(nextHop))!;
  }

  async sweep(keep: ReadonlySet<string>): Promise<void> {
    const keepNames = new Set([...keep].map(tunnelName));
    const removed: string[] = [];
    for (const l of await this.links()) {
      if (l.ifname.startsWith('tun-') && !keepNames.has(l.ifname)) {
        await this.ns.ip('link', 'del', l.ifname);
        removed.push(l.ifname);
      }
    }
    if (this.mode === 'vxlan' && keep.size === 0 && (await this.links()).some((l) => l.ifname === 'vxlan0')) {
      await this.ns.ip('link', 'del', 'vxlan0');
      removed.push('vxlan0');
    }
    this.sweeps.push(removed);
  }

  async cleanup(): Promise<void> {
    this.cleanups++;
    for (const l of await this.links()) {
      if (l.ifname.startsWith('tun-') || l.ifname === 'vxlan0') await this.ns.ip('link', 'del', l.ifname);
    }
  }
}

/** A node namespace with eth0 (10.0.0.1/24, fd00::1/64) towards a peer holding 10.0.0.3/.4 and fd00::3/::4. */
export interface TestNode {
  node: Netns;
  peer: Netns;
  eth0: number;
}

export async function makeNode(lab: Lab, tag: string): Promise<TestNode> {
  const node = await lab.netns(`${tag}n`);
  const peer = await lab.netns(`${tag}p`);
  // No duplicate address detection in the node: addresses are usable (and final) at once.
  await node.sysctl('net/ipv6/conf/default/accept_dad', '0');
  await node.sysctl('net/ipv6/conf/all/accept_dad', '0');
  await lab.veth(node, peer, {
    aName: 'eth0',
    bName: 'eth0',
    aAddrs: ['10.0.0.1/24', 'fd00::1/64'],
    bAddrs: ['10.0.0.3/24', '10.0.0.4/24', 'fd00::3/64', 'fd00::4/64'],
  });
  // The kernel gives eth0 its IPv6 link-local address after carrier comes up and confirms it after duplicate
  // address detection (a second notification, plus its local route); wait until it is confirmed, so that this
  // unrelated kernel activity cannot land inside a test's "zero notifications" window.
  await waitFor(async () => (await node.ip('-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'link', '-tentative')).includes('fe80::'), {
    what: 'eth0 link-local address',
    timeoutMs: 10_000,
    intervalMs: 20,
  });
  const [link] = JSON.parse(await node.ip('-j', 'link', 'show', 'dev', 'eth0')) as IpLink[];
  return { node, peer, eth0: link!.ifindex };
}

export interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  prefsrc?: string;
  flags?: string[];
  nexthops?: { gateway?: string; dev: string; weight?: number; flags?: string[] }[];
}

/** `ip -j [-6] route show table T proto 17`. */
export async function kernelRoutes(ns: Netns, family: '4' | '6', table: string | number = 'main'): Promise<IpRoute[]> {
  const r = await ns.exec('ip', ['-j', `-${family}`, 'route', 'show', 'table', String(table), 'proto', '17'], { allowFail: true });
  if (r.code !== 0) {
    if (/FIB table does not exist/.test(r.stderr)) return [];
    throw new Error(`ip route show table ${table}: ${r.stderr}`);
  }
  const out = r.stdout;
  return (out.trim() ? JSON.parse(out) : []) as IpRoute[];
}

export interface IpRule {
  priority: number;
  src?: string;
  srclen?: number;
  table: string;
}

/** `ip -N -j [-6] rule show`: numeric table ids, whatever names the machine's rt_tables gives them. */
export async function kernelRules(ns: Netns, family: '4' | '6'): Promise<IpRule[]> {
  return JSON.parse(await ns.ip('-N', '-j', `-${family}`, 'rule', 'show')) as IpRule[];
}

/** Everything `cleanup()` must restore: all routes of all tables, rules and links of both families. */
export async function snapshot(ns: Netns): Promise<string[]> {
  const parts = await Promise.all([
    ns.ip('-4', 'route', 'show', 'table', 'all'),
    ns.ip('-6', 'route', 'show', 'table', 'all'),
    ns.ip('-4', 'rule', 'show'),
    ns.ip('-6', 'rule', 'show'),
    ns.ip('-o', 'link', 'show'),
  ]);
  return parts.join('\n---\n').split('\n');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
