// Prometheus metrics: kube-router's names and labels (reference §1.14) so existing dashboards keep working, plus
// kroute's own under `kroute_`. Labels are bounded: per peer at most, never per prefix. Peer series are removed
// when the peer is removed.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type AdvertisementType = 'pod-route' | 'advertise-vip' | 'withdraw-vip';
export type MessageDirection = 'sent' | 'received';

export interface PeerMetricsSnapshot {
  readonly address: string;
  readonly type: 'internal' | 'external';
  readonly asn: number;
  readonly state: string;
  readonly prefixes: { readonly received: number; readonly accepted: number; readonly advertised: number };
}

/** Order of RFC 4271 §8 states, the value of kroute_bgp_peer_state. */
export const SESSION_STATES = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'] as const;

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SYNC_BUCKETS = [0.001, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60];

export class KrouteMetrics {
  readonly registry = new Registry();

  // kube-router's
  readonly bgpPeerInfo = new Gauge({ name: 'kube_router_bgp_peer_info', help: 'BGP peer info (1 per peer)', labelNames: ['address', 'type', 'asn', 'state'], registers: [this.registry] });
  readonly advertisementsReceived = new Counter({ name: 'kube_router_controller_bgp_advertisements_received', help: 'BGP best-path advertisements received', registers: [this.registry] });
  readonly advertisementsSent = new Counter({ name: 'kube_router_controller_bgp_advertisements_sent', help: 'BGP advertisements sent, by type', labelNames: ['type'], registers: [this.registry] });
  readonly internalPeersSyncTime = new Histogram({ name: 'kube_router_controller_bgp_internal_peers_sync_time', help: 'Time to sync internal BGP peers (seconds)', buckets: SYNC_BUCKETS, registers: [this.registry] });
  readonly routesSyncTime = new Histogram({ name: 'kube_router_controller_routes_sync_time', help: 'Time of one routes controller sync (seconds)', buckets: SYNC_BUCKETS, registers: [this.registry] });
  readonly hostRoutesSyncTime = new Histogram({ name: 'kube_router_host_routes_sync_time', help: 'Time to sync host routes (seconds)', buckets: SYNC_BUCKETS, registers: [this.registry] });
  readonly hostRoutesSynced = new Gauge({ name: 'kube_router_host_routes_synced', help: 'Host routes currently synced', registers: [this.registry] });
  readonly hostRoutesAdded = new Counter({ name: 'kube_router_host_routes_added', help: 'Host routes added', registers: [this.registry] });
  readonly hostRoutesRemoved = new Counter({ name: 'kube_router_host_routes_removed', help: 'Host routes removed', registers: [this.registry] });

  // kroute's own
  readonly messages = new Counter({ name: 'kroute_bgp_messages_total', help: 'BGP messages by peer, direction and type', labelNames: ['peer', 'direction', 'type'], registers: [this.registry] });
  readonly peerPrefixes = new Gauge({ name: 'kroute_bgp_peer_prefixes', help: 'Prefixes per peer: received, accepted (post-policy), advertised', labelNames: ['peer', 'kind'], registers: [this.registry] });
  readonly peerState = new Gauge({ name: 'kroute_bgp_peer_state', help: `Session state: ${SESSION_STATES.map((s, i) => `${i}=${s}`).join(', ')}`, labelNames: ['peer'], registers: [this.registry] });
  readonly fsmTransitions = new Counter({ name: 'kroute_bgp_fsm_transitions_total', help: 'BGP FSM state transitions', labelNames: ['peer', 'from', 'to'], registers: [this.registry] });
  readonly updateProcessing = new Histogram({ name: 'kroute_bgp_update_processing_seconds', help: 'Time to process one received UPDATE (decode, policy, decision)', buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly routeProgramming = new Histogram({ name: 'kroute_route_programming_seconds', help: 'Latency from a best-path change to the kernel ACK', buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly netlinkErrors = new Counter({ name: 'kroute_netlink_errors_total', help: 'Netlink requests the kernel refused, by operation', labelNames: ['operation'], registers: [this.registry] });
  readonly reconcilerChanges = new Counter({ name: 'kroute_reconciler_changes_total', help: 'Kernel objects the reconciler changed, by object and action', labelNames: ['object', 'action'], registers: [this.registry] });

  private readonly knownPeers = new Set<string>();
  /** Label sets used per peer in the per-peer counters, so a removed peer's series can be dropped. */
  private readonly peerCounterLabels = new Map<string, Array<{ counter: Counter; labels: Record<string, string> }>>();

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'kroute_' });
  }

  /** Replaces the per-peer series with the current peers (kube-router resets bgp_peer_info each tick). */
  setPeers(peers: readonly PeerMetricsSnapshot[]): void {
    this.bgpPeerInfo.reset();
    const now = new Set<string>();
    for (const p of peers) {
      now.add(p.address);
      this.bgpPeerInfo.set({ address: p.address, type: p.type, asn: String(p.asn), state: p.state.toLowerCase() }, 1);
      this.peerState.set({ peer: p.address }, Math.max(0, SESSION_STATES.indexOf(p.state as (typeof SESSION_STATES)[number])));
      this.peerPrefixes.set({ peer: p.address, kind: 'received' }, p.prefixes.received);
      this.peerPrefixes.set({ peer: p.address, kind: 'accepted' }, p.prefixes.accepted);
      this.peerPrefixes.set({ peer: p.address, kind: 'advertised' }, p.prefixes.advertised);
    }
    for (const gone of this.knownPeers) if (!now.has(gone)) this.forgetPeer(gone);
    this.knownPeers.clear();
    for (const a of now) this.knownPeers.add(a);
  }

  private forgetPeer(address: string): void {
    this.peerState.remove({ peer: address });
    for (const kind of ['received', 'accepted', 'advertised']) this.peerPrefixes.remove({ peer: address, kind });
    for (const { counter, labels } of this.peerCounterLabels.get(address) ?? []) counter.remove(labels);
    this.peerCounterLabels.delete(address);
  }

  private countForPeer(counter: Counter, labels: Record<string, string> & { peer: string }, n: number): void {
    const list = this.peerCounterLabels.get(labels.peer) ?? [];
    if (!list.some((e) => e.counter === counter && sameLabels(e.labels, labels))) list.push({ counter, labels });
    this.peerCounterLabels.set(labels.peer, list);
    counter.inc(labels, n);
  }

  countMessage(peer: string, direction: MessageDirection, type: string, n = 1): void {
    this.countForPeer(this.messages, { peer, direction, type }, n);
  }

  countTransition(peer: string, from: string, to: string): void {
    this.countForPeer(this.fsmTransitions, { peer, from, to }, 1);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
