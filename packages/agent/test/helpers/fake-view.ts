// A KrouteView over plain arrays, for API and CLI tests.
import type { KernelRouteView, KrouteView, NeighborView, OriginateRequest, RibQuery, RouteView, StatusView, TunnelView } from '../../src/api/view.js';

export function neighbor(address: string, over: Partial<NeighborView> = {}): NeighborView {
  return {
    address, port: 179, asn: 64512, localAddress: '10.0.0.1', type: 'internal', state: 'Established', uptimeSeconds: 3723,
    holdTime: 90, keepaliveInterval: 30, families: ['ipv4-unicast'], capabilities: ['multiprotocol', 'route-refresh', 'four-octet-as'],
    gracefulRestart: { enabled: false }, prefixes: { received: 2, accepted: 2, advertised: 1 },
    messages: { sent: { open: 1, update: 3, keepalive: 10 }, received: { open: 1, update: 2, keepalive: 11 } }, lastError: null, ...over,
  };
}

export function route(prefix: string, nextHop: string, over: Partial<RouteView['paths'][number]> = {}): RouteView {
  return { prefix, paths: [{ best: true, nextHop, asPath: [], origin: 'igp', localPref: 100, med: null, communities: [], largeCommunities: [], peer: nextHop, stale: false, ageSeconds: 5, ...over }] };
}

export class FakeView implements KrouteView {
  originated: OriginateRequest[] = [];
  constructor(
    readonly routes: { 'ipv4-unicast': RouteView[]; 'ipv6-unicast': RouteView[] },
    readonly peers: NeighborView[] = [],
    readonly kernel: KernelRouteView[] = [],
    readonly tunnelList: TunnelView[] = [],
  ) {}
  status(): StatusView {
    return { asn: 64512, routerId: '10.0.0.1', version: '0.1.0-test', uptimeSeconds: 42, listen: [{ address: '10.0.0.1', port: 179 }] };
  }
  neighbors(): NeighborView[] { return this.peers; }
  neighbor(address: string): NeighborView | undefined { return this.peers.find((p) => p.address === address); }
  *rib(q: RibQuery): Iterable<RouteView> {
    let started = q.after === undefined;
    for (const r of this.routes[q.family]) {
      if (!started) { if (r.prefix === q.after) started = true; continue; }
      if (q.prefix !== undefined && r.prefix !== q.prefix) continue;
      yield r;
    }
  }
  adjRibIn(address: string, q: RibQuery): Iterable<RouteView> | undefined { return this.neighbor(address) ? this.rib(q) : undefined; }
  adjRibOut(address: string, q: RibQuery): Iterable<RouteView> | undefined { return this.neighbor(address) ? [] : undefined; }
  kernelRoutes(): KernelRouteView[] { return this.kernel; }
  tunnels(): TunnelView[] { return this.tunnelList; }
  originate(req: OriginateRequest): void { this.originated.push(req); }
  withdraw(prefix: string): boolean {
    const before = this.originated.length;
    this.originated = this.originated.filter((o) => o.prefix !== prefix);
    return this.originated.length < before;
  }
}
