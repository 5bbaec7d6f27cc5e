// The RIB's view of a peer, and the one per-prefix-per-peer object: Path.
import type { AttrSet } from './attrs.js';
import { parseIpv4, parseIpv6Words } from './prefix.js';
import { isIPv4 } from 'node:net';

/** What the RIB needs to know about a neighbour to select and export paths. */
export interface PeerSpec {
  /** The neighbour's address; it identifies the peer in every RIB call. */
  readonly address: string;
  readonly asn: number;
  /** RFC 4456: the peer is one of our route-reflector clients. */
  readonly routeReflectorClient?: boolean;
  /** Per-peer maximum number of received prefixes (all families); past it the session gets Cease 6/1. */
  readonly maxPrefixes?: number;
  /** Per-peer policies by name, evaluated before the global ones (see policy/engine.ts). */
  readonly importPolicies?: readonly string[];
  readonly exportPolicies?: readonly string[];
  /** Overrides the global default action of that direction for this peer. */
  readonly importDefault?: 'accept' | 'reject';
  readonly exportDefault?: 'accept' | 'reject';
}

/** What the session learns when it comes up; the RIB needs it for next-hop-self and the decision process. */
export interface PeerSession {
  /** The peer's BGP Identifier from its OPEN (unsigned 32-bit). */
  readonly routerId: number;
  /** Our address on this session, per family: next-hop-self uses it. */
  readonly localAddress?: string;
  readonly localAddressV6?: string;
  /** RFC 6793: both sides speak 4-octet AS numbers (false: export goes through splitAs4Path). */
  readonly fourOctetAs?: boolean;
  /** RFC 9494: the peer advertised the LLGR capability (it may be sent LLGR_STALE paths). */
  readonly longLivedGr?: boolean;
}

export class Peer {
  /** Orders peers by address for the last tie-breaker: IPv4 before IPv6, then numerically. */
  readonly order: string;
  routerId = 0;
  localAddress: string | undefined;
  localAddressV6: string | undefined;
  fourOctetAs = true;
  /** RFC 9494: the peer advertised long-lived graceful restart. */
  llgr = false;
  /** Prefixes received (pre-policy, all families), for max-prefix. */
  received = 0;
  /** Prefixes accepted by import policy (all families). */
  accepted = 0;

  constructor(
    public spec: PeerSpec,
    readonly localAsn: number,
    readonly local = false,
  ) {
    this.order = local ? '' : addressOrder(spec.address);
  }

  get address(): string {
    return this.spec.address;
  }
  get asn(): number {
    return this.spec.asn;
  }
  get ibgp(): boolean {
    return this.spec.asn === this.localAsn;
  }
  get rrClient(): boolean {
    return this.spec.routeReflectorClient === true;
  }
}

function addressOrder(address: string): string {
  if (isIPv4(address)) return `4${parseIpv4(address).toString(16).padStart(8, '0')}`;
  return `6${parseIpv6Words(address).map((w) => w.toString(16).padStart(4, '0')).join('')}`;
}

/**
 * One path for one prefix from one source. `pre` is what the peer sent (after AS4 merge); `attrs` is what import
 * policy made of it, or null when it was rejected (kept so a policy change can re-evaluate it).
 */
export class Path {
  constructor(
    readonly peer: Peer,
    public pre: AttrSet,
    public attrs: AttrSet | null,
    /** RFC 4724 §4.2: kept across the peer's restart, awaiting re-advertisement. */
    public stale: boolean,
    /** When it was last (re)announced, in whole seconds of the RIB's clock (an SMI, not a boxed double). */
    public since: number,
  ) {}
}
