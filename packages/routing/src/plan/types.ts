/**
 * Inputs and outputs of route planning. Plain data: the agent supplies best paths and overlay settings, the kernel
 * supplies the node's addresses, and planning turns them into route plans (see route-plan.ts).
 * @packageDocumentation
 */
import type { IpFamily } from '../netlink/ip.js';
import type { OverlayEncap } from './tunnel-backend.js';

/** One next hop of a best path, as the agent knows it. */
export interface NextHopInfo {
  /** The BGP next hop address. */
  readonly address: string;
  /**
   * True when the next hop is a cluster node (an iBGP mesh member). Only cluster nodes are ever reached through the
   * overlay; a next hop learned from an external router is installed via the gateway or not at all (kube-router #728).
   */
  readonly clusterNode: boolean;
  /** The node's name, passed on to the tunnel backend. */
  readonly node?: string;
  /** The node's pod CIDRs, passed on to the tunnel backend. */
  readonly podCidrs?: readonly string[];
}

/** A best path, or an ECMP set of equally good paths, for one prefix. */
export interface BestPath {
  readonly prefix: string;
  readonly nextHops: readonly NextHopInfo[];
}

/** `--enable-overlay`, `--overlay-type`, `--overlay-encap`. */
export interface OverlaySettings {
  readonly enabled: boolean;
  /** `subnet`: tunnel only to nodes outside every local subnet; `full`: always tunnel to nodes. */
  readonly type: 'subnet' | 'full';
  readonly encap: OverlayEncap;
}

/** kube-router's defaults: overlay on, type subnet, ipip. */
export const DEFAULT_OVERLAY: OverlaySettings = { enabled: true, type: 'subnet', encap: 'ipip' };

/** One of this node's addresses with its subnet, as read from the kernel. */
export interface LocalAddress {
  readonly family: IpFamily;
  /** The address, canonical text. */
  readonly address: string;
  readonly prefixLength: number;
  /** The interface it is on (the output interface for gateways in its subnet). */
  readonly ifindex: number;
}

/** Everything a plan depends on besides the path itself. */
export interface PlanContext {
  readonly localAddresses: readonly LocalAddress[];
  readonly overlay: OverlaySettings;
  /** The node IP per family used as the source of tunnel routes; default: the first local address of the family. */
  readonly nodeIps?: { readonly ipv4?: string; readonly ipv6?: string };
}

/** What happens to traffic for a prefix (or through one next hop). */
export type PlanKind = 'via-gateway' | 'via-tunnel' | 'via-vxlan' | 'none';

/** The plan for one next hop. */
export interface HopPlan {
  readonly kind: PlanKind;
  /** Canonical next hop address. */
  readonly nextHop: string;
  /** via-gateway: the interface of the local subnet that holds the next hop. */
  readonly ifindex?: number;
  readonly clusterNode: boolean;
  readonly remote: { readonly node?: string; readonly podCidrs?: readonly string[] };
  /** Why a hop is `none`, or why it was left out of an ECMP set. */
  readonly reason?: string;
}

/** The plan for one prefix: every used hop has the same kind (mixed ECMP sets are resolved; see route-plan.ts). */
export interface RoutePlan {
  /** Canonical prefix. */
  readonly prefix: string;
  readonly family: IpFamily;
  readonly kind: PlanKind;
  /** The hops the route uses, in deterministic order (by address); empty for `none`. */
  readonly hops: readonly HopPlan[];
  /** Hops not used, with their reason. */
  readonly dropped: readonly HopPlan[];
  /** via-tunnel: the node IP of the prefix's family, used as the route's source. */
  readonly src?: string;
}
