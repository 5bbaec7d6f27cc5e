// The message model shared by the codec, the FSM and the speaker: typed discriminated unions.
// Addresses inside path attributes are strings (decoded once per UPDATE, not per prefix); prefixes stay in their
// compact wire form (NlriList) so a full table never becomes millions of objects on the hot path.
import type { AsPathSegmentTypeCode, OriginCode } from './constants.js';

/** The families kroute speaks. Others may appear in capabilities and are kept as numbers. */
export type Family = 'ipv4-unicast' | 'ipv6-unicast';

export interface AfiSafi {
  readonly afi: number;
  readonly safi: number;
}

/**
 * What the session negotiated, for one direction of traffic (decoding what we receive, or encoding what we send).
 * ADD-PATH is negotiated per family and per direction (RFC 7911 §4), so the session builds one context per direction.
 */
export interface CodecContext {
  /** RFC 6793: both sides advertised the 4-octet AS capability, so AS_PATH carries 4-octet ASNs. */
  readonly fourOctetAs: boolean;
  /** RFC 8654: messages up to 65535 octets. */
  readonly extendedMessage: boolean;
  /** RFC 7911: families whose NLRI carry a 4-octet path identifier in this direction. */
  readonly addPath: ReadonlySet<Family>;
  /**
   * RFC 7313: both sides advertised enhanced route refresh, so the ROUTE-REFRESH reserved octet is a subtype and a
   * bad ROUTE-REFRESH length is error 7/1 (§5). Absent means not negotiated.
   */
  readonly enhancedRouteRefresh?: boolean;
}

/** RFC 4271 defaults: 2-octet AS, 4096-octet messages, no ADD-PATH. */
export const DEFAULT_CODEC_CONTEXT: CodecContext = Object.freeze({
  fourOctetAs: false,
  extendedMessage: false,
  addPath: new Set<Family>(),
});

// ---------------------------------------------------------------------------------------------------------------
// Prefixes

/**
 * A run of NLRI in wire form (RFC 4271 §4.3: length octet + minimal prefix octets, each preceded by a 4-octet
 * path identifier when ADD-PATH is on). Decoding returns a zero-copy view into the received message; `count` was
 * computed while validating it, so a list handed out by the decoder is always well-formed.
 */
export interface NlriList {
  readonly afi: number;
  readonly safi: number;
  readonly addPath: boolean;
  readonly bytes: Uint8Array;
  readonly count: number;
}

