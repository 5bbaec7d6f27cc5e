// Policy configuration as plain data (what the agent builds and the REST API can show). Modelled on GoBGP's
// defined sets / statements / policies / assignments so kube-router's policies translate one to one.
import type { Family } from '../wire/types.js';

export type RouteAction = 'accept' | 'reject';

/** A prefix-set entry: `prefix` with the route's length in [masklenMin, masklenMax] (both default to its length). */
export interface PrefixSetEntry {
  readonly prefix: string;
  readonly masklenMin?: number;
  readonly masklenMax?: number;
}

export interface DefinedSets {
  readonly prefixSets?: Readonly<Record<string, readonly PrefixSetEntry[]>>;
  /** Neighbour addresses or CIDRs ("10.0.0.1", "10.0.0.1/32", "fd00::/64"). */
  readonly neighborSets?: Readonly<Record<string, readonly string[]>>;
  /** "65000:100", a 32-bit integer, a well-known name ("no-export"), or a regular expression over "a:b" text. */
  readonly communitySets?: Readonly<Record<string, readonly string[]>>;
  /** "a:b:c", or a regular expression over that text. */
  readonly largeCommunitySets?: Readonly<Record<string, readonly string[]>>;
  /** GoBGP-style AS-path regular expressions over "65001 65002 {65003,65004}"; `_` matches a boundary. */
  readonly asPathSets?: Readonly<Record<string, readonly string[]>>;
}

/** any: some set entry matches the route; all: every set entry matches it; invert: no entry matches (GoBGP). */
export type MatchOption = 'any' | 'all' | 'invert';

export interface SetCondition<M extends MatchOption = MatchOption> {
  readonly name: string;
  readonly match?: M;
}

export interface Conditions {
  readonly prefixSet?: SetCondition<'any' | 'invert'>;
  /** Import: the peer the route came from. Export: the peer it is sent to. */
  readonly neighborSet?: SetCondition<'any' | 'invert'>;
  readonly communitySet?: SetCondition;
  readonly largeCommunitySet?: SetCondition;
  readonly asPathSet?: SetCondition;
  readonly asPathLength?: { readonly operator: 'eq' | 'ge' | 'le'; readonly value: number };
  /** Simple AS-path matches without regular expressions. */
  readonly asPathContains?: number;
  readonly originAs?: number;
  readonly family?: Family;
}

export type SetOperation = 'add' | 'remove' | 'replace';

export interface Actions {
  /** Final decision; without it evaluation continues with the next statement (GoBGP semantics). */
  readonly route?: RouteAction;
  readonly community?: { readonly operation: SetOperation; readonly communities: readonly string[] };
  readonly largeCommunity?: { readonly operation: SetOperation; readonly communities: readonly string[] };
  /** RFC 4271 §5.1.2 prepend; `last-as` repeats the path's current first AS (GoBGP's "last-as"). */
  readonly asPrepend?: { readonly asn: number | 'last-as'; readonly repeat: number };
  /** `self`: our address on the session of that family. Otherwise an address. */
  readonly nextHop?: 'self' | string;
  readonly localPref?: number;
  readonly med?: number;
}

export interface Statement {
  readonly name: string;
  readonly conditions?: Conditions;
  readonly actions?: Actions;
}

export interface Policy {
  readonly name: string;
  readonly statements: readonly Statement[];
}

export interface Assignment {
  /** Policy names, evaluated in order. */
  readonly policies: readonly string[];
  readonly defaultAction: RouteAction;
}

export interface PolicyConfig {
  readonly definedSets?: DefinedSets;
  readonly policies?: readonly Policy[];
  readonly import?: Assignment;
  readonly export?: Assignment;
  /** RFC 8212: an eBGP session with no policy in a direction accepts / sends nothing. Off by default. */
  readonly rfc8212?: boolean;
}

export type Direction = 'import' | 'export';
