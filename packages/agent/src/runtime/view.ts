// KrouteView over a running agent: what the REST API and the CLI show.
import type { RouteJson, NeighborJson } from '@kroute/bgp';
import { ViewError, type ApiFamily, type KernelRouteView, type KrouteView, type NeighborView, type OriginateRequest, type RibQuery, type RouteView, type StatusView, type TunnelView } from '../api/view.js';
import type { KrouteAgent } from './agent.js';

const MAIN_TABLE = 254;
/** kube-router's protocol number for injected routes ("zebra"). */
const KROUTE_PROTOCOL = 17;

function route(r: RouteJson): RouteView {
  return { prefix: r.prefix, paths: r.paths.map((p) => ({ ...p, nextHop: p.nextHop ?? '' })) };
}

function neighbor(n: NeighborJson): NeighborView {
  return {
    address: n.address, port: n.port, asn: n.asn, localAddress: n.localAddress ?? '', type: n.type, state: n.state,
    uptimeSeconds: n.uptimeSeconds, holdTime: n.holdTime, keepaliveInterval: n.keepaliveInterval, families: n.families,
    capabilities: n.capabilities,
    gracefulRestart: {
      enabled: n.gracefulRestart.enabled, restartTime: n.gracefulRestart.restartTime,
      ...(n.gracefulRestart.peerRestartTime !== null ? { peerRestartTime: n.gracefulRestart.peerRestartTime } : {}),
      peerRestarting: n.gracefulRestart.state === 'restarting', staleRoutes: n.gracefulRestart.staleRoutes,
    },
    prefixes: n.prefixes, messages: n.messages, lastError: n.lastError,
  };
}

function kernelRouteKind(kind: string): KernelRouteView['kind'] {
  switch (kind) {
    case 'via-tunnel':
    case 'tunnel-host': return 'tunnel';
    case 'via-vxlan': return 'vxlan';
    case 'stale': return 'stale';
    default: return 'gateway';
  }
}

function* mapRoutes(it: Iterable<RouteJson>): Generator<RouteView> {
  for (const r of it) yield route(r);
}

export class AgentView implements KrouteView {
  constructor(private readonly agent: KrouteAgent, private readonly version: string, private readonly originatedByApi = new Set<string>()) {}

  private speaker() {
    const s = this.agent.speaker;
    if (!s) throw new ViewError(503, 'Service Unavailable', `the BGP speaker is not running (${this.agent.problems.join('; ') || this.agent.phase})`);
    return s;
  }

  status(): StatusView {
    const o = this.agent.options;
    return {
      asn: this.agent.asn(),
      routerId: this.agent.routerId(),
      version: this.version,
      uptimeSeconds: Math.round((Date.now() - this.agent.startedAt) / 1000),
      listen: this.agent.listenAddresses().map((address) => ({ address, port: o.bgpPort })),
    };
  }

  neighbors(): NeighborView[] {
    return (this.agent.speaker?.neighbors() ?? []).map(neighbor);
  }

  neighbor(address: string): NeighborView | undefined {
    const n = this.agent.speaker?.neighbor(address);
    return n ? neighbor(n) : undefined;
  }

  rib(q: RibQuery): Iterable<RouteView> {
    return mapRoutes(this.speaker().locRib(q.family, { ...(q.after ? { after: q.after } : {}), ...(q.prefix ? { prefix: q.prefix } : {}) }));
  }

  adjRibIn(address: string, q: RibQuery): Iterable<RouteView> | undefined {
    if (!this.agent.speaker?.neighbor(address)) return undefined;
    return mapRoutes(this.speaker().adjRibIn(address, q.family as ApiFamily, { ...(q.after ? { after: q.after } : {}), ...(q.prefix ? { prefix: q.prefix } : {}) }));
  }

  adjRibOut(address: string, q: RibQuery): Iterable<RouteView> | undefined {
    if (!this.agent.speaker?.neighbor(address)) return undefined;
    return mapRoutes(this.speaker().adjRibOut(address, q.family as ApiFamily, { ...(q.after ? { after: q.after } : {}), ...(q.prefix ? { prefix: q.prefix } : {}) }));
  }

  kernelRoutes(): KernelRouteView[] {
    if (this.agent.options.dryRun) return this.plannedRoutes();
    return (this.agent.reconciler?.ownedRoutes() ?? []).map((r) => ({
      prefix: r.prefix,
      table: r.table,
      protocol: r.protocol,
      kind: kernelRouteKind(r.kind),
      nextHops: r.nextHops.map((h) => ({ ...(h.gateway ? { gateway: h.gateway } : {}), ...(h.dev ? { device: h.dev } : {}), weight: h.weight })),
      ...(r.source ? { source: r.source } : {}),
    }));
  }

  /** --dry-run changes nothing, so show what would be installed: the plan of every prefix in the Loc-RIB. */
  plannedRoutes(): KernelRouteView[] {
    const r = this.agent.reconciler;
    const s = this.agent.speaker;
    if (!r || !s) return [];
    const out: KernelRouteView[] = [];
    for (const family of ['ipv4-unicast', 'ipv6-unicast'] as const) {
      for (const route of s.locRib(family)) {
        const plan = r.planOf(route.prefix);
        if (!plan || plan.kind === 'none') continue;
        out.push({
          prefix: plan.prefix,
          table: MAIN_TABLE,
          protocol: KROUTE_PROTOCOL,
          kind: plan.kind === 'via-tunnel' ? 'tunnel' : plan.kind === 'via-vxlan' ? 'vxlan' : 'gateway',
          nextHops: plan.hops.map((h) => ({ gateway: h.nextHop })),
          ...(plan.src ? { source: plan.src } : {}),
        });
      }
    }
    return out;
  }

  async tunnels(): Promise<TunnelView[]> {
    const m = this.agent.tunnelManager;
    if (!m) return [];
    return (await m.list()).map((t) => ({
      name: t.name,
      type: t.encap === 'gue' || t.encap === 'fou' ? 'fou' : t.kind === 'ip6tnl' ? 'ip6tnl' : 'ipip',
      local: t.local ?? '',
      remote: t.remote ?? '',
      ...(t.encapPort !== undefined ? { encapPort: t.encapPort } : {}),
      ...(t.mtu !== undefined ? { mtu: t.mtu } : {}),
      nextHop: t.remote ?? '',
    }));
  }

  originate(req: OriginateRequest): void {
    this.speaker().originate({ prefix: req.prefix, ...(req.nextHop ? { nextHop: req.nextHop } : {}), ...(req.communities ? { communities: req.communities } : {}) });
    this.originatedByApi.add(req.prefix);
  }

  withdraw(prefix: string): boolean {
    if (!this.originatedByApi.has(prefix)) return false;
    this.originatedByApi.delete(prefix);
    return this.speaker().withdraw(prefix);
  }
}