/** One prefix as a value, for APIs and tests (the hot path iterates NlriList instead). */
export interface Prefix {
  readonly afi: number;
  /** Network address, 4 (IPv4) or 16 (IPv6) octets, host bits zero. */
  readonly address: Uint8Array;
  readonly length: number;
  /** RFC 7911 path identifier, when ADD-PATH is in use. */
  readonly pathId?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// OPEN and capabilities (RFC 4271 §4.2, RFC 5492, RFC 9072)

export type Capability =
  | { readonly kind: 'multiprotocol'; readonly afi: number; readonly safi: number } // RFC 4760 §8
  | { readonly kind: 'route-refresh' } // RFC 2918 §2
  | { readonly kind: 'extended-next-hop'; readonly entries: ReadonlyArray<{ afi: number; safi: number; nextHopAfi: number }> } // RFC 8950
  | { readonly kind: 'extended-message' } // RFC 8654
  | {
      readonly kind: 'graceful-restart'; // RFC 4724 §3, RFC 8538 §2 (N bit)
      readonly restartState: boolean;
      readonly notification: boolean;
      readonly restartTime: number;
      readonly families: ReadonlyArray<{ afi: number; safi: number; forwardingState: boolean }>;
    }
  | { readonly kind: 'four-octet-as'; readonly asn: number } // RFC 6793 §3
  | { readonly kind: 'add-path'; readonly families: ReadonlyArray<{ afi: number; safi: number; sendReceive: AddPathMode }> } // RFC 7911 §4
  | { readonly kind: 'enhanced-route-refresh' } // RFC 7313 §3
  | {
      readonly kind: 'long-lived-graceful-restart'; // RFC 9494 §3
      readonly families: ReadonlyArray<{ afi: number; safi: number; forwardingState: boolean; staleTime: number }>;
    }
  | { readonly kind: 'unknown'; readonly code: number; readonly value: Uint8Array };

/** RFC 7911 §4: 1 = receive, 2 = send, 3 = both. */
export type AddPathMode = 1 | 2 | 3;

export interface OpenMessage {
  readonly type: 'open';
  readonly version: number;
  /** The 2-octet My Autonomous System field as on the wire (AS_TRANS when the real AS needs 4 octets). */
  readonly myAs: number;
  readonly holdTime: number;
  /** BGP Identifier as an unsigned 32-bit number (compare numerically for §6.8 collisions). */
  readonly bgpIdentifier: number;
  readonly capabilities: readonly Capability[];
  /** Optional parameters other than capabilities, kept raw (RFC 4271 §6.2 makes them an error: 2/4). */
  readonly otherParameters?: ReadonlyArray<{ type: number; value: Uint8Array }>;
}

// ---------------------------------------------------------------------------------------------------------------
// UPDATE (RFC 4271 §4.3, RFC 4760, RFC 7606)

export interface AsPathSegment {
  readonly type: AsPathSegmentTypeCode;
  readonly asns: readonly number[];
}

export interface Aggregator {
  readonly asn: number;
  readonly address: string;
}

export interface LargeCommunity {
  readonly globalAdmin: number;
  readonly localData1: number;
  readonly localData2: number;
}

export interface RawAttribute {
  readonly flags: number;
  readonly typeCode: number;
  readonly value: Uint8Array;
}

/**
 * The path attributes of one UPDATE, shared by every prefix it carries: the unit the RIB interns.
 * MP_REACH_NLRI / MP_UNREACH_NLRI are not here: they carry prefixes, so they sit on the UpdateMessage.
 */
export interface PathAttributes {
  readonly origin?: OriginCode;
  readonly asPath?: readonly AsPathSegment[];
  /** IPv4 NEXT_HOP attribute (type 3). IPv6 next hops are in MpReach. */
  readonly nextHop?: string;
  readonly med?: number;
  readonly localPref?: number;
  readonly atomicAggregate?: boolean;
  readonly aggregator?: Aggregator;
  /** RFC 1997 communities as unsigned 32-bit values (high 16 bits ASN, low 16 bits value). */
  readonly communities?: readonly number[];
  /** RFC 4456: BGP Identifier of the originator, unsigned 32-bit. */
  readonly originatorId?: number;
  /** RFC 4456: cluster IDs, unsigned 32-bit, nearest first. */
  readonly clusterList?: readonly number[];
  /** RFC 4360: 8-octet extended communities, each its own 8-byte array. */
  readonly extendedCommunities?: readonly Uint8Array[];
  readonly largeCommunities?: readonly LargeCommunity[];
  /** RFC 6793 §3: only ever seen on sessions without 4-octet AS; the speaker merges it (§4.2.3). */
  readonly as4Path?: readonly AsPathSegment[];
  readonly as4Aggregator?: Aggregator;
  /** Unrecognised optional transitive attributes, kept (Partial bit set) to pass on; RFC 4271 §5. */
  readonly unknown?: readonly RawAttribute[];
}

export interface MpReach {
  readonly afi: number;
  readonly safi: number;
  /** Global next hop. */
  readonly nextHop: string;
  /** RFC 2545 §3: present when the next hop field is 32 octets (global + link-local). */
  readonly linkLocalNextHop?: string;
  readonly nlri: NlriList;
}

export interface MpUnreach {
  readonly afi: number;
  readonly safi: number;
  readonly withdrawn: NlriList;
}

/** RFC 7606 §2: how an attribute error is handled when it does not reset the session. */
export type AttributeErrorAction = 'treat-as-withdraw' | 'attribute-discard';

export interface AttributeError {
  readonly typeCode: number;
  readonly action: AttributeErrorAction;
  /** The UPDATE error subcode the error would have had under RFC 4271 (for logs and counters). */
  readonly subcode: number;
  readonly reason: string;
}

export interface UpdateMessage {
  readonly type: 'update';
  /** IPv4 unicast Withdrawn Routes field. */
  readonly withdrawn: NlriList;
  readonly attributes: PathAttributes;
  /** IPv4 unicast NLRI field. */
  readonly nlri: NlriList;
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
  /**
   * RFC 7606 §2: when true, every prefix in `nlri` and `mpReach.nlri` must be handled as withdrawn. Errors that
   * reset the session are thrown as BgpError instead and never reach here.
   */
  readonly treatAsWithdraw: boolean;
  /** Errors handled by treat-as-withdraw or attribute discard, for logging (RFC 7606 §6). */
  readonly attributeErrors: readonly AttributeError[];
}

// ---------------------------------------------------------------------------------------------------------------
// NOTIFICATION, KEEPALIVE, ROUTE-REFRESH

export interface NotificationMessage {
  readonly type: 'notification';
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
  /** RFC 9003 §2: the shutdown communication of a Cease 2 or 4, when present and valid UTF-8. */
  readonly shutdownCommunication?: string;
}

export interface KeepaliveMessage {
  readonly type: 'keepalive';
}

export interface RouteRefreshMessage {
  readonly type: 'route-refresh';
  readonly afi: number;
  readonly safi: number;
  /** RFC 7313 §3: 0 normal, 1 BoRR, 2 EoRR. */
  readonly subtype: number;
}

export type BgpMessage = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;
