/**
 * Contract between the route reconciler (packages/routing) and the overlay implementation (packages/tunnel).
 * routing must not import tunnel (tunnel depends on routing's netlink code), so the interface lives here and
 * packages/tunnel implements it.
 */

export type OverlayEncap = 'ipip' | 'fou' | 'vxlan';

/** How to send traffic through the overlay towards one remote node. */
export interface TunnelEndpoint {
  readonly ifindex: number;          // the tun-* link, or the vxlan device
  readonly name: string;
  readonly gateway?: string;         // vxlan: the remote VTEP address, used with onlink
  readonly onlink?: boolean;
}

export interface TunnelBackend {
  /** Makes sure the overlay towards `nextHop` (a cluster node's IP) exists and is right; idempotent, no churn. */
  ensure(nextHop: string, remote: { node?: string; podCidrs?: readonly string[] }): Promise<TunnelEndpoint>;
  /** Removes overlay objects (tun-* links, vxlan neigh/fdb entries, unused FOU ports) for next hops not in `keep`. */
  sweep(keep: ReadonlySet<string>): Promise<void>;
  /** Removes everything this backend ever owns. */
  cleanup(): Promise<void>;
  /**
   * Optional, read-only: the endpoint towards `nextHop` if it exists now, without creating or changing anything.
   * `--dry-run` uses it to show tunnel routes with their real device; without it they show as "tunnel to be created".
   */
  peek?(nextHop: string): Promise<TunnelEndpoint | undefined>;
}
