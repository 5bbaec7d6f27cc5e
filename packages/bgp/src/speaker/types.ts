// The BgpSpeaker's public vocabulary: options, peer configuration, originated paths, events and the plain-data
// query results (shaped like DESIGN.md's REST API objects so the agent serialises them as they are).
import type { BackoffConfig } from '../fsm/timers.js';
import type { FsmState } from '../fsm/types.js';
import type { PolicyConfig } from '../policy/types.js';
import type { DecisionOptions } from '../rib/decision.js';
import type { RoutePathJson } from '../rib/serialize.js';
import type { SessionClock, SessionLogger } from '../session/index.js';
import type { Family } from '../wire/types.js';
import type { BgpConnection, ConnectOptions } from '../transport/index.js';

export type { RouteJson, RoutePathJson } from '../rib/serialize.js';

export interface SpeakerGracefulRestart {
  readonly enabled: boolean;
  /** RFC 4724 §3 Restart Time we advertise, seconds (kube-router --bgp-graceful-restart-time, default 90). */
  readonly restartTime?: number;
  /** RFC 4724 §4.1 selection deferral after our own restart, seconds (kube-router default 360). */
  readonly deferralTime?: number;
  /** Families whose forwarding state the embedder preserved across our restart (kernel routes kept): F bit. */
  readonly preservedFamilies?: readonly Family[];
  /** This start is a restart (the process came back): advertise the Restart bit and defer selection. */
  readonly restarting?: boolean;
}

export interface SpeakerOptions {
  readonly asn: number;
  /** BGP Identifier, dotted quad. */
  readonly routerId: string;
  /** Where to accept connections. Port 0 = no listener (every peer is then connected actively). */
  readonly listen?: { readonly addresses?: readonly string[]; readonly port?: number };
  readonly gracefulRestart?: SpeakerGracefulRestart;
  /** RFC 4456 §7 cluster ID, uint32 or IPv4 text (kube-router's rr.server annotation); default the router ID. */
  readonly clusterId?: number | string;
  /** Run listener and outgoing sockets inside this network namespace (tests). */
  readonly netns?: string;
  readonly policy?: PolicyConfig;
  /** RFC 4271 §9.2.1.1 MinRouteAdvertisementInterval defaults, seconds. Both default to 0 (kube-router/GoBGP). */
  readonly mrai?: { readonly ibgp?: number; readonly ebgp?: number };
  readonly decision?: DecisionOptions;
  readonly clock?: SessionClock;
  readonly log?: SessionLogger;
  /** Outgoing connections (default: the TCP transport). Tests join speakers with in-memory pipes through it. */
  readonly connect?: (options: ConnectOptions) => Promise<BgpConnection>;
}

export interface PeerConfig {
  readonly address: string;
  readonly port?: number;
  readonly asn: number;
  readonly localAddress?: string;
  /** RFC 2385 TCP-MD5. */
  readonly password?: string;
  readonly multihopTtl?: number;
  /** GTSM (RFC 5082) hops. */
  readonly ttlSecurity?: number;
  /** Seconds; default 90. */
  readonly holdTime?: number;
  /** Default: the family of the peer address. */
  readonly families?: readonly Family[];
  readonly passive?: boolean;
  readonly routeReflectorClient?: boolean;
  /** Past this many received prefixes the session is closed with Cease 6/1 (RFC 4486). */
  readonly maxPrefixes?: number;
  /** Per peer: false turns GR off for this peer; a restart time overrides the speaker's. Default: the speaker's. */
  readonly gracefulRestart?: boolean | { readonly restartTime?: number };
  readonly importPolicies?: readonly string[];
  readonly exportPolicies?: readonly string[];
  readonly importDefault?: 'accept' | 'reject';
  readonly exportDefault?: 'accept' | 'reject';
  /** MinRouteAdvertisementInterval for this peer, seconds (default from SpeakerOptions.mrai). */
  readonly mrai?: number;
  /** Next hop for next-hop-self in the family other than the session's (e.g. IPv6 routes on an IPv4 session). */
  readonly nextHopSelf?: { readonly ipv4?: string; readonly ipv6?: string };
  /** ConnectRetry backoff (tests shorten it). */
  readonly connectRetry?: BackoffConfig;
}

/** A locally originated path. */
export interface OriginatePath {
  /** "10.0.0.0/24" or "fd00::/64". */
  readonly prefix: string;
  /** Default: next-hop-self on each session. */
  readonly nextHop?: string;
  /** "65000:100" or well-known names. */
  readonly communities?: readonly string[];
  /** "a:b:c". */
  readonly largeCommunities?: readonly string[];
  readonly med?: number;
  readonly localPref?: number;
  readonly origin?: 'igp' | 'egp' | 'incomplete';
}

/** One prefix whose best path or ECMP set changed. */
export interface BestPathChange {
  readonly prefix: string;
  readonly family: Family;
  /** The new best path; null when the prefix has no route any more (withdrawn). */
  readonly best: RoutePathJson | null;
  /** Every path equal to the best down to the router-ID step (RFC 4271 §9.1.2.2 before tie-breaks), best first. */
  readonly ecmp: readonly RoutePathJson[];
  readonly withdrawn: boolean;
}

export interface PeerStateChange {
  readonly address: string;
  readonly from: FsmState;
  readonly to: FsmState;
  readonly reason?: string;
  /** Wall-clock milliseconds. */
  readonly at: number;
}

export interface SpeakerEvents {
  /** One array per processed batch (a socket read's UPDATEs, a policy change, ...), never one call per prefix. */
  bestPathChanged: [changes: readonly BestPathChange[]];
  peerStateChanged: [change: PeerStateChange];
  /** A problem worth logging that does not throw (e.g. a loop refused, a max-prefix reset). */
  warning: [message: string];
  /**
   * RFC 4724 §4.1: after our own restart, selection deferral is over (End-of-RIB from every GR peer, or the
   * deferral timer): our table has been sent, and the embedder may now sweep forwarding state no peer re-sent.
   */
  selectionDeferralEnded: [];
}

export interface NeighborJson {
  address: string;
  port: number;
  asn: number;
  localAddress: string | null;
  type: 'internal' | 'external';
  state: FsmState;
  uptimeSeconds: number;
  holdTime: number;
  keepaliveInterval: number;
  families: Family[];
  capabilities: string[];
  gracefulRestart: {
    enabled: boolean;
    restartTime: number;
    peerRestartTime: number | null;
    /** receiving-speaker state: up, restarting (peer gone, routes stale), awaiting-eor, down. */
    state: string;
    staleRoutes: number;
  };
  routeReflectorClient: boolean;
  prefixes: { received: number; accepted: number; advertised: number };
  messages: { sent: Record<string, number>; received: Record<string, number> };
  lastError: string | null;
}

export interface RibQuery {
  /** Page after this prefix (exclusive), in address order. */
  readonly after?: string;
  /** Only this prefix. */
  readonly prefix?: string;
  readonly limit?: number;
}
