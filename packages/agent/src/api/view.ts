// What the REST API (and so the CLI) can see of a running agent: the contract of ../shared/DESIGN.md, as types.
// The agent runtime implements KrouteView over the speaker, the reconciler and the tunnel manager; tests use fakes.
import type { RoutePathJson } from '@kroute/bgp';

export type ApiFamily = 'ipv4-unicast' | 'ipv6-unicast';
export const API_FAMILIES: readonly ApiFamily[] = ['ipv4-unicast', 'ipv6-unicast'];

export type SessionState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export interface StatusView {
  asn: number;
  routerId: string;
  version: string;
  uptimeSeconds: number;
  listen: Array<{ address: string; port: number }>;
}

export interface NeighborView {
  address: string;
  port: number;
  asn: number;
  localAddress: string;
  type: 'internal' | 'external';
  state: SessionState;
  uptimeSeconds: number;
  holdTime: number;
  keepaliveInterval: number;
  families: string[];
  capabilities: string[];
  gracefulRestart: { enabled: boolean; restartTime?: number; peerRestartTime?: number; peerRestarting?: boolean; staleRoutes?: number };
  prefixes: { received: number; accepted: number; advertised: number };
  messages: { sent: Record<string, number>; received: Record<string, number> };
  lastError: string | null;
}

/**
 * A path as the speaker serialises it (@kroute/bgp RoutePathJson: best, nextHop, asPath, origin, localPref, med,
 * communities, largeCommunities, peer — "local" for an originated path —, stale, ageSeconds), with the next hop
 * always a string in the REST contract.
 */
export type PathView = Omit<RoutePathJson, 'nextHop'> & { nextHop: string };

export interface RouteView {
  prefix: string;
  paths: PathView[];
}

export interface RibQuery {
  family: ApiFamily;
  /** Only this prefix (exact match). */
  prefix?: string;
  /** Resume after this prefix, in the iteration order of the table. */
  after?: string;
}

export interface KernelRouteView {
  prefix: string;
  table: number;
  protocol: number;
  /** `stale`: owned but with no reason to exist any more (held for graceful restart, or about to be swept). */
  kind: 'gateway' | 'tunnel' | 'vxlan' | 'stale';
  nextHops: Array<{ gateway?: string; device?: string; weight?: number }>;
  source?: string;
}

export interface TunnelView {
  name: string;
  type: 'ipip' | 'ip6tnl' | 'fou' | 'vxlan';
  local: string;
  remote: string;
  encapPort?: number;
  mtu?: number;
  /** The next hop (node) the tunnel was built for. */
  nextHop: string;
}

export interface OriginateRequest {
  prefix: string;
  nextHop?: string;
  communities?: string[];
}

/** Thrown by a view for a request the agent refuses (bad prefix, family not enabled). */
export class ViewError extends Error {
  constructor(readonly statusCode: number, readonly error: string, message: string) {
    super(message);
  }
}

export interface KrouteView {
  status(): StatusView;
  neighbors(): NeighborView[];
  neighbor(address: string): NeighborView | undefined;
  /** Routes in a stable order (so `after` resumes); lazily produced so a 1M-route RIB is never one array. */
  rib(query: RibQuery): Iterable<RouteView>;
  adjRibIn(address: string, query: RibQuery): Iterable<RouteView> | undefined;
  adjRibOut(address: string, query: RibQuery): Iterable<RouteView> | undefined;
  kernelRoutes(): KernelRouteView[] | Promise<KernelRouteView[]>;
  /** Read from the kernel, so it may be asynchronous. */
  tunnels(): TunnelView[] | Promise<TunnelView[]>;
  originate(req: OriginateRequest): void;
  withdraw(prefix: string): boolean;
}
